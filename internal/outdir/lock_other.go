//go:build !unix

package outdir

import "time"

// dirLock does nothing where flock(2) is missing: concurrent builds into one directory are not detected.
type dirLock struct{}

func lockDir(string, time.Duration, func(string)) (*dirLock, error) { return &dirLock{}, nil }

func (*dirLock) release() {}
