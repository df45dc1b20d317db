package review

import (
	"strings"

	"github.com/hexops/gotextdiff"
	"github.com/hexops/gotextdiff/myers"
	"github.com/hexops/gotextdiff/span"

	"github.com/ibcmc/ibcmc/emit"
)

// Files compares two artifact trees and returns unified diffs of the files that differ.
func Files(oldFiles, newFiles []emit.File) []FileChange {
	before := map[string]string{}
	for _, f := range oldFiles {
		before[f.Path] = string(f.Content)
	}
	var out []FileChange
	seen := map[string]bool{}
	for _, f := range newFiles {
		seen[f.Path] = true
		old, ok := before[f.Path]
		switch {
		case !ok:
			out = append(out, FileChange{Path: f.Path, Action: Add, Diff: unified(f.Path, "", string(f.Content))})
		case old != string(f.Content):
			out = append(out, FileChange{Path: f.Path, Action: Change, Diff: unified(f.Path, old, string(f.Content))})
		}
	}
	for _, f := range oldFiles {
		if !seen[f.Path] {
			out = append(out, FileChange{Path: f.Path, Action: Remove, Diff: unified(f.Path, string(f.Content), "")})
		}
	}
	SortFiles(out)
	return out
}

// unified renders a unified diff with three lines of context. CRLF files are compared line by line
// like any other; the carriage returns are dropped from the rendering so the diff reads cleanly.
func unified(path, a, b string) string {
	a, b = strings.ReplaceAll(a, "\r\n", "\n"), strings.ReplaceAll(b, "\r\n", "\n")
	edits := myers.ComputeEdits(span.URIFromPath(path), a, b)
	return strings.TrimPrefix(fmtUnified(gotextdiff.ToUnified("a/"+path, "b/"+path, a, edits)), "")
}

func fmtUnified(u gotextdiff.Unified) string {
	var b strings.Builder
	b.WriteString("--- " + u.From + "\n+++ " + u.To + "\n")
	for _, h := range u.Hunks {
		b.WriteString(hunkHeader(h))
		for _, l := range h.Lines {
			switch l.Kind {
			case gotextdiff.Delete:
				b.WriteString("-")
			case gotextdiff.Insert:
				b.WriteString("+")
			default:
				b.WriteString(" ")
			}
			b.WriteString(l.Content)
			if !strings.HasSuffix(l.Content, "\n") {
				b.WriteString("\n\\ No newline at end of file\n")
			}
		}
	}
	return b.String()
}

func hunkHeader(h *gotextdiff.Hunk) string {
	fromCount, toCount := 0, 0
	for _, l := range h.Lines {
		switch l.Kind {
		case gotextdiff.Delete:
			fromCount++
		case gotextdiff.Insert:
			toCount++
		default:
			fromCount++
			toCount++
		}
	}
	return "@@ -" + rangeText(h.FromLine, fromCount) + " +" + rangeText(h.ToLine, toCount) + " @@\n"
}

func rangeText(start, count int) string {
	if count == 0 {
		start-- // an empty range names the line before it, as diff(1) does
	}
	if count == 1 {
		return itoa(start)
	}
	return itoa(start) + "," + itoa(count)
}

func itoa(i int) string {
	if i < 0 {
		i = 0
	}
	var buf [20]byte
	n := len(buf)
	if i == 0 {
		return "0"
	}
	for i > 0 {
		n--
		buf[n] = byte('0' + i%10)
		i /= 10
	}
	return string(buf[n:])
}
