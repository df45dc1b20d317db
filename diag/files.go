package diag

import (
	"path/filepath"
	"strings"
)

// FileNames names design files relative to a root directory, the repository root, for the outputs GitHub
// reads: it resolves file names in annotations and SARIF against the root of the checkout, not the
// directory ibcmc ran in.
type FileNames struct {
	Root string // absolute; empty keeps names as the positions spell them
	Cwd  string // absolute; what relative names in positions are relative to
}

// Relative returns name (a position's file, relative to Cwd or absolute) relative to Root, with forward
// slashes, and whether it lies below Root; a file outside Root gets its absolute name.
func (f *FileNames) Relative(name string) (string, bool) {
	if f == nil || f.Root == "" {
		return filepath.ToSlash(name), !filepath.IsAbs(name)
	}
	abs := name
	if !filepath.IsAbs(abs) {
		abs = filepath.Join(f.Cwd, name)
	}
	rel, err := filepath.Rel(f.Root, abs)
	if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) || filepath.IsAbs(rel) {
		return filepath.ToSlash(filepath.Clean(abs)), false
	}
	return filepath.ToSlash(rel), true
}
