package outdir

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
)

// drainer empties a tree that is no longer the output directory (the previous tree after a swap, or one a
// killed build abandoned) into dst, the live output directory. It removes ibcmc's own files and second
// links of files dst already has, moves across what dst lacks (files and whole directories written while
// the build ran, directories holding only the user's files), and leaves in place anything it cannot place
// without overwriting: nothing the user owns is ever deleted.
type drainer struct {
	dst string
	// owned are the paths the drained tree's manifest names: ibcmc's files, replaced by the new tree.
	owned map[string]bool
	// newPaths are the paths of the new tree's ibcmc files.
	newPaths map[string]bool
	// carried: the user's files the new tree holds a hard link to, as scanned; replaced: the user's files
	// --force replaced.
	carried, replaced map[string]fs.FileInfo

	ownedDirs map[string]bool
	rootDev   uint64
	moved     int
	conflicts []string
}

// finish drains prev after a swap. What cannot be carried stays in a visible sibling and fails the build.
func (d *drainer) finish(prev, parent, base string) error {
	if err := d.run(prev); err != nil {
		return err
	}
	if len(d.conflicts) == 0 {
		return nil
	}
	kept := keep(prev, parent, base)
	return fmt.Errorf("%s: the new tree is in place, but these entries of the previous tree could not be carried into it and are kept in %s: %s",
		d.dst, kept, strings.Join(d.conflicts, "; "))
}

// run drains prev and removes it when empty.
func (d *drainer) run(prev string) error {
	owned := map[string]bool{ManifestName: true}
	for p := range d.owned {
		owned[p] = true
	}
	d.owned = owned
	d.ownedDirs = map[string]bool{}
	for p := range d.owned {
		for dir := parentOf(p); dir != "."; dir = parentOf(dir) {
			d.ownedDirs[dir] = true
		}
	}
	st, err := os.Lstat(prev)
	if err != nil {
		return err
	}
	d.rootDev, _ = devOf(st)
	// A process that resolved a path into the previous tree just before the swap can still create a file
	// there while it is drained; another pass carries that too.
	for pass := 0; pass < 3 && len(d.conflicts) == 0; pass++ {
		d.drain(prev, ".")
		if err := os.Remove(prev); err == nil || errors.Is(err, fs.ErrNotExist) {
			return nil
		}
	}
	if len(d.conflicts) == 0 {
		d.conflicts = append(d.conflicts, "entries kept appearing while the previous tree was emptied")
	}
	return nil
}

func (d *drainer) conflict(rel, why string) {
	d.conflicts = append(d.conflicts, rel+" ("+why+")")
}

func (d *drainer) drain(prev, rel string) {
	dirPath := filepath.Join(prev, filepath.FromSlash(rel))
	if st, err := os.Lstat(dirPath); err == nil && st.Mode().Perm()&0o700 != 0o700 {
		// A directory the user made read-only still has ibcmc's files to give up; it is no longer the
		// output directory, so open it for the owner while draining and restore it if it stays.
		if os.Chmod(dirPath, st.Mode()|0o700) == nil {
			defer os.Chmod(dirPath, st.Mode())
		}
	}
	entries, err := os.ReadDir(dirPath)
	if err != nil {
		d.conflict(rel, err.Error())
		return
	}
	for _, e := range entries {
		r := path.Join(rel, e.Name())
		src, dst := filepath.Join(prev, filepath.FromSlash(r)), filepath.Join(d.dst, filepath.FromSlash(r))
		si, err := os.Lstat(src)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			d.conflict(r, err.Error())
			continue
		}
		di, err := os.Lstat(dst)
		exists := err == nil
		if err != nil && !errors.Is(err, fs.ErrNotExist) && !errors.Is(err, fs.ErrPermission) {
			// ENOTDIR: a file of the new tree sits where this path's parent directory would be.
			d.conflict(r, "the new tree has a file in its way")
			continue
		}
		if si.IsDir() {
			if dev, ok := devOf(si); ok && dev != d.rootDev {
				d.conflict(r, "a mount point; not entered")
				continue
			}
			switch {
			case !exists && !d.ownedDirs[r]:
				d.move(prev, r, false)
			case !exists || di.IsDir():
				d.drain(prev, r)
				os.Remove(src) // fails, as it should, when something stayed
			default:
				d.conflict(r, "the new tree has a file there")
			}
			continue
		}
		switch {
		case d.owned[r]:
			d.remove(src, r)
		case exists && os.SameFile(si, di):
			d.remove(src, r) // the new tree's link to the same file
		case d.replaced[r] != nil && os.SameFile(si, d.replaced[r]):
			d.remove(src, r) // --force replaced it
		case !exists:
			d.move(prev, r, false)
		case !d.newPaths[r] && d.carried[r] != nil && os.SameFile(di, d.carried[r]):
			// The user replaced the file (an editor's write and rename) after the new tree linked the old
			// version; theirs is the newer.
			d.move(prev, r, true)
		default:
			d.conflict(r, "written while the build ran, at a path the new tree also has")
		}
	}
}

func (d *drainer) remove(src, rel string) {
	if err := os.Remove(src); err != nil && !errors.Is(err, fs.ErrNotExist) {
		d.conflict(rel, err.Error())
	}
}

// move renames prev/rel to dst/rel, making missing parent directories like their counterparts in prev.
// It never replaces an entry of dst unless replace is set.
func (d *drainer) move(prev, rel string, replace bool) {
	var missing []string
	for dir := parentOf(rel); ; dir = parentOf(dir) {
		p := d.dst
		if dir != "." {
			p = filepath.Join(d.dst, filepath.FromSlash(dir))
		}
		if _, err := os.Lstat(p); err == nil {
			break
		}
		missing = append(missing, dir)
		if dir == "." {
			break
		}
	}
	for i := len(missing) - 1; i >= 0; i-- {
		dir := missing[i]
		src, dst := prev, d.dst
		if dir != "." {
			src, dst = filepath.Join(prev, filepath.FromSlash(dir)), filepath.Join(d.dst, filepath.FromSlash(dir))
		}
		mode := fs.FileMode(0o755)
		st, err := os.Lstat(src)
		if err == nil {
			mode = st.Mode()
		}
		if err := os.Mkdir(dst, 0o700); err != nil && !errors.Is(err, fs.ErrExist) {
			d.conflict(rel, err.Error())
			return
		}
		if st != nil {
			copyDirMeta(dst, st)
		} else {
			os.Chmod(dst, mode)
		}
	}
	src, dst := filepath.Join(prev, filepath.FromSlash(rel)), filepath.Join(d.dst, filepath.FromSlash(rel))
	var err error
	if replace {
		err = os.Rename(src, dst)
	} else {
		err = renameNoReplace(src, dst)
	}
	if err != nil {
		d.conflict(rel, err.Error())
		return
	}
	d.moved++
}

// keep renames a tree that could not be drained to a visible sibling that no build removes, and returns
// where it is (or its old path, if even that failed: the next build then tries again).
func keep(prev, parent, base string) string {
	name, err := os.MkdirTemp(parent, base+".ibcmc-kept-*")
	if err != nil {
		return prev
	}
	os.Remove(name)
	if err := os.Rename(prev, name); err != nil {
		return prev
	}
	return name
}

// recoverAbandoned drains temporary trees that a killed build left beside the output directory (named
// ".<out>.ibcmc-<random>", ibcmc's own). The caller holds the directory's lock, so no live build owns
// them. Such a tree is either an unfinished new tree (its manifest names its files, the rest are links
// to files dir still has) or the previous tree of a build killed after its swap, which may hold the user's
// files that were still to be carried across: those go back into dir.
func recoverAbandoned(parent, base, dir string, notify func(string)) {
	matches, _ := filepath.Glob(filepath.Join(parent, "."+base+tmpPattern))
	for _, m := range matches {
		if st, err := os.Lstat(m); err != nil || !st.IsDir() {
			continue // the lock file
		}
		owned, _, _ := ReadManifest(m)
		d := &drainer{dst: dir, owned: owned}
		if err := d.run(m); err != nil {
			continue
		}
		if d.moved > 0 {
			notify(fmt.Sprintf("returned %d entr(ies) to %s that an interrupted build had not carried into its new tree", d.moved, dir))
		}
		if len(d.conflicts) > 0 {
			notify(fmt.Sprintf("an interrupted build left entries that could not be returned to %s; they are kept in %s: %s",
				dir, keep(m, parent, base), strings.Join(d.conflicts, "; ")))
		}
	}
}
