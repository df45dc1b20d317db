package proxy_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/ibcmc/ibcmc/internal/testdesign"
	"github.com/ibcmc/ibcmc/plan"
)

// Valid but long internet FQDNs (47 characters and more overflowed nginx's 64-byte hash buckets; 253 is the
// DNS maximum) give configs that nginx and HAProxy accept, in every mode.
func TestLongPublishedNames(t *testing.T) {
	for _, n := range []int{46, 47, 63, 120, 253} {
		host := longFQDN(n)
		for _, c := range []struct {
			product plan.PublishingProduct
			mode    plan.PublishingMode
		}{
			{"nginx", plan.ModeBridging}, {"nginx", plan.ModeTunneling}, {"haproxy", plan.ModeBridging}, {"haproxy", plan.ModeTunneling},
		} {
			src := strings.Replace(fmt.Sprintf(e2eDesign, 80, 443, c.product, c.mode), `internet: "ibcm.contoso.com"`, fmt.Sprintf("internet: %q", host), 1)
			res := testdesign.CompileOne(t, src)
			if res.Plan == nil {
				t.Fatalf("%d characters: %v", n, res.Diagnostics)
			}
			b := build(t, res.Plan, labPKI(t)...) // the lab PKI's files let the proxies load their certificates
			if cfg, ok := b.files["proxy/edge/nginx.conf"]; ok {
				if !strings.Contains(string(cfg), host) {
					t.Fatalf("nginx.conf does not publish %s", host)
				}
				checkNginx(t, cfg)
			}
			if cfg, ok := b.files["proxy/edge/haproxy.cfg"]; ok {
				checkHAProxy(t, cfg)
			}
		}
	}
}

// longFQDN is a valid DNS name of exactly n characters (labels of at most 63).
func longFQDN(n int) string {
	const suffix = ".contoso.com"
	var labels []string
	left := n - len(suffix)
	for left > 0 {
		l := min(63, left)
		if left-l == 1 { // a label needs at least one character after its dot
			l--
		}
		labels = append(labels, strings.Repeat("a", l))
		left -= l + 1
	}
	name := strings.Join(labels, ".") + suffix
	return name[len(name)-n:]
}
