package diag

import (
	"bytes"
	"path/filepath"
	"testing"
)

// A finding about a field the design does not write says how the field got its value, in every format.
func TestDefaultNote(t *testing.T) {
	base := Diagnostic{Code: "IB202", Name: "workgroup-internet-system", Severity: Error, Path: "systems.dp1.forest",
		Message: `internet-facing system "dp1" is not domain-joined`, Hint: "join the server to a domain",
		Pos: Pos{File: "site.cue", Line: 11, Column: 2}}
	cases := []struct {
		def       *Default
		note      string
		text, sar string
	}{
		{nil, "", "", ""},
		{&Default{Unset: true}, "systems.dp1.forest is not written in the design and has no default",
			"    note: systems.dp1.forest is not written in the design and has no default\n",
			` Note: systems.dp1.forest is not written in the design and has no default.`},
		{&Default{Value: `"intranet"`}, `systems.dp1.forest is not written in the design: its default, "intranet", applies`,
			"    note: systems.dp1.forest is not written in the design: its default, \"intranet\", applies\n",
			` Note: systems.dp1.forest is not written in the design: its default, "intranet", applies.`},
		{&Default{}, "systems.dp1.forest is not written in the design",
			"    note: systems.dp1.forest is not written in the design\n",
			` Note: systems.dp1.forest is not written in the design.`},
	}
	for _, c := range cases {
		d := base
		d.Default = c.def
		if got := d.Note(); got != c.note {
			t.Errorf("Note() = %q, want %q", got, c.note)
		}
		var b bytes.Buffer
		if err := WriteText(&b, List{d}); err != nil {
			t.Fatal(err)
		}
		want := "site.cue:11:2: error IB202 workgroup-internet-system: systems.dp1.forest: internet-facing system \"dp1\" is not domain-joined\n" +
			c.text + "    hint: join the server to a domain\n1 error(s), 0 warning(s)\n"
		if b.String() != want {
			t.Errorf("text:\n got %q\nwant %q", b.String(), want)
		}
		wantText := `internet-facing system "dp1" is not domain-joined.` + c.sar + ` Fix: join the server to a domain.`
		if got := Text(d); got != wantText {
			t.Errorf("Text (SARIF, GitHub, report):\n got %q\nwant %q", got, wantText)
		}
		b.Reset()
		files := &FileNames{Root: filepath.FromSlash("/repo"), Cwd: filepath.FromSlash("/repo")}
		if err := WriteGitHub(&b, List{d}, files); err != nil {
			t.Fatal(err)
		}
		wantGH := "::error file=site.cue,line=11,col=2,title=IB202 workgroup-internet-system::systems.dp1.forest: " + wantText + "\n"
		if b.String() != wantGH {
			t.Errorf("GitHub:\n got %q\nwant %q", b.String(), wantGH)
		}
	}
}
