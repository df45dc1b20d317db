package proxy_test

import (
	"testing"

	"github.com/ibcmc/ibcmc/internal/testdesign"
)

// The examples' configs, built with --lab-pki, pass the real tools' checks.
func TestExampleConfigsPassTheirChecks(t *testing.T) {
	for _, tc := range []struct{ example, file string }{
		{"fabrikam-perimeter", "proxy/edge/nginx.conf"},
		{"homelab", "proxy/router/haproxy.cfg"},
	} {
		t.Run(tc.example, func(t *testing.T) {
			res := testdesign.Example(t, "../..", tc.example)
			if res.Plan == nil {
				t.Fatalf("no plan: %v", res.Diagnostics)
			}
			b := build(t, res.Plan)
			cfg, ok := b.files[tc.file]
			if !ok {
				t.Fatalf("%s not emitted", tc.file)
			}
			if tc.file[len(tc.file)-4:] == "conf" {
				checkNginx(t, cfg)
			} else {
				checkHAProxy(t, cfg)
			}
		})
	}
}
