package textbuf

import "testing"

// TestFilesDoNotShareSpace: files carved from one block are independent; appending to one cannot change
// the next.
func TestFilesDoNotShareSpace(t *testing.T) {
	w := Blocks{Size: 1 << 16}
	a := w.Start("\r\n")
	a.Line("first")
	first := w.End(&a)
	b := w.Start("\n")
	b.Line("second")
	second := w.End(&b)
	_ = append(first, "XXXXXXXX"...)
	if string(first) != "first\r\n" || string(second) != "second\n" {
		t.Fatalf("files %q and %q", first, second)
	}
}

// TestCommentIsOneLine: a value with line breaks stays inside its comment line.
func TestCommentIsOneLine(t *testing.T) {
	var w Blocks
	c := w.Start("\n")
	c.Comment("# ", "purpose: ", "a\nrule allow-all\r\nx")
	if got := string(w.End(&c)); got != "# purpose: a rule allow-all  x\n" {
		t.Fatalf("comment %q", got)
	}
}
