package golden

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ibcmc/ibcmc/compiler"
	"github.com/ibcmc/ibcmc/emit"
	"github.com/ibcmc/ibcmc/emit/registry"
	"github.com/ibcmc/ibcmc/version"
)

// hostileField is a free-text value of an example design that lands in artifacts: the text to replace in
// the example and the design path a refusal must name.
type hostileField struct {
	example, old, path string
}

var hostileFields = []hostileField{
	{"fabrikam-perimeter", `installAccount:      "CORP\\svc-cm-install"
		databaseAccount:`, "systems.cmibcm01.installAccount"},
	{"fabrikam-perimeter", `"SubjectStr:corp.fabrikam.com"`, `clients."roaming-laptops".install.certificate.select`},
	{"fabrikam-perimeter", `"D:\\Client"`, `clients."pos-kiosks".install.source`},
	{"fabrikam-perimeter", `"D:\\Client\\siteserver.cer"`, `clients."pos-kiosks".install.signingCert`},
	{"fabrikam-perimeter", `"CN=Fabrikam Root CA, O=Fabrikam, C=US"`, `pki.authorities."Fabrikam Root CA".subject`},
	{"woodgrove-cmg", `"api://woodgrove-cm-server"`, `cmg."wgb-cmg".tenant.serverAppURI`},
	{"woodgrove-cmg", `"7c2f3a1e-4b5d-4e8f-9a6b-1c2d3e4f5a6b"`, `cmg."wgb-cmg".tenant.id`},
	{"woodgrove-cmg", `"0f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0"`, `cmg."wgb-cmg".tenant.clientApp`},
	{"homelab", `issuer: "Lab Root CA"`, "pki.templates.webServer"},
	{"contoso-ibcm", `issuer: "Contoso Issuing CA"`, "pki.templates.client"},
}

// payloads try to end the line, the quoted string or the statement they land in and start a directive,
// command or rule of their own. The marker must never begin a line of any artifact.
var payloads = []string{
	`x\nINJECTED: directive`,
	`x\r\nINJECTED`,
	`x\u2028INJECTED`,
	`x"; INJECTED on; #`,
	`x' ; INJECTED ; '`,
	`x & INJECTED ^| %PATH% <in >out`,
	`x} INJECTED {`,
	"x`INJECTED`$(INJECTED)",
}

// TestHostileValues puts every payload into every field: the build either refuses the design with an error
// naming that field, or writes artifacts in which the payload stays inside its value.
func TestHostileValues(t *testing.T) {
	root, _ := filepath.Abs("..")
	for _, f := range hostileFields {
		src, err := os.ReadFile(filepath.Join(root, "examples", f.example, "site.cue"))
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(src), f.old) {
			t.Fatalf("%s: %q not found", f.example, f.old)
		}
		for _, payload := range payloads {
			t.Run(f.path+"/"+payload, func(t *testing.T) {
				value := `"` + strings.ReplaceAll(payload, `"`, `\"`) + `"`
				var design string
				switch {
				case strings.HasPrefix(f.old, "issuer: "):
					// Templates are not written in the examples: add the field beside the issuer.
					field := strings.TrimPrefix(f.path, "pki.templates.")
					design = strings.Replace(string(src), f.old, f.old+"\n\ttemplates: "+field+": "+value, 1)
				case strings.HasPrefix(f.old, "installAccount:"):
					design = strings.Replace(string(src), f.old, "installAccount:      "+value+"\n\t\tdatabaseAccount:", 1)
				default:
					design = strings.Replace(string(src), f.old, value, 1)
				}
				dir := t.TempDir()
				p := filepath.Join(dir, "site.cue")
				os.WriteFile(p, []byte(design), 0o644)
				res, err := compiler.Compile([]string{p}, compiler.Options{Cwd: dir})
				if err != nil {
					t.Fatal(err)
				}
				if res.Diagnostics.HasErrors(false) {
					for _, d := range res.Diagnostics {
						if d.Severity.String() == "error" && strings.HasPrefix(d.Path, f.path) && d.Pos.IsValid() {
							return // refused, with the field named
						}
					}
					t.Fatalf("refused without naming %s: %v", f.path, res.Diagnostics)
				}
				files, err := registry.EmitAll(res.Plan, emit.Options{ToolVersion: version.Tool, CertDir: "/etc/ibcmc/pki"})
				if err != nil {
					t.Fatalf("accepted by the rules but refused by an emitter (it needs a rule): %v", err)
				}
				for _, file := range files {
					for i, line := range strings.FieldsFunc(string(file.Content), func(r rune) bool {
						return r == '\n' || r == '\r' || r == '\u2028' || r == '\u2029' || r == '\u0085'
					}) {
						if strings.HasPrefix(strings.TrimSpace(line), "INJECTED") {
							t.Errorf("%s line %d starts with the payload: %q", file.Path, i+1, line)
						}
					}
				}
			})
		}
	}
}
