package outdir

import (
	"bufio"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// checkMounts refuses an output directory that is, or contains, a mount point: links fail across devices,
// and draining the previous tree would reach into the mounted file system. A directory on another device
// than its parent is one; /proc/self/mountinfo also finds bind mounts of the same device, and mounted files.
func checkMounts(dir, parent string) error {
	if d, err := os.Lstat(dir); err == nil {
		if p, err := os.Stat(parent); err == nil {
			dd, ok1 := devOf(d)
			pd, ok2 := devOf(p)
			if ok1 && ok2 && dd != pd {
				return mountError(dir, dir)
			}
		}
	}
	real, err := filepath.EvalSymlinks(dir)
	if err != nil {
		return err
	}
	f, err := os.Open("/proc/self/mountinfo")
	if err != nil {
		return nil // no /proc: scan still compares devices
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 64*1024), 1<<20)
	for sc.Scan() {
		// "36 35 98:0 /mnt1 /mnt/parent rw,noatime master:1 - ext3 /dev/root rw": the fifth field is the
		// mount point, with space, tab, newline and backslash octal-escaped.
		fields := strings.Fields(sc.Text())
		if len(fields) < 5 {
			continue
		}
		mp := unescapeMount(fields[4])
		switch {
		case mp == real:
			return mountError(dir, dir)
		case strings.HasPrefix(mp, real+"/"):
			return mountError(dir, filepath.Join(dir, strings.TrimPrefix(mp, real+"/")))
		}
	}
	return sc.Err()
}

func unescapeMount(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+4 <= len(s) {
			if n, err := strconv.ParseUint(s[i+1:i+4], 8, 8); err == nil {
				b.WriteByte(byte(n))
				i += 3
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}
