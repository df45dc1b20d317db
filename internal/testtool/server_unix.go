//go:build unix

package testtool

import (
	"bytes"
	"net"
	"os/exec"
	"strconv"
	"syscall"
	"testing"
	"time"
)

// StartServer runs a server process (a proxy) for a test: in its own process group, stopped when the test
// ends (SIGTERM, then SIGKILL of the whole group after 5 s), its output logged if the test failed, with
// onFail adding whatever else explains a failure (a log file). It returns once every port accepts TCP
// connections on host; a server that exits first, or does not listen within the bound, fails the test.
func StartServer(t testing.TB, name string, cmd *exec.Cmd, host string, ports []int, within time.Duration, onFail func()) {
	t.Helper()
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	// Wait returns even if a straggler in the process group still holds the output pipe.
	cmd.WaitDelay = 2 * time.Second
	start := time.Now()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// exited is closed once the process is reaped (waitErr then holds why), so both the wait for its ports
	// and the cleanup can wait on it: a channel read once would leave the cleanup waiting forever.
	exited := make(chan struct{})
	var waitErr error
	go func() { waitErr = cmd.Wait(); close(exited) }()
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(5 * time.Second):
			_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
			<-exited
		}
		if t.Failed() {
			t.Logf("%s output:\n%s", name, out.String())
			if onFail != nil {
				onFail()
			}
		}
	})
	for _, port := range ports {
		for {
			c, err := net.DialTimeout("tcp", net.JoinHostPort(host, strconv.Itoa(port)), 100*time.Millisecond)
			if err == nil {
				c.Close()
				break
			}
			select {
			case <-exited:
				t.Fatalf("%s exited before listening on %d: %v\n%s", name, port, waitErr, out.String())
			case <-time.After(5 * time.Millisecond):
			}
			if time.Since(start) > within {
				t.Fatalf("%s does not listen on %d after %s\n%s", name, port, within, out.String())
			}
		}
	}
	t.Logf("%s accepting after %v", name, time.Since(start).Round(time.Millisecond))
}
