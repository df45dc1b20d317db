// Package bug marks ibcmc's own failures, as opposed to the design's or the user's: a recovered panic or a
// broken invariant. Such an error keeps the stack where the failure happened, which the command line
// prints under IBCMC_DEBUG=1 so that a bug report can say where it is; otherwise users read one line.
package bug

import (
	"errors"
	"fmt"
	"runtime/debug"
)

// Error is an internal error with the stack where it happened.
type Error struct {
	err   error
	Stack []byte
}

func (e *Error) Error() string { return e.err.Error() }

func (e *Error) Unwrap() error { return e.err }

// Recovered turns what recover returned into an internal error. Call it in the deferred function that
// recovers: the stack is taken there, and still holds the frames that panicked.
func Recovered(r any) *Error {
	return &Error{err: fmt.Errorf("internal error: %v", r), Stack: debug.Stack()}
}

// Errorf reports a broken invariant, with the stack of its caller. The message starts "internal error: ".
// Called in the deferred function that recovers, it keeps the frames that panicked, as Recovered does.
func Errorf(format string, args ...any) *Error {
	return &Error{err: fmt.Errorf("internal error: "+format, args...), Stack: debug.Stack()}
}

// Wrap marks err as internal: err itself when it already holds an internal error (which has the stack
// nearer to the failure), else an internal error with the caller's stack.
func Wrap(err error) error {
	if StackOf(err) != nil {
		return err
	}
	return Errorf("%w", err)
}

// StackOf returns the stack of the innermost internal error in err's chain (the nearest to the failure),
// or nil when there is none.
func StackOf(err error) []byte {
	var stack []byte
	for e := (*Error)(nil); errors.As(err, &e); err = e.err {
		stack = e.Stack
	}
	return stack
}
