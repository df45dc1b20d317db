package review

import (
	"fmt"
	"math/rand/v2"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ibcmc/ibcmc/emit"
)

// apply applies a unified diff to old, checking each hunk's header against its lines, and returns the
// new text: a diff that applies is a correct one.
func apply(t *testing.T, old, diff string) string {
	t.Helper()
	header := regexp.MustCompile(`^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@$`)
	oldLines := splitLines(old)
	lines := strings.SplitAfter(diff, "\n")
	if len(lines) < 2 || !strings.HasPrefix(lines[0], "--- a/") || !strings.HasPrefix(lines[1], "+++ b/") {
		t.Fatalf("no file header:\n%s", diff)
	}
	var out []string
	next := 0 // the next old line not yet copied
	num := func(s string, dflt int) int {
		if s == "" {
			return dflt
		}
		n, _ := strconv.Atoi(s)
		return n
	}
	for i := 2; i < len(lines) && lines[i] != ""; {
		h := header.FindStringSubmatch(strings.TrimSuffix(lines[i], "\n"))
		if h == nil {
			t.Fatalf("line %d is not a hunk header: %q\n%s", i, lines[i], diff)
		}
		aStart, aCount, bCount := num(h[1], 0), num(h[2], 1), num(h[4], 1)
		if aCount > 0 {
			aStart-- // 1-based; an empty range names the line before
		}
		if aStart < next {
			t.Fatalf("hunks overlap or go backwards at %q", lines[i])
		}
		out = append(out, oldLines[next:aStart]...)
		next = aStart
		i++
		gotA, gotB := 0, 0
		for i < len(lines) && lines[i] != "" && !strings.HasPrefix(lines[i], "@@") {
			l := lines[i]
			i++
			if i < len(lines) && lines[i] == "\\ No newline at end of file\n" {
				l = strings.TrimSuffix(l, "\n")
				i++
			}
			switch l[0] {
			case ' ', '-':
				if next >= len(oldLines) || oldLines[next] != l[1:] {
					t.Fatalf("hunk line %q does not match old line %d", l, next)
				}
				if l[0] == ' ' {
					out = append(out, l[1:])
					gotB++
				}
				next++
				gotA++
			case '+':
				out = append(out, l[1:])
				gotB++
			default:
				t.Fatalf("bad diff line %q", l)
			}
		}
		if gotA != aCount || gotB != bCount {
			t.Fatalf("hunk %q has %d old and %d new lines", h[0], gotA, gotB)
		}
	}
	return strings.Join(append(out, oldLines[next:]...), "")
}

func TestUnifiedDiffIsPinned(t *testing.T) {
	old := "a\nb\nc\nd\ne\nf\ng\nh\ni\nj\nk\nl\nm\n"
	new := "a\nb\nc\nD\ne\nf\ng\nh\ni\nj\nk\nl\nm\nn"
	want := "--- a/x.txt\n+++ b/x.txt\n" +
		"@@ -1,7 +1,7 @@\n a\n b\n c\n-d\n+D\n e\n f\n g\n" +
		"@@ -11,3 +11,4 @@\n k\n l\n m\n+n\n\\ No newline at end of file\n"
	if got := unified("x.txt", old, new); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
	if got := unified("new.txt", "", "one\ntwo\n"); got != "--- a/new.txt\n+++ b/new.txt\n@@ -0,0 +1,2 @@\n+one\n+two\n" {
		t.Errorf("added file:\n%s", got)
	}
	if got := unified("crlf.txt", "a\r\nb\r\n", "a\r\nc\r\n"); got != "--- a/crlf.txt\n+++ b/crlf.txt\n@@ -1,2 +1,2 @@\n a\n-b\n+c\n" {
		t.Errorf("CRLF file:\n%s", got)
	}
}

// Random edits of random texts: every diff applies to the old text and gives the new one, and leaves
// out nothing but unchanged lines.
func TestUnifiedDiffApplies(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	words := []string{"a\n", "b\n", "c\n", "rule\n", "}\n", "\n", "x", "allow 443\n"}
	text := func(n int) string {
		var b strings.Builder
		for i := 0; i < n; i++ {
			if rng.IntN(3) == 0 {
				b.WriteString(words[rng.IntN(len(words))])
			} else {
				fmt.Fprintf(&b, "line %d\n", rng.IntN(n+1))
			}
		}
		return b.String()
	}
	for i := 0; i < 2000; i++ {
		old := text(rng.IntN(60))
		lines := splitLines(old)
		for e := rng.IntN(8); e > 0 && len(lines) > 0; e-- {
			k := rng.IntN(len(lines))
			switch rng.IntN(3) {
			case 0:
				lines = append(lines[:k], lines[k+1:]...)
			case 1:
				lines[k] = words[rng.IntN(len(words))]
			default:
				lines = append(lines[:k], append([]string{text(2)}, lines[k:]...)...)
			}
		}
		new := strings.Join(lines, "")
		if i%7 == 0 {
			new = text(rng.IntN(40)) // unrelated texts: many edits
		}
		if got := apply(t, old, unified("f", old, new)); got != new {
			t.Fatalf("diff of %q → %q applies to %q", old, new, got)
		}
	}
}

// A large artifact with a few scattered changes (a report of hundreds of thousands of lines, as at 5,000
// systems) diffs in linear time and memory; Myers alone needed gigabytes.
func TestUnifiedDiffOfALargeFile(t *testing.T) {
	var a, b strings.Builder
	for i := 0; i < 300000; i++ {
		line := fmt.Sprintf("| `cm%05d` | 10.%d.%d.%d | site BIG |\n", i, i/65536, (i/256)%256, i%256)
		a.WriteString(line)
		if i%1000 == 0 {
			line = strings.Replace(line, "BIG", "BIH", 1)
		}
		b.WriteString(line)
	}
	start := time.Now()
	d := unified("report.md", a.String(), b.String())
	if took := time.Since(start); took > 10*time.Second {
		t.Errorf("took %s", took)
	}
	if n := strings.Count(d, "\n+| `cm"); n != 300 {
		t.Errorf("%d lines added, want 300", n)
	}
	if got := apply(t, a.String(), d); got != b.String() {
		t.Error("the diff does not apply")
	}
	// Files of the same content are not diffed at all.
	same := []emit.File{{Path: "report.md", Content: []byte(a.String())}}
	if fc := Files(same, same); len(fc) != 0 {
		t.Errorf("identical trees: %v", fc)
	}
}

// Myers' algorithm finds a longest common subsequence (checked against dynamic programming), and past
// maxEdits a gap without anchors shows as replaced, still a correct diff.
func TestMyersIsMinimal(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for i := 0; i < 500; i++ {
		a, b := make([]int, rng.IntN(30)), make([]int, rng.IntN(30))
		for k := range a {
			a[k] = rng.IntN(4)
		}
		for k := range b {
			b[k] = rng.IntN(4)
		}
		lcs := make([][]int, len(a)+1)
		for x := range lcs {
			lcs[x] = make([]int, len(b)+1)
		}
		for x := len(a) - 1; x >= 0; x-- {
			for y := len(b) - 1; y >= 0; y-- {
				if a[x] == b[y] {
					lcs[x][y] = lcs[x+1][y+1] + 1
				} else {
					lcs[x][y] = max(lcs[x+1][y], lcs[x][y+1])
				}
			}
		}
		var m []match
		myers(a, b, 0, 0, &m)
		if len(m) != lcs[0][0] {
			t.Fatalf("%v %v: %d matches, longest common subsequence %d", a, b, len(m), lcs[0][0])
		}
		for k, x := range m {
			if a[x.a] != b[x.b] || (k > 0 && (x.a <= m[k-1].a || x.b <= m[k-1].b)) {
				t.Fatalf("%v %v: bad matches %v", a, b, m)
			}
		}
	}
	var a, b strings.Builder
	for i := 0; i < 4000; i++ {
		a.WriteString([]string{"a\n", "b\n"}[rng.IntN(2)])
		b.WriteString([]string{"a\n", "b\n"}[rng.IntN(2)])
	}
	if got := apply(t, a.String(), unified("f", a.String(), b.String())); got != b.String() {
		t.Error("the diff past maxEdits does not apply")
	}
}
