package jsonschema

import (
	"fmt"
	"regexp/syntax"
	"strings"
	"unicode"
)

// ECMAScriptPattern rewrites an RE2 regular expression (CUE's =~) into one that means the same in
// ECMAScript, with or without the u flag, and in RE2: JSON Schema patterns are ECMAScript, but some
// validators (Go's among them) compile them with RE2. RE2-only syntax such as \x{85}, \A or \z is spelled
// the way both engines read, . becomes [^\n] (ECMAScript's . also stops at \r, U+2028 and U+2029; RE2's
// stops only at \n), and groups become non-capturing. Case-insensitive matching, multi-line mode and
// characters outside the Basic Multilingual Plane in a class are refused.
func ECMAScriptPattern(re2 string) (string, error) {
	re, err := syntax.Parse(re2, syntax.Perl) // the flags regexp.Compile, and so CUE, uses
	if err != nil {
		return "", fmt.Errorf("pattern %q: %w", re2, err)
	}
	var b strings.Builder
	if err := writeRegexp(&b, re); err != nil {
		return "", fmt.Errorf("pattern %q: %w", re2, err)
	}
	return b.String(), nil
}

func writeRegexp(b *strings.Builder, re *syntax.Regexp) error {
	if re.Flags&syntax.FoldCase != 0 && (re.Op == syntax.OpLiteral) {
		return fmt.Errorf("case-insensitive matching has no portable spelling")
	}
	switch re.Op {
	case syntax.OpEmptyMatch:
		b.WriteString("(?:)")
	case syntax.OpLiteral:
		for _, r := range re.Rune {
			writeLiteral(b, r)
		}
	case syntax.OpCharClass:
		return writeClass(b, re.Rune)
	case syntax.OpAnyCharNotNL:
		b.WriteString(`[^\n]`)
	case syntax.OpAnyChar:
		b.WriteString(`[\s\S]`)
	case syntax.OpBeginText:
		b.WriteString("^")
	case syntax.OpEndText:
		b.WriteString("$")
	case syntax.OpWordBoundary:
		b.WriteString(`\b`)
	case syntax.OpNoWordBoundary:
		b.WriteString(`\B`)
	case syntax.OpCapture:
		b.WriteString("(?:")
		if err := writeRegexp(b, re.Sub[0]); err != nil {
			return err
		}
		b.WriteString(")")
	case syntax.OpStar, syntax.OpPlus, syntax.OpQuest, syntax.OpRepeat:
		if err := writeAtom(b, re.Sub[0]); err != nil {
			return err
		}
		switch re.Op {
		case syntax.OpStar:
			b.WriteString("*")
		case syntax.OpPlus:
			b.WriteString("+")
		case syntax.OpQuest:
			b.WriteString("?")
		default:
			switch {
			case re.Max == re.Min:
				fmt.Fprintf(b, "{%d}", re.Min)
			case re.Max < 0:
				fmt.Fprintf(b, "{%d,}", re.Min)
			default:
				fmt.Fprintf(b, "{%d,%d}", re.Min, re.Max)
			}
		}
		if re.Flags&syntax.NonGreedy != 0 {
			b.WriteString("?")
		}
	case syntax.OpConcat:
		for _, sub := range re.Sub {
			if sub.Op == syntax.OpAlternate {
				b.WriteString("(?:")
				if err := writeRegexp(b, sub); err != nil {
					return err
				}
				b.WriteString(")")
				continue
			}
			if err := writeRegexp(b, sub); err != nil {
				return err
			}
		}
	case syntax.OpAlternate:
		for i, sub := range re.Sub {
			if i > 0 {
				b.WriteString("|")
			}
			if err := writeRegexp(b, sub); err != nil {
				return err
			}
		}
	default:
		// OpBeginLine/OpEndLine (multi-line mode) and OpNoMatch.
		return fmt.Errorf("%v has no portable spelling", re.Op)
	}
	return nil
}

// writeAtom writes the operand of a repetition, grouped unless it is a single character or a class.
func writeAtom(b *strings.Builder, re *syntax.Regexp) error {
	switch {
	case re.Op == syntax.OpLiteral && len(re.Rune) == 1, re.Op == syntax.OpCharClass, re.Op == syntax.OpAnyChar,
		re.Op == syntax.OpAnyCharNotNL, re.Op == syntax.OpCapture:
		return writeRegexp(b, re)
	}
	b.WriteString("(?:")
	if err := writeRegexp(b, re); err != nil {
		return err
	}
	b.WriteString(")")
	return nil
}

// writeLiteral writes one character outside a class: syntax characters escaped, control characters as
// \xHH, everything else as itself.
func writeLiteral(b *strings.Builder, r rune) {
	switch {
	case strings.ContainsRune(`\^$.*+?()[]{}|`, r):
		b.WriteByte('\\')
		b.WriteRune(r)
	case r < 0x20 || r == 0x7f:
		fmt.Fprintf(b, `\x%02x`, r)
	default:
		b.WriteRune(r)
	}
}

// writeClass writes a character class from RE2's sorted ranges. A class reaching the last code point is
// written negated (RE2 stores [^"] as its complement), which keeps it inside the Basic Multilingual Plane.
func writeClass(b *strings.Builder, ranges []rune) error {
	neg := len(ranges) > 0 && ranges[len(ranges)-1] == unicode.MaxRune
	if neg {
		var comp []rune
		next := rune(0)
		for i := 0; i < len(ranges); i += 2 {
			if ranges[i] > next {
				comp = append(comp, next, ranges[i]-1)
			}
			next = ranges[i+1] + 1
		}
		ranges = comp
		if len(ranges) == 0 {
			b.WriteString(`[\s\S]`)
			return nil
		}
	}
	b.WriteString("[")
	if neg {
		b.WriteString("^")
	}
	for i := 0; i < len(ranges); i += 2 {
		lo, hi := ranges[i], ranges[i+1]
		if hi > 0xffff {
			return fmt.Errorf("a class with characters outside the Basic Multilingual Plane has no portable spelling")
		}
		writeClassChar(b, lo)
		if hi != lo {
			if hi > lo+1 {
				b.WriteString("-")
			}
			writeClassChar(b, hi)
		}
	}
	b.WriteString("]")
	return nil
}

func writeClassChar(b *strings.Builder, r rune) {
	switch {
	case strings.ContainsRune(`\]-[^`, r):
		b.WriteByte('\\')
		b.WriteRune(r)
	case r < 0x20 || r == 0x7f:
		fmt.Fprintf(b, `\x%02x`, r)
	default:
		b.WriteRune(r)
	}
}
