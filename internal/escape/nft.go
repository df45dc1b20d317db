package escape

import (
	"strings"
	"unicode/utf8"
)

// NFTCommentMax is the longest comment nft accepts on a rule, in bytes.
const NFTCommentMax = 128

// NFTString quotes text for an nftables quoted string such as a rule comment. nft has no escape inside
// double quotes: the string ends at the next '"', so quotes become apostrophes and control characters
// (line breaks among them) spaces. Text longer than nft's 128-byte limit is cut at a character boundary
// and ends in "...".
func NFTString(s string) string {
	s = strings.ReplaceAll(OneLine(s), `"`, "'")
	if len(s) > NFTCommentMax {
		cut := NFTCommentMax - len("...")
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		s = s[:cut] + "..."
	}
	return `"` + s + `"`
}
