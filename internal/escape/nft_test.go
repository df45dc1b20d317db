package escape

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestNFTString(t *testing.T) {
	cases := []struct{ in, want string }{
		{"cmibcm01-to-sql01-tcp-1433", `"cmibcm01-to-sql01-tcp-1433"`},
		{`close" accept; drop`, `"close' accept; drop"`},
		{"new\nline", `"new line"`},
		{"nul\x00", `"nul "`},
		{"$var #comment {set} \\ ; &|<>^ %", `"$var #comment {set} \ ; &|<>^ %"`},
	}
	for _, c := range cases {
		if got := NFTString(c.in); got != c.want {
			t.Errorf("NFTString(%q) = %s, want %s", c.in, got, c.want)
		}
	}
}

func TestNFTStringFitsTheCommentLimit(t *testing.T) {
	long := strings.Repeat("é", 100) // 200 bytes; a naive byte cut would split a character
	got := NFTString(long)
	inner := got[1 : len(got)-1]
	if len(inner) > NFTCommentMax {
		t.Fatalf("comment is %d bytes, nft accepts %d", len(inner), NFTCommentMax)
	}
	if !utf8.ValidString(inner) || !strings.HasSuffix(inner, "...") {
		t.Fatalf("cut comment %q is not valid UTF-8 ending in ...", inner)
	}
	exact := strings.Repeat("a", NFTCommentMax)
	if got := NFTString(exact); got != `"`+exact+`"` {
		t.Errorf("a comment of exactly %d bytes was changed: %s", NFTCommentMax, got)
	}
}
