// Package escape quotes design values for the formats ibcmc writes, so a value can never add a line, cell,
// directive or command to an artifact.
package escape

import (
	"strings"
	"unicode/utf8"
)

var mdReplacer = strings.NewReplacer(
	`\`, `\\`, "|", `\|`, "`", "\\`", "*", `\*`, "_", `\_`, "<", "&lt;", ">", "&gt;", "[", `\[`, "]", `\]`,
	"#", `\#`, "&", "&amp;",
)

// Markdown escapes text for a Markdown table cell or paragraph: one line, no markup, no HTML.
func Markdown(s string) string {
	return mdReplacer.Replace(OneLine(s))
}

// MarkdownCode renders text as inline code; backticks inside are handled by a longer fence.
func MarkdownCode(s string) string {
	s = strings.ReplaceAll(OneLine(s), "|", `\|`)
	if s == "" {
		return "" // "``" is not a code span: Markdown would show the two backticks
	}
	fence := "`"
	for strings.Contains(s, fence) {
		fence += "`"
	}
	// CommonMark strips one space from each end of a span that starts and ends with one, so such
	// content is padded like content at a backtick.
	spaced := strings.HasPrefix(s, " ") && strings.HasSuffix(s, " ") && strings.Trim(s, " ") != ""
	if strings.HasPrefix(s, "`") || strings.HasSuffix(s, "`") || spaced {
		return fence + " " + s + " " + fence
	}
	return fence + s + fence
}

// OneLine turns every control character (line breaks among them, and Unicode's line and paragraph
// separators) into a space, for text inside a single-line comment or message.
func OneLine(s string) string {
	// Most text is valid UTF-8 without such a character: return it as is rather than copying it. (The copy
	// also replaces invalid UTF-8 with U+FFFD, which the artifact formats rely on.)
	if utf8.ValidString(s) && strings.IndexFunc(s, isLineBreaking) < 0 {
		return s
	}
	return strings.Map(func(r rune) rune {
		if isLineBreaking(r) {
			return ' '
		}
		return r
	}, s)
}

func isLineBreaking(r rune) bool {
	return r < 0x20 || r == 0x7f || r == '\u2028' || r == '\u2029' || r == '\u0085'
}
