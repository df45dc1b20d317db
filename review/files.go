package review

import (
	"bytes"
	"slices"
	"strconv"
	"strings"

	"github.com/ibcmc/ibcmc/emit"
)

// Files compares two artifact trees and returns unified diffs of the files that differ.
func Files(oldFiles, newFiles []emit.File) []FileChange {
	before := make(map[string][]byte, len(oldFiles))
	for _, f := range oldFiles {
		before[f.Path] = f.Content
	}
	var out []FileChange
	seen := make(map[string]bool, len(newFiles))
	for _, f := range newFiles {
		seen[f.Path] = true
		old, ok := before[f.Path]
		switch {
		case !ok:
			out = append(out, FileChange{Path: f.Path, Action: Add, Diff: unified(f.Path, "", string(f.Content))})
		case !bytes.Equal(old, f.Content):
			out = append(out, FileChange{Path: f.Path, Action: Change, Diff: unified(f.Path, string(old), string(f.Content))})
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

// context is how many unchanged lines a hunk shows around a change, as diff -u does.
const context = 3

// unified renders a unified diff of two texts. CRLF files are compared line by line like any other; the
// carriage returns are dropped from the rendering so the diff reads cleanly.
func unified(path, a, b string) string {
	a, b = strings.ReplaceAll(a, "\r\n", "\n"), strings.ReplaceAll(b, "\r\n", "\n")
	la, lb := splitLines(a), splitLines(b)
	ia, ib := internLines(la, lb)
	var m []match
	matchLines(ia, ib, 0, 0, &m)
	ops := script(m, len(la), len(lb))

	var out strings.Builder
	out.WriteString("--- a/" + path + "\n+++ b/" + path + "\n")
	for _, h := range hunks(ops) {
		first := ops[h[0]]
		na, nb := 0, 0
		for _, o := range ops[h[0]:h[1]] {
			if o.kind != '+' {
				na++
			}
			if o.kind != '-' {
				nb++
			}
		}
		out.WriteString("@@ -" + rangeText(first.a, na) + " +" + rangeText(first.b, nb) + " @@\n")
		for _, o := range ops[h[0]:h[1]] {
			line := ""
			if o.kind == '+' {
				line = lb[o.b]
			} else {
				line = la[o.a]
			}
			out.WriteByte(o.kind)
			out.WriteString(line)
			if !strings.HasSuffix(line, "\n") {
				out.WriteString("\n\\ No newline at end of file\n")
			}
		}
	}
	return out.String()
}

// op is one line of the edit script: ' ' kept, '-' deleted, '+' inserted; a and b are the line's index
// in the old and new text (for an insertion, a is where it goes; for a deletion, b likewise).
type op struct {
	kind byte
	a, b int
}

// script turns the matched lines into the whole edit script, deletions before insertions within a
// change, as diff -u writes them.
func script(m []match, na, nb int) []op {
	ops := make([]op, 0, na+nb-len(m))
	i, j := 0, 0
	for k := 0; k <= len(m); k++ {
		ea, eb := na, nb
		if k < len(m) {
			ea, eb = m[k].a, m[k].b
		}
		for ; i < ea; i++ {
			ops = append(ops, op{'-', i, j})
		}
		for ; j < eb; j++ {
			ops = append(ops, op{'+', i, j})
		}
		if k < len(m) {
			ops = append(ops, op{' ', i, j})
			i, j = i+1, j+1
		}
	}
	return ops
}

// hunks returns the ranges of ops shown: each change with up to context kept lines around it; changes
// closer than twice the context share a hunk.
func hunks(ops []op) [][2]int {
	var out [][2]int
	for k := 0; k < len(ops); {
		if ops[k].kind == ' ' {
			k++
			continue
		}
		start := max(0, k-context)
		if n := len(out); n > 0 && start <= out[n-1][1] {
			start = out[n-1][0]
			out = out[:n-1]
		}
		// Extend past this change and any change whose gap of kept lines is at most twice the context.
		end := k
		for end < len(ops) {
			for end < len(ops) && ops[end].kind != ' ' {
				end++
			}
			kept := 0
			for end+kept < len(ops) && ops[end+kept].kind == ' ' {
				kept++
			}
			if end+kept == len(ops) || kept > 2*context {
				break
			}
			end += kept
		}
		k = end
		out = append(out, [2]int{start, min(len(ops), end+context)})
	}
	return out
}

// splitLines splits text into lines that keep their "\n"; the last may lack it.
func splitLines(s string) []string {
	if s == "" {
		return nil
	}
	lines := make([]string, 0, strings.Count(s, "\n")+1)
	for s != "" {
		i := strings.IndexByte(s, '\n') + 1
		if i == 0 {
			i = len(s)
		}
		lines, s = append(lines, s[:i]), s[i:]
	}
	return lines
}

// internLines numbers the distinct lines of both texts, so the diff compares integers.
func internLines(a, b []string) ([]int, []int) {
	ids := make(map[string]int, len(a))
	intern := func(lines []string) []int {
		out := make([]int, len(lines))
		for i, l := range lines {
			id, ok := ids[l]
			if !ok {
				id = len(ids)
				ids[l] = id
			}
			out[i] = id
		}
		return out
	}
	return intern(a), intern(b)
}

// match pairs line a of the old text with line b of the new one; matches ascend in both.
type match struct{ a, b int }

// matchLines finds the unchanged lines of a and b (offset by ao and bo in the whole texts), appending them
// to m in order. It is patience diff: the common prefix and suffix match; lines that occur exactly once
// on both sides anchor the rest (their longest common subsequence), and the gaps between anchors are
// matched the same way. A gap without such lines falls back to Myers' algorithm, given up (the gap shown
// as replaced) past maxEdits edits. Time and memory stay near linear in the texts' size even for the
// largest artifacts (a report of 20 MB), where Myers alone needs memory proportional to size × edits.
func matchLines(a, b []int, ao, bo int, m *[]match) {
	p := 0
	for p < len(a) && p < len(b) && a[p] == b[p] {
		*m = append(*m, match{ao + p, bo + p})
		p++
	}
	s := 0
	for s < len(a)-p && s < len(b)-p && a[len(a)-1-s] == b[len(b)-1-s] {
		s++
	}
	midA, midB := a[p:len(a)-s], b[p:len(b)-s]
	ao, bo = ao+p, bo+p
	if len(midA) > 0 && len(midB) > 0 {
		if anchors := uniqueCommon(midA, midB); len(anchors) > 0 {
			i, j := 0, 0
			for _, x := range anchors {
				matchLines(midA[i:x.a], midB[j:x.b], ao+i, bo+j, m)
				*m = append(*m, match{ao + x.a, bo + x.b})
				i, j = x.a+1, x.b+1
			}
			matchLines(midA[i:], midB[j:], ao+i, bo+j, m)
		} else {
			myers(midA, midB, ao, bo, m)
		}
	}
	for k := 0; k < s; k++ {
		*m = append(*m, match{ao + len(midA) + k, bo + len(midB) + k})
	}
}

// uniqueCommon returns the longest ascending sequence of pairs of lines that occur exactly once in a and
// once in b (patience sorting).
func uniqueCommon(a, b []int) []match {
	type seen struct{ na, nb, ia, ib int }
	count := make(map[int]*seen, len(a))
	for i, x := range a {
		c := count[x]
		if c == nil {
			c = &seen{}
			count[x] = c
		}
		c.na++
		c.ia = i
	}
	for j, x := range b {
		if c := count[x]; c != nil {
			c.nb++
			c.ib = j
		}
	}
	var pairs []match
	for i, x := range a {
		if c := count[x]; c.na == 1 && c.nb == 1 {
			pairs = append(pairs, match{i, c.ib})
		}
	}
	if len(pairs) == 0 {
		return nil
	}
	// Longest increasing subsequence of b over pairs ordered by a.
	tails := []int{}                // index into pairs of the smallest tail of each length
	prev := make([]int, len(pairs)) // predecessor in the sequence ending at each pair
	for k, pr := range pairs {
		n, _ := slices.BinarySearchFunc(tails, pr.b, func(t, target int) int { return pairs[t].b - target })
		if n > 0 {
			prev[k] = tails[n-1]
		} else {
			prev[k] = -1
		}
		if n == len(tails) {
			tails = append(tails, k)
		} else {
			tails[n] = k
		}
	}
	out := make([]match, len(tails))
	for k, n := tails[len(tails)-1], len(tails)-1; n >= 0; k, n = prev[k], n-1 {
		out[n] = pairs[k]
	}
	return out
}

// maxEdits bounds Myers' search in a gap: its memory grows with the square of the edits.
const maxEdits = 1000

// myers appends the matches of a shortest edit script of a and b (Myers 1986), or none when it needs more
// than maxEdits edits (the gap then shows as replaced).
func myers(a, b []int, ao, bo int, m *[]match) {
	n, nm := len(a), len(b)
	maxD := min(n+nm, maxEdits)
	off := maxD + 1
	v := make([]int, 2*maxD+3)
	// trace[d] is the frontier before step d, v[-d-1 .. d+1].
	var trace [][]int
	for d := 0; d <= maxD; d++ {
		trace = append(trace, slices.Clone(v[off-d-1:off+d+2]))
		for k := -d; k <= d; k += 2 {
			var x int
			if k == -d || (k != d && v[off+k-1] < v[off+k+1]) {
				x = v[off+k+1] // down: an insertion
			} else {
				x = v[off+k-1] + 1 // right: a deletion
			}
			y := x - k
			for x < n && y < nm && a[x] == b[y] {
				x, y = x+1, y+1
			}
			v[off+k] = x
			if x >= n && y >= nm {
				backtrack(trace, n, nm, ao, bo, m)
				return
			}
		}
	}
}

// backtrack walks the frontiers from the end to the start and appends the matched lines (the diagonal
// moves) in order.
func backtrack(trace [][]int, n, nm, ao, bo int, m *[]match) {
	x, y := n, nm
	var rev []match
	for d := len(trace) - 1; d >= 0; d-- {
		w := trace[d]
		at := func(k int) int { return w[k+d+1] }
		k := x - y
		pk := k - 1
		if k == -d || (k != d && at(k-1) < at(k+1)) {
			pk = k + 1
		}
		px := at(pk)
		py := px - pk
		for x > px && y > py {
			rev = append(rev, match{x - 1, y - 1})
			x, y = x-1, y-1
		}
		x, y = px, py
	}
	for i := len(rev) - 1; i >= 0; i-- {
		*m = append(*m, match{ao + rev[i].a, bo + rev[i].b})
	}
}

// rangeText spells a hunk's range of one file: "start,count", or "start" for one line; an empty range
// names the line before it, as diff(1) does.
func rangeText(start0, count int) string {
	start := start0 + 1
	if count == 0 {
		start--
	}
	if count == 1 {
		return strconv.Itoa(start)
	}
	return strconv.Itoa(start) + "," + strconv.Itoa(count)
}
