package escape

import (
	"bytes"
	"testing"
)

// TestPrintable checks the eight-bytes-at-a-time scan against the byte-by-byte definition for every byte
// value at every position of a word, and with a second byte that could carry or borrow into it.
func TestPrintable(t *testing.T) {
	want := func(s []byte) int {
		for i, c := range s {
			if c < ' ' || c > '~' {
				return i
			}
		}
		return len(s)
	}
	for n := 0; n <= 20; n++ {
		for pos := 0; pos < n; pos++ {
			for c := 0; c < 256; c++ {
				for _, other := range []byte{'a', 0x00, 0x1f, 0x20, 0x7e, 0x7f, 0x80, 0xff} {
					s := bytes.Repeat([]byte{'x'}, n)
					s[pos] = byte(c)
					if pos+1 < n {
						s[pos+1] = other
					}
					if pos > 0 {
						s[pos-1] = other
					}
					if got, w := printablePrefix(s), want(s); got != w {
						t.Fatalf("printablePrefix(%q) = %d, want %d", s, got, w)
					}
					if got, w := printablePrefix(string(s)), want(s); got != w {
						t.Fatalf("printablePrefix(string(%q)) = %d, want %d", s, got, w)
					}
				}
			}
		}
	}
}

// TestOneLineTail: the tail of a buffer is made one line exactly as OneLine makes the same text, and the
// head is kept.
func TestOneLineTail(t *testing.T) {
	for _, tail := range []string{"", "plain text", "a\nb", "x\r\ny", "\u2028", "caf\xc3", "\xc3\xa9t\xc3\xa9", "\xa9",
		"tab\there", "del\x7f", "nel\u0085", "long plain text that is longer than eight bytes", "long text, then a break\n"} {
		for _, head := range []string{"", "# ", "caf\xc3"} {
			b := OneLineTail([]byte(head+tail), len(head))
			if want := head + OneLine(tail); string(b) != want {
				t.Errorf("OneLineTail(%q+%q) = %q, want %q", head, tail, b, want)
			}
		}
	}
}
