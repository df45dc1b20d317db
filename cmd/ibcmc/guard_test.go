package main

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"
)

// A 70-byte design that builds a list of 100 million numbers reached 5.6 GiB and crashed before --timeout
// fired. The memory limit stops it with exit 2 and a message, in a child process (the abandoned evaluation
// must not keep allocating inside the test binary), and the child's peak memory stays near the limit.
func TestMemoryBombStopsAtMaxMemory(t *testing.T) {
	if os.Getenv("IBCMC_CHILD_ARGS") != "" {
		os.Exit(Run(strings.Split(os.Getenv("IBCMC_CHILD_ARGS"), "\x1f"), os.Stdout, os.Stderr))
	}
	bomb := writeDesign(t, "package site\nimport \"list\"\n_l: [for i in list.Range(0, 100000000, 1) {i}]\nsite: code: \"P\\(len(_l))\"\n")
	cmd := exec.Command(os.Args[0], "-test.run=^TestMemoryBombStopsAtMaxMemory$")
	cmd.Env = append(os.Environ(), "IBCMC_CHILD_ARGS="+strings.Join([]string{"--max-memory", "300MiB", "--timeout", "5m", "vet", bomb}, "\x1f"))
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	start := time.Now()
	err := cmd.Run()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 2 {
		t.Fatalf("exit: %v\n%s", err, stderr.String())
	}
	if want := "the process used more than --max-memory 300MiB"; !strings.Contains(stderr.String(), want) || !strings.Contains(stderr.String(), "stopped while evaluating ") {
		t.Errorf("stderr %q, want %q while evaluating", stderr.String(), want)
	}
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok && ru.Maxrss > 1<<20 { // KiB
		t.Errorf("peak memory %d MiB with a 300 MiB limit", ru.Maxrss>>10)
	}
	if d := time.Since(start); d > 60*time.Second {
		t.Errorf("took %s", d)
	}
}

func TestByteSize(t *testing.T) {
	for in, want := range map[string]int64{"512MiB": 512 << 20, "4GiB": 4 << 30, "2g": 2 << 30, "1048576": 1 << 20, "64 MB": 64 << 20} {
		var b byteSize
		if err := b.UnmarshalText([]byte(in)); err != nil || int64(b) != want {
			t.Errorf("%q: %d, %v; want %d", in, b, err, want)
		}
	}
	for _, bad := range []string{"", "0", "-1GiB", "lots", "9999999999GiB"} {
		var b byteSize
		if err := b.UnmarshalText([]byte(bad)); err == nil {
			t.Errorf("%q accepted as %d", bad, b)
		}
	}
	if code, _, errb := run(t, "--max-memory", "lots", "version"); code != 2 || !strings.Contains(errb, `"lots" is not a memory size`) {
		t.Errorf("bad --max-memory: exit %d %q", code, errb)
	}
}
