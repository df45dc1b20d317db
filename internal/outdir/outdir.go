// Package outdir writes a build's files into the output directory as one atomic step: the new tree is
// assembled in a temporary sibling directory and swapped into place, so a failed or killed build leaves the
// previous tree whole. A manifest records what ibcmc wrote; files it did not write are carried over, never
// deleted.
package outdir

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/ibcmc/ibcmc/emit"
)

// ManifestName is the file inside the output directory that lists what ibcmc wrote.
const ManifestName = ".ibcmc-manifest"

const manifestHeader = "# Files written by ibcmc build. ibcmc replaces these on the next build and leaves every other file alone.\n"

// ErrForeign is returned when the directory holds files ibcmc did not write and the build was not forced.
var ErrForeign = errors.New("output directory is not empty and has no ibcmc manifest")

// Test seams: afterWrite runs after each file of the new tree is written, beforeSwap once the new tree is
// complete and before it replaces the old one. Tests kill the process there.
var (
	afterWrite = func(n int) {}
	beforeSwap = func(tmp string) {}
)

const tmpPattern = ".ibcmc-*"

// ReadManifest returns the paths a previous build wrote into dir, and whether dir has a manifest.
func ReadManifest(dir string) (map[string]bool, bool, error) {
	data, err := os.ReadFile(filepath.Join(dir, ManifestName))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	out := map[string]bool{}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		out[line] = true
	}
	return out, true, sc.Err()
}

// Write replaces ibcmc's files in dir with files. Files a previous build did not write stay in place;
// with force, a non-empty directory without a manifest is accepted and a foreign file at a path ibcmc
// now writes is replaced.
func Write(dir string, files []emit.File, force bool) error {
	for _, f := range files {
		if err := emit.CheckPath(f.Path); err != nil {
			return err
		}
	}
	dir = filepath.Clean(dir)
	old, hasManifest, err := ReadManifest(dir)
	if err != nil {
		return err
	}
	existing, err := listFiles(dir)
	if err != nil {
		return err
	}
	if len(existing) > 0 && !hasManifest && !force {
		return fmt.Errorf("%s: %w; use --force to build into it anyway (its files are kept)", dir, ErrForeign)
	}
	newPaths := map[string]bool{}
	for _, f := range files {
		newPaths[f.Path] = true
	}
	var foreign []string
	for _, rel := range existing {
		if rel == ManifestName || old[rel] {
			continue
		}
		if newPaths[rel] && !force {
			return fmt.Errorf("%s: %s was not written by ibcmc and would be overwritten; move it away or use --force", dir, rel)
		}
		if !newPaths[rel] {
			foreign = append(foreign, rel)
		}
	}

	parent := filepath.Dir(dir)
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return err
	}
	removeAbandoned(parent, filepath.Base(dir))
	tmp, err := os.MkdirTemp(parent, "."+filepath.Base(dir)+tmpPattern)
	if err != nil {
		return err
	}
	ok := false
	defer func() {
		if !ok {
			os.RemoveAll(tmp)
		}
	}()
	if err := os.Chmod(tmp, 0o755); err != nil {
		return err
	}
	if err := writeAll(tmp, files); err != nil {
		return err
	}
	for _, rel := range foreign {
		// Hard links carry the user's files over without copying; a copy is the fallback across devices.
		src, dst := filepath.Join(dir, filepath.FromSlash(rel)), filepath.Join(tmp, filepath.FromSlash(rel))
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			return err
		}
		if err := os.Link(src, dst); err != nil {
			data, rerr := os.ReadFile(src)
			if rerr != nil {
				return rerr
			}
			if err := writeFile(dst, data, 0o644); err != nil {
				return err
			}
		}
	}
	var m strings.Builder
	m.WriteString(manifestHeader)
	paths := make([]string, 0, len(files))
	for _, f := range files {
		paths = append(paths, f.Path)
	}
	slices.Sort(paths)
	for _, p := range paths {
		m.WriteString(p + "\n")
	}
	if err := writeFile(filepath.Join(tmp, ManifestName), []byte(m.String()), 0o644); err != nil {
		return err
	}
	if err := syncTree(tmp); err != nil {
		return err
	}
	beforeSwap(tmp)
	if err := swap(tmp, dir); err != nil {
		return err
	}
	ok = true
	return nil
}

// writeAll writes the files into the new tree. Directories are made once up front; the files are then
// written by a few workers, since a large design writes tens of thousands of small files and each create
// is a system call that waits on the file system.
func writeAll(tmp string, files []emit.File) error {
	dirs := map[string]bool{}
	for _, f := range files {
		dirs[filepath.Dir(filepath.Join(tmp, filepath.FromSlash(f.Path)))] = true
	}
	for d := range dirs {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return err
		}
	}
	var (
		next    atomic.Int64
		written atomic.Int64
		wg      sync.WaitGroup
		errMu   sync.Mutex
		first   error
	)
	workers := min(runtime.GOMAXPROCS(0)*2, 8, max(len(files), 1))
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= len(files) {
					return
				}
				f := files[i]
				mode := os.FileMode(0o644)
				if f.Private {
					mode = 0o600
				}
				if err := createFile(filepath.Join(tmp, filepath.FromSlash(f.Path)), f.Content, mode); err != nil {
					errMu.Lock()
					if first == nil {
						first = err
					}
					errMu.Unlock()
					return
				}
				afterWrite(int(written.Add(1)))
			}
		}()
	}
	wg.Wait()
	return first
}

// removeAbandoned deletes temporary trees a killed build left beside the output directory; their names are
// ibcmc's own (".<out>.ibcmc-<random>"), so nothing else matches.
func removeAbandoned(parent, base string) {
	matches, _ := filepath.Glob(filepath.Join(parent, "."+base+tmpPattern))
	for _, m := range matches {
		os.RemoveAll(m)
	}
}

// Diff compares dir with the files a build would write and returns the stale paths: changed, missing, and
// written by the previous build but no longer produced.
func Diff(dir string, files []emit.File) ([]string, error) {
	old, _, err := ReadManifest(dir)
	if err != nil {
		return nil, err
	}
	var stale []string
	want := map[string]bool{}
	for _, f := range files {
		want[f.Path] = true
		got, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(f.Path)))
		switch {
		case errors.Is(err, fs.ErrNotExist):
			stale = append(stale, "missing: "+f.Path)
		case err != nil:
			return nil, err
		case !bytes.Equal(got, f.Content):
			stale = append(stale, "changed: "+f.Path)
		}
	}
	for p := range old {
		if !want[p] {
			stale = append(stale, "no longer produced: "+p)
		}
	}
	slices.Sort(stale)
	return stale, nil
}

func writeFile(path string, data []byte, mode os.FileMode) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return createFile(path, data, mode)
}

// createFile writes a new file in an existing directory.
func createFile(path string, data []byte, mode os.FileMode) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, mode)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// listFiles returns the regular files below dir, relative, with forward slashes.
func listFiles(dir string) ([]string, error) {
	var out []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) && p == dir {
				return fs.SkipAll
			}
			return err
		}
		if d.IsDir() {
			return nil
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil {
			return err
		}
		out = append(out, filepath.ToSlash(rel))
		return nil
	})
	return out, err
}
