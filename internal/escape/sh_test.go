package escape

import (
	"os/exec"
	"testing"
)

// Sh keeps every value one literal word for sh, whatever it contains, and refuses control characters.
func TestSh(t *testing.T) {
	sh, err := exec.LookPath("sh")
	if err != nil {
		t.Fatal(err) // POSIX systems always have sh; the CRL script needs it anyway
	}
	for _, v := range []string{"", "plain", "it's", "''", `a\'b`, "$(touch pwned)", "`id`", "a b;c|d&e", `"$HOME"`, "*?[x]{a,b}~", "#not a comment", "ünïcödé"} {
		q, err := Sh(v)
		if err != nil {
			t.Fatalf("%q: %v", v, err)
		}
		out, err := exec.Command(sh, "-c", "printf '%s|' "+q+" end", "sh").Output()
		if err != nil {
			t.Fatalf("%q quoted as %s: %v", v, q, err)
		}
		if got := string(out); got != v+"|end|" {
			t.Errorf("%q quoted as %s reads back as %q", v, q, got)
		}
	}
	for _, v := range []string{"a\nb", "a\rb", "a\x00b", "a\tb", "a\x7fb", "a\u2028b", "a\u2029b", "a\u0085b"} {
		if q, err := Sh(v); err == nil {
			t.Errorf("%q accepted as %s", v, q)
		}
	}
}
