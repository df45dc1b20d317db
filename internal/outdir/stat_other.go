//go:build !unix

package outdir

import "io/fs"

func devOf(fs.FileInfo) (uint64, bool) { return 0, false }

func ownerOf(fs.FileInfo) (uid, gid int, ok bool) { return 0, 0, false }
