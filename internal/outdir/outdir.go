// Package outdir writes a build's files into the output directory as one atomic step: the new tree is
// assembled in a temporary sibling directory and swapped into place, so a failed or killed build leaves the
// previous tree whole. A manifest records what ibcmc wrote; files it did not write are carried over, never
// deleted.
//
// The output directory is treated as a transaction held by one build at a time (an advisory lock beside
// it). Files the user owns are carried into the new tree by hard link (files in directories ibcmc also
// writes) or by moving their whole directory (directories that hold only the user's files, which keeps the
// directory itself: its mode, owner and identity). After the swap the previous tree is drained rather than
// deleted: only ibcmc's own files and the second links of carried files are removed, and anything that
// appeared during the build is moved across, so nothing another process wrote meanwhile is lost.
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
	"time"

	"github.com/ibcmc/ibcmc/emit"
)

// ManifestName is the file inside the output directory that lists what ibcmc wrote.
const ManifestName = ".ibcmc-manifest"

const manifestHeader = "# Files written by ibcmc build. ibcmc replaces these on the next build and leaves every other file alone.\n"

// ErrForeign is returned when the directory holds files ibcmc did not write and the build was not forced.
var ErrForeign = errors.New("output directory is not empty and has no ibcmc manifest")

// ErrBusy is returned when another build holds the output directory for longer than Options.LockWait.
var ErrBusy = errors.New("another ibcmc build holds the output directory")

// ErrMount is returned when the output directory is, or contains, a mount point.
var ErrMount = errors.New("mount point in the output directory")

// Test seams: afterWrite runs after each file of the new tree is written, beforeSwap once the new tree is
// complete and before it replaces the old one, afterSwap once it has (the previous tree is at prev, not yet
// drained). Tests kill the process or write into the directory there.
var (
	afterWrite = func(n int) {}
	beforeSwap = func(tmp string) {}
	afterSwap  = func(prev string) {}
)

const tmpPattern = ".ibcmc-*"

// Options tune Write.
type Options struct {
	// Force accepts a non-empty directory without a manifest and replaces a foreign file at a path ibcmc
	// now writes.
	Force bool
	// LockWait bounds how long to wait for another build that holds the directory: 0 fails at once,
	// a negative value waits as long as it takes.
	LockWait time.Duration
	// Notify receives messages the user should see while the build goes on (waiting for another build,
	// files recovered from an interrupted one). Nil discards them.
	Notify func(msg string)
}

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

// Resolve returns the directory a build writes into for dir: its absolute path, with a final symbolic link
// resolved (the swap renames the directory, which would replace the link itself), and whether it was one.
func Resolve(dir string) (string, bool, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", false, err
	}
	st, err := os.Lstat(abs)
	if err != nil || st.Mode()&fs.ModeSymlink == 0 {
		return abs, false, nil
	}
	real, err := filepath.EvalSymlinks(abs)
	if err != nil {
		target, _ := os.Readlink(abs)
		return "", true, fmt.Errorf("%s is a symbolic link to %s, which does not lead to a directory: %w", dir, target, err)
	}
	if st, err := os.Stat(real); err != nil || !st.IsDir() {
		return "", true, fmt.Errorf("%s is a symbolic link to %s, which is not a directory", dir, real)
	}
	return real, true, nil
}

// LockPath is the advisory lock file a build of dir holds, beside dir; it exists only while a build runs.
func LockPath(dir string) string {
	dir = filepath.Clean(dir)
	return filepath.Join(filepath.Dir(dir), "."+filepath.Base(dir)+".ibcmc-lock")
}

// Write replaces ibcmc's files in dir with files. Files a previous build did not write stay in place;
// with force, a non-empty directory without a manifest is accepted and a foreign file at a path ibcmc
// now writes is replaced. It waits for another build that holds dir.
func Write(dir string, files []emit.File, force bool) error {
	return WriteWith(dir, files, Options{Force: force, LockWait: -1})
}

// WriteWith is Write with options.
func WriteWith(dir string, files []emit.File, o Options) error {
	for _, f := range files {
		if err := emit.CheckPath(f.Path); err != nil {
			return err
		}
	}
	notify := o.Notify
	if notify == nil {
		notify = func(string) {}
	}
	dir, _, err := Resolve(dir)
	if err != nil {
		return err
	}
	parent, base := filepath.Dir(dir), filepath.Base(dir)
	if parent == dir {
		return fmt.Errorf("%s: cannot build into the root directory; name a directory for the output", dir)
	}
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return err
	}
	lk, err := lockDir(dir, o.LockWait, notify)
	if err != nil {
		return err
	}
	b := register(lk)
	defer b.finish()

	if st, err := os.Lstat(dir); err == nil {
		if !st.IsDir() {
			return fmt.Errorf("%s exists and is not a directory", dir)
		}
		if err := checkMounts(dir, parent); err != nil {
			return err
		}
	}
	recoverAbandoned(parent, base, dir, notify)

	old, hasManifest, err := ReadManifest(dir)
	if err != nil {
		return err
	}
	sc, err := scan(dir)
	if err != nil {
		return err
	}
	p, err := plan(dir, sc, old, hasManifest, files, o.Force)
	if err != nil {
		return err
	}

	tmp, err := b.makeTemp(parent, "."+base+tmpPattern)
	if err != nil {
		return err
	}
	if err := os.Chmod(tmp, 0o755); err != nil {
		return err
	}
	// The manifest goes first: a tree abandoned by a killed build then names its own files, so the next
	// build can tell them from the user's files it must keep (recoverAbandoned).
	if err := createFile(filepath.Join(tmp, ManifestName), manifest(files), 0o644); err != nil {
		return err
	}
	if err := writeAll(tmp, files); err != nil {
		return err
	}
	if err := p.carry(dir, tmp); err != nil {
		return err
	}
	if err := p.applyDirModes(tmp); err != nil {
		return err
	}
	if err := syncTree(tmp); err != nil {
		return err
	}
	beforeSwap(tmp)

	if !b.beginSwap() {
		return errInterrupted
	}
	defer b.endSwap()
	// The user's own directories move last, so they are missing from dir for the moment of a few renames.
	moved := p.moveUserDirs(dir, tmp)
	prev, err := swap(tmp, dir)
	if err != nil {
		if !moveBack(tmp, dir, moved) {
			b.keepTemp()
			return fmt.Errorf("%w; directories of yours moved for the swap are kept in %s", err, keep(tmp, parent, base))
		}
		return err
	}
	b.swappedIn()
	if prev == "" {
		return nil
	}
	afterSwap(prev)
	d := &drainer{dst: dir, owned: old, newPaths: p.newPaths, carried: p.carried, replaced: p.replaced}
	return d.finish(prev, parent, base)
}

var errInterrupted = errors.New("interrupted")

func manifest(files []emit.File) []byte {
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
	return []byte(m.String())
}

// scanned is the output directory as found: every entry below it by relative path ("." is dir itself),
// from lstat, so a symbolic link is an entry and never followed.
type scanned map[string]fs.FileInfo

// scan lists dir; it refuses a directory on another device than dir (a mount point; see checkMounts).
func scan(dir string) (scanned, error) {
	out := scanned{}
	var rootDev uint64
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) && p == dir {
				return fs.SkipAll
			}
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil {
			return err
		}
		rel = filepath.ToSlash(rel)
		if d.IsDir() {
			dev, ok := devOf(info)
			if rel == "." {
				rootDev = dev
			} else if ok && dev != rootDev {
				return mountError(dir, p)
			}
		}
		out[rel] = info
		return nil
	})
	return out, err
}

func mountError(dir, at string) error {
	if at == dir {
		return fmt.Errorf("%s is a mount point: a build replaces the output directory by renaming a new tree into its place, which a mount point does not allow; build into a directory inside it (%w)", dir, ErrMount)
	}
	return fmt.Errorf("%s contains a mount point, %s: a build moves and removes files in the output directory and never crosses into another file system; unmount it or build into another directory (%w)", dir, at, ErrMount)
}

// buildPlan is what a build does with the directory's existing entries.
type buildPlan struct {
	newPaths map[string]bool
	// link: the user's files (and symbolic links, FIFOs...) carried into the new tree by hard link, as
	// scanned.
	link map[string]fs.FileInfo
	// moveDirs: directories holding only the user's entries, moved whole into the new tree just before the
	// swap, so they keep their mode, owner and identity (a shell's working directory inside stays valid).
	moveDirs []string
	// dirs: directories of the new tree that existed before, whose mode and owner the new tree keeps.
	dirs map[string]fs.FileInfo
	// carried and replaced identify, after the swap, the previous tree's second links of carried files and
	// the foreign files --force replaced.
	carried, replaced map[string]fs.FileInfo
	root              fs.FileInfo
}

func plan(dir string, sc scanned, old map[string]bool, hasManifest bool, files []emit.File, force bool) (*buildPlan, error) {
	p := &buildPlan{newPaths: map[string]bool{}, link: map[string]fs.FileInfo{}, dirs: map[string]fs.FileInfo{}, carried: map[string]fs.FileInfo{}, replaced: map[string]fs.FileInfo{}, root: sc["."]}
	for _, f := range files {
		p.newPaths[f.Path] = true
	}
	nonDirs := 0
	for rel, info := range sc {
		if !info.IsDir() && rel != ManifestName {
			nonDirs++
		}
	}
	if nonDirs > 0 && !hasManifest && !force {
		return nil, fmt.Errorf("%s: %w; use --force to build into it anyway (its files are kept)", dir, ErrForeign)
	}
	// busy: directories ibcmc writes into, now or before. The others hold only the user's entries.
	busy := map[string]bool{".": true}
	for _, m := range []map[string]bool{old, p.newPaths} {
		for path := range m {
			for d := parentOf(path); d != "."; d = parentOf(d) {
				busy[d] = true
			}
		}
	}
	for path := range p.newPaths {
		for d := parentOf(path); d != "."; d = parentOf(d) {
			if info, ok := sc[d]; ok && !info.IsDir() && !old[d] {
				return nil, fmt.Errorf("%s: %s was not written by ibcmc, and the build needs a directory there; move it away", dir, d)
			}
		}
		if info, ok := sc[path]; ok && info.IsDir() {
			return nil, fmt.Errorf("%s: %s is a directory, and the build writes a file there; move it away", dir, path)
		}
	}
	needed := map[string]bool{".": true}
	need := func(d string) {
		for ; d != "."; d = parentOf(d) {
			needed[d] = true
		}
	}
	for path := range p.newPaths {
		need(parentOf(path))
	}
	for rel, info := range sc {
		if rel == "." || rel == ManifestName {
			continue
		}
		par := parentOf(rel)
		if !busy[par] {
			continue // inside a directory that moves whole
		}
		if info.IsDir() {
			if !busy[rel] {
				p.moveDirs = append(p.moveDirs, rel)
				need(par)
			}
			continue
		}
		if old[rel] {
			continue // ibcmc's own previous output
		}
		if p.newPaths[rel] {
			if !force {
				return nil, fmt.Errorf("%s: %s was not written by ibcmc and would be overwritten; move it away or use --force", dir, rel)
			}
			p.replaced[rel] = info
			continue
		}
		p.link[rel] = info
		need(par)
	}
	for d := range needed {
		if info, ok := sc[d]; ok && info.IsDir() {
			p.dirs[d] = info
		}
	}
	return p, nil
}

func parentOf(rel string) string {
	if i := strings.LastIndexByte(rel, '/'); i >= 0 {
		return rel[:i]
	}
	return "."
}

// carry hard-links the user's files into the new tree and makes the directories the moved ones go into.
// A file that cannot be linked is left where it is: draining the previous tree moves it across after the
// swap, which keeps its mode and owner (a copy would not).
func (p *buildPlan) carry(dir, tmp string) error {
	for d := range p.dirs {
		if err := os.MkdirAll(filepath.Join(tmp, filepath.FromSlash(d)), 0o755); err != nil {
			return err
		}
	}
	for rel, info := range p.link {
		if interrupted.Load() {
			return errInterrupted
		}
		src, dst := filepath.Join(dir, filepath.FromSlash(rel)), filepath.Join(tmp, filepath.FromSlash(rel))
		if err := os.Link(src, dst); err == nil {
			p.carried[rel] = info
		}
	}
	return nil
}

// moveUserDirs moves the directories that hold only the user's entries into the new tree and returns
// those it moved. One that cannot be moved stays: draining the previous tree carries it after the swap.
func (p *buildPlan) moveUserDirs(dir, tmp string) []string {
	var moved []string
	for _, rel := range p.moveDirs {
		if renameNoReplace(filepath.Join(dir, filepath.FromSlash(rel)), filepath.Join(tmp, filepath.FromSlash(rel))) == nil {
			moved = append(moved, rel)
		}
	}
	return moved
}

// moveBack returns the user's directories to dir when the swap failed; false if one could not be.
func moveBack(tmp, dir string, moved []string) bool {
	ok := true
	for _, rel := range moved {
		if renameNoReplace(filepath.Join(tmp, filepath.FromSlash(rel)), filepath.Join(dir, filepath.FromSlash(rel))) != nil {
			ok = false
		}
	}
	return ok
}

// applyDirModes gives the new tree's directories the mode and owner their predecessors had (a 0700
// directory stays 0700). Deepest first, so a directory that denies its owner search is restricted last.
func (p *buildPlan) applyDirModes(tmp string) error {
	dirs := make([]string, 0, len(p.dirs))
	for d := range p.dirs {
		dirs = append(dirs, d)
	}
	slices.SortFunc(dirs, func(a, b string) int { return strings.Count(b, "/") - strings.Count(a, "/") })
	for _, d := range dirs {
		if d == "." {
			continue
		}
		if err := copyDirMeta(filepath.Join(tmp, filepath.FromSlash(d)), p.dirs[d]); err != nil {
			return err
		}
	}
	if p.root != nil {
		return copyDirMeta(tmp, p.root)
	}
	return nil
}

func copyDirMeta(path string, like fs.FileInfo) error {
	if uid, gid, ok := ownerOf(like); ok {
		// Only root can give a directory away; for anyone else the new tree is theirs already.
		_ = os.Lchown(path, uid, gid)
	}
	return os.Chmod(path, like.Mode()&(fs.ModePerm|fs.ModeSetgid|fs.ModeSetuid|fs.ModeSticky))
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
				err := errInterrupted
				if !interrupted.Load() { // a signal is removing the tree: stop adding to it
					f := files[i]
					mode := os.FileMode(0o644)
					if f.Executable {
						mode = 0o755
					}
					if f.Private {
						mode &= 0o700
					}
					err = createFile(filepath.Join(tmp, filepath.FromSlash(f.Path)), f.Content, mode)
				}
				if err != nil {
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
