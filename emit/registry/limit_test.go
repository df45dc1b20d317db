package registry

import (
	"strings"
	"testing"

	"github.com/ibcmc/ibcmc/emit"
	"github.com/ibcmc/ibcmc/internal/testdesign"
)

// A design whose artifacts would exceed the output bound is refused with the size, before anything is written.
func TestOutputIsBounded(t *testing.T) {
	p := testdesign.ExamplePlan(t, "../..", "fabrikam-perimeter")
	files, err := EmitAll(p, emit.Options{ToolVersion: "test"})
	if err != nil {
		t.Fatal(err)
	}
	total := 0
	for _, f := range files {
		total += len(f.Content)
	}
	defer func(old int) { maxOutputBytes = old }(maxOutputBytes)
	maxOutputBytes = total - 1
	if _, err := EmitAll(p, emit.Options{ToolVersion: "test"}); err == nil || !strings.Contains(err.Error(), "the artifacts add up to") {
		t.Errorf("over the bound: %v", err)
	}
	maxOutputBytes = total
	if _, err := EmitAll(p, emit.Options{ToolVersion: "test"}); err != nil {
		t.Errorf("at the bound: %v", err)
	}
}
