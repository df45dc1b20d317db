//go:build !linux

package netlab

import (
	"errors"
	"time"
)

// The lab needs Linux network namespaces; elsewhere the API exists (so callers build) but reports that it
// cannot run.

var errUnsupported = errors.New("netlab: needs Linux network namespaces")

// Lab is a running lab (never, on this platform).
type Lab struct{}

// Start fails: the lab needs Linux.
func Start(spec Spec) (*Lab, error) { return nil, errUnsupported }

// Load fails: the lab needs Linux.
func (l *Lab) Load(content []byte) error { return errUnsupported }

// Nft fails: the lab needs Linux.
func (l *Lab) Nft(args ...string) (string, error) { return "", errUnsupported }

// Probe fails: the lab needs Linux.
func (l *Lab) Probe(probes []Probe, timeout time.Duration) ([]Result, error) {
	return nil, errUnsupported
}

// Close does nothing.
func (l *Lab) Close() error { return nil }

// Available reports that the lab cannot run here.
func Available() (ok bool, reason string) { return false, errUnsupported.Error() }

// RunHelper returns at once: no lab, no helpers.
func RunHelper() {}
