package escape

import "strings"

// psSingleQuotes are the characters PowerShell reads as a single quote: the ASCII apostrophe and the
// typographic quotes U+2018-U+201B. Each is doubled inside a single-quoted string.
var psSingleQuote = strings.NewReplacer(
	"'", "''", "\u2018", "\u2018\u2018", "\u2019", "\u2019\u2019", "\u201a", "\u201a\u201a", "\u201b", "\u201b\u201b",
)

// PowerShell quotes a value as a single-quoted PowerShell string, in which nothing is expanded ($, `, @ and
// ; are literal); quotes are doubled. Control characters (line breaks among them, and NUL) become spaces,
// so a value never continues onto another line.
func PowerShell(s string) string {
	return "'" + psSingleQuote.Replace(OneLine(s)) + "'"
}

// PowerShellList quotes values as a PowerShell array argument: 'a','b'.
func PowerShellList(values []string) string {
	out := make([]string, len(values))
	for i, v := range values {
		out[i] = PowerShell(v)
	}
	return strings.Join(out, ",")
}
