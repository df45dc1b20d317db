package bug_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/ibcmc/ibcmc/internal/bug"
)

func failDeep() (err error) {
	defer func() { err = bug.Recovered(recover()) }()
	var m map[string]int
	m["x"] = 1 // panics
	return nil
}

func TestRecoveredKeepsThePanickingFrame(t *testing.T) {
	err := failDeep()
	if err.Error() != "internal error: assignment to entry in nil map" {
		t.Errorf("message %q", err)
	}
	if stack := string(bug.StackOf(err)); !strings.Contains(stack, "bug_test.failDeep(") || !strings.Contains(stack, "panic(") {
		t.Errorf("the stack lacks the frame that panicked:\n%s", stack)
	}
}

func TestStackOfIsTheInnermost(t *testing.T) {
	inner := failDeep()
	outer := bug.Errorf("emitting: %w", fmt.Errorf("nginx: %w", inner))
	if !errors.Is(outer, inner) {
		t.Error("the internal error does not wrap its cause")
	}
	if got, want := string(bug.StackOf(outer)), string(bug.StackOf(inner)); got != want {
		t.Errorf("stack of the outer error:\n%s\nwant the inner one's:\n%s", got, want)
	}
	if bug.StackOf(errors.New("plain")) != nil || bug.StackOf(nil) != nil {
		t.Error("an error that is not internal has a stack")
	}
}

func TestWrapMarksOnce(t *testing.T) {
	plain := errors.New("nginx and haproxy both write proxy/x.conf")
	if got := bug.Wrap(plain); got.Error() != "internal error: "+plain.Error() || bug.StackOf(got) == nil || !errors.Is(got, plain) {
		t.Errorf("Wrap(plain) = %v, stack %v", got, bug.StackOf(got) != nil)
	}
	inner := fmt.Errorf("nginx: %w", failDeep())
	if got := bug.Wrap(inner); got != inner {
		t.Errorf("Wrap of an internal error = %v, want it unchanged (%v)", got, inner)
	}
}
