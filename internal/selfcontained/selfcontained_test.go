package selfcontained

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"testing"
)

// internalRef matches a reference to material outside the repository: the internal spec and reference
// folders, seed documents (000_<16 hex digits>), fact sheets and their sections, and the internal copy of
// the design-language reference (docs/design-language.md is the repository's own and is allowed).
var internalRef = regexp.MustCompile(`\.\./shared|/work/shared|00[0-9]_[0-9a-f]{16}|facts §|configmgr-facts|microsoft-docs-audit|design-language\.md`)

// assertsAbsence are files that spell the forbidden references only to check that output does not contain
// them. Each is a test; nothing in it reaches users.
var assertsAbsence = map[string]bool{
	"internal/selfcontained/selfcontained_test.go": true,
	"rules/catalog_test.go":                        true, // checks rule texts for internal references
	"emit/proxy/proxy_test.go":                     true, // checks the proxy README for them
	"cmd/ibcmc/schemacmd_test.go":                  true, // checks `ibcmc schema` output for them
}

func repoRoot(t *testing.T) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("no go.mod above the test's directory")
		}
		dir = parent
	}
}

// repoFiles lists the repository's files: what git tracks plus new files it does not ignore (so a file is
// checked before it is committed), or, outside a git checkout, every file but .git.
func repoFiles(t *testing.T, root string) []string {
	t.Helper()
	cmd := exec.Command("git", "ls-files", "-z", "--cached", "--others", "--exclude-standard")
	cmd.Dir = root
	if out, err := cmd.Output(); err == nil {
		var files []string
		for _, f := range strings.Split(string(out), "\x00") {
			if f != "" {
				files = append(files, f)
			}
		}
		return files
	}
	var files []string
	err := filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && d.Name() == ".git" {
			return filepath.SkipDir
		}
		if d.Type().IsRegular() {
			rel, _ := filepath.Rel(root, p)
			files = append(files, filepath.ToSlash(rel))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

// allowed reports a match that is a link into the repository's own docs: "docs/design-language.md"
// anywhere, or a relative "design-language.md" from a page inside docs/.
func allowed(file, text string, loc []int) bool {
	m := text[loc[0]:loc[1]]
	if m != "design-language.md" {
		return false
	}
	before := text[:loc[0]]
	if strings.HasSuffix(before, "docs/") && !strings.HasSuffix(before, "spec/docs/") {
		return true
	}
	if strings.HasPrefix(file, "docs/") {
		return !strings.HasSuffix(before, "/") || strings.HasSuffix(before, " ./") || strings.HasSuffix(before, "(./")
	}
	return false
}

func hits(file string, data []byte) []string {
	text := string(data)
	var out []string
	for _, loc := range internalRef.FindAllStringIndex(text, -1) {
		if allowed(file, text, loc) {
			continue
		}
		line := 1 + strings.Count(text[:loc[0]], "\n")
		start := max(0, loc[0]-40)
		end := min(len(text), loc[1]+40)
		out = append(out, file+":"+strconv.Itoa(line)+": "+strings.ReplaceAll(text[start:end], "\n", " "))
	}
	return out
}

func TestRepositoryPointsNowhereOutside(t *testing.T) {
	root := repoRoot(t)
	var found []string
	n := 0
	for _, f := range repoFiles(t, root) {
		if assertsAbsence[f] {
			continue
		}
		data, err := os.ReadFile(filepath.Join(root, f))
		if err != nil {
			if os.IsNotExist(err) {
				continue // deleted in the work tree but still in the index
			}
			t.Fatal(err)
		}
		if bytes.IndexByte(data[:min(len(data), 8000)], 0) >= 0 {
			continue // binary
		}
		n++
		found = append(found, hits(f, data)...)
	}
	if n < 50 {
		t.Fatalf("only %d text files found under %s: the file listing is broken", n, root)
	}
	for _, h := range found {
		t.Errorf("reference to material outside the repository: %s", h)
	}
}

// printable returns the runs of at least 6 printable ASCII bytes in a binary, as `strings` does.
func printable(data []byte) string {
	var b strings.Builder
	run := 0
	start := 0
	for i, c := range data {
		if c >= 0x20 && c < 0x7f {
			if run == 0 {
				start = i
			}
			run++
			continue
		}
		if run >= 6 {
			b.Write(data[start:i])
			b.WriteByte('\n')
		}
		run = 0
	}
	if run >= 6 {
		b.Write(data[start:])
	}
	return b.String()
}

func TestBinaryPointsNowhereOutside(t *testing.T) {
	root := repoRoot(t)
	goCmd := filepath.Join(runtime.GOROOT(), "bin", "go")
	if _, err := os.Stat(goCmd); err != nil {
		goCmd = "go"
	}
	bin := filepath.Join(t.TempDir(), "ibcmc")
	// A plain build shares the build cache with the other tests. The binary then holds the source paths of
	// this machine, which cannot contain "../shared", and hold "/work/shared" only in a checkout there.
	cmd := exec.Command(goCmd, "build", "-o", bin, "./cmd/ibcmc")
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	data, err := os.ReadFile(bin)
	if err != nil {
		t.Fatal(err)
	}
	strs := printable(data)
	if !strings.Contains(strs, "learn.microsoft.com/mem/configmgr/") {
		t.Fatal("the binary's strings do not include the rule sources: the extraction is broken")
	}
	for _, h := range hits("ibcmc binary", []byte(strs)) {
		t.Errorf("reference to material outside the repository: %s", h)
	}
}
