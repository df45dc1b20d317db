// Package escape quotes design values for the formats ibcmc writes, so a value can never add a line, cell,
// directive or command to an artifact.
package escape

import (
	"bytes"
	"io"
	"strings"
	"unicode/utf8"
)

// markdownEscapes is what Markdown writes for each byte it escapes.
var markdownEscapes = byteEscapes(
	`\`, `\\`, "|", `\|`, "`", "\\`", "*", `\*`, "_", `\_`, "<", "&lt;", ">", "&gt;", "[", `\[`, "]", `\]`,
	"#", `\#`, "&", "&amp;",
)

// Markdown escapes text for a Markdown table cell or paragraph: one line, no markup, no HTML.
func Markdown(s string) string { return markdownEscapes.oneLine(s) }

// WriteMarkdown writes Markdown(s) to w, an in-memory writer such as a strings.Builder or bytes.Buffer,
// without making the escaped string.
func WriteMarkdown(w io.StringWriter, s string) {
	markdownEscapes.write(w, OneLine(s))
}

// MarkdownCode renders text as inline code; backticks inside are handled by a longer fence.
func MarkdownCode(s string) string {
	var b strings.Builder
	WriteMarkdownCode(&b, s)
	return b.String()
}

// WriteMarkdownCode writes MarkdownCode(s) to w, an in-memory writer.
func WriteMarkdownCode(w io.StringWriter, s string) {
	s = strings.ReplaceAll(OneLine(s), "|", `\|`)
	if s == "" {
		return // "``" is not a code span: Markdown would show the two backticks
	}
	fence := "`"
	for strings.Contains(s, fence) {
		fence += "`"
	}
	// CommonMark strips one space from each end of a span that starts and ends with one, so such
	// content is padded like content at a backtick.
	spaced := strings.HasPrefix(s, " ") && strings.HasSuffix(s, " ") && strings.Trim(s, " ") != ""
	pad := strings.HasPrefix(s, "`") || strings.HasSuffix(s, "`") || spaced
	w.WriteString(fence)
	if pad {
		w.WriteString(" ")
	}
	w.WriteString(s)
	if pad {
		w.WriteString(" ")
	}
	w.WriteString(fence)
}

// escapes maps each byte to escape to what is written instead: a strings.Replacer of single bytes that
// writes into the caller's writer.
type escapes [256]string

func byteEscapes(oldnew ...string) *escapes {
	var e escapes
	for i := 0; i < len(oldnew); i += 2 {
		e[oldnew[i][0]] = oldnew[i+1]
	}
	return &e
}

// any reports whether s holds a byte to escape.
// oneLine returns s made one line (OneLine) with e applied; text that needs neither is returned as is.
func (e *escapes) oneLine(s string) string {
	s = OneLine(s)
	if !e.any(s) {
		return s
	}
	var b strings.Builder
	e.write(&b, s)
	return b.String()
}

func (e *escapes) any(s string) bool {
	for i := 0; i < len(s); i++ {
		if e[s[i]] != "" {
			return true
		}
	}
	return false
}

// write writes s to w with each byte to escape replaced.
func (e *escapes) write(w io.StringWriter, s string) {
	start := 0
	for i := 0; i < len(s); i++ {
		if r := e[s[i]]; r != "" {
			w.WriteString(s[start:i])
			w.WriteString(r)
			start = i + 1
		}
	}
	w.WriteString(s[start:])
}

// OneLine turns every control character (line breaks among them, and Unicode's line and paragraph
// separators) into a space, for text inside a single-line comment or message.
func OneLine(s string) string {
	// Most text is valid UTF-8 without such a character: return it as is rather than copying it. (The copy
	// also replaces invalid UTF-8 with U+FFFD, which the artifact formats rely on.)
	if oneLine(s) {
		return s
	}
	return strings.Map(func(r rune) rune {
		if IsLineBreaking(r) {
			return ' '
		}
		return r
	}, s)
}

// IsLineBreaking reports a character that can end a line in some artifact format or viewer: a C0 control,
// DEL, NEL or a Unicode line or paragraph separator. Every escaper and every check of design values that
// must stay on one line uses it.
func IsLineBreaking(r rune) bool {
	return r < 0x20 || r == 0x7f || r == '\u2028' || r == '\u2029' || r == '\u0085'
}

// OneLineTail applies OneLine to b[start:], for a line composed directly in a buffer: the composed text
// is checked as a whole, as OneLine would check it. b[:start] is kept; the tail is copied only when it
// must change.
func OneLineTail(b []byte, start int) []byte {
	tail := b[start:]
	i := printablePrefix(tail)
	if i == len(tail) {
		return b
	}
	if rest := tail[i:]; utf8.Valid(rest) && bytes.IndexFunc(rest, IsLineBreaking) < 0 {
		return b
	}
	return append(b[:start], OneLine(string(tail))...)
}

// oneLine reports whether OneLine would return s unchanged.
func oneLine(s string) bool {
	i := printablePrefix(s)
	if i == len(s) {
		return true
	}
	rest := s[i:]
	return utf8.ValidString(rest) && strings.IndexFunc(rest, IsLineBreaking) < 0
}

// Most text is printable ASCII (' ' to '~'), which OneLine never changes: printablePrefix finds the length
// of such a prefix eight bytes at a time, much faster than decoding runes.

func printablePrefix[T string | []byte](s T) int {
	i := 0
	for ; i+8 <= len(s); i += 8 {
		w := uint64(s[i]) | uint64(s[i+1])<<8 | uint64(s[i+2])<<16 | uint64(s[i+3])<<24 |
			uint64(s[i+4])<<32 | uint64(s[i+5])<<40 | uint64(s[i+6])<<48 | uint64(s[i+7])<<56
		if !printable8(w) {
			break
		}
	}
	for ; i < len(s); i++ {
		if s[i]-' ' > '~'-' ' {
			return i
		}
	}
	return len(s)
}

// printable8 reports whether all eight bytes of w are printable ASCII. A byte's high bit ends up set in
// the mask when the byte is below ' ' (the subtraction borrows), is '~'+1 = DEL (the addition reaches
// 0x80) or is not ASCII. A borrow or carry crosses into the next byte only from a byte that is itself
// flagged, so there are no false negatives.
func printable8(w uint64) bool {
	const ones, spaces, highs = 0x0101010101010101, 0x2020202020202020, 0x8080808080808080
	return ((w-spaces)&^w|w|(w+ones))&highs == 0
}
