package plan

import (
	"strconv"
	"strings"
)

// isIdentifier reports whether e matches ^[A-Za-z$][A-Za-z0-9_$]*$ (by hand: it runs for every label of
// a design).
func isIdentifier(e string) bool {
	if e == "" {
		return false
	}
	for i := 0; i < len(e); i++ {
		c := e[i]
		letter := c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c == '$'
		if !letter && (i == 0 || !(c >= '0' && c <= '9' || c == '_')) {
			return false
		}
	}
	return true
}

// Path joins selectors into a design path in CUE syntax: identifiers bare, other names quoted
// (clients."domain-laptops".install). Diagnostics and positions use the same spelling.
func Path(elems ...string) string {
	var b strings.Builder
	for i, e := range elems {
		if i > 0 {
			b.WriteByte('.')
		}
		b.WriteString(Selector(e))
	}
	return b.String()
}

// Selector spells one path element.
func Selector(e string) string {
	if isIdentifier(e) {
		return e
	}
	return strconv.Quote(e)
}

// Index appends a list index to a path.
func Index(path string, i int) string {
	return path + "[" + strconv.Itoa(i) + "]"
}

// Join appends selectors to an existing path.
func Join(path string, elems ...string) string {
	if path == "" {
		return Path(elems...)
	}
	return path + "." + Path(elems...)
}

// ParentPath drops the last selector or index of a CUE-syntax path, respecting quoted selectors.
func ParentPath(p string) string {
	if strings.HasSuffix(p, "]") {
		if i := strings.LastIndexByte(p, '['); i >= 0 {
			return p[:i]
		}
	}
	inQuote := false
	last := -1
	for i := 0; i < len(p); i++ {
		switch c := p[i]; {
		case c == '\\' && inQuote:
			i++
		case c == '"':
			inQuote = !inQuote
		case c == '.' && !inQuote:
			last = i
		}
	}
	if last < 0 {
		return ""
	}
	return p[:last]
}
