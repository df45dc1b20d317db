package netlab

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"sync"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// RunHelper must be called first from TestMain of every test package that uses the lab: when the process
// was started by the lab as a listener or prober (an environment variable tells), it does that job and
// exits; otherwise it returns immediately.
func RunHelper() {
	role := os.Getenv(envRole)
	if role == "" {
		return
	}
	var err error
	switch role {
	case roleListen:
		err = runListener(os.Stdin, os.Stdout)
	case roleProbe:
		err = runProber(os.Stdin, os.Stdout)
	default:
		err = fmt.Errorf("unknown role %q", role)
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "netlab %s: %v\n", role, err)
		os.Exit(3)
	}
	os.Exit(0)
}

// runListener applies the namespace's sysctls, binds every port, reports "ready", then serves until its
// stdin reaches EOF: the lab closes it to stop the helper, and the kernel closes it if the lab's process
// dies, so a helper never outlives its lab. With nothing to serve it exits right after "ready".
func runListener(stdin io.Reader, stdout io.Writer) error {
	var a listenArgs
	dec := json.NewDecoder(stdin)
	if err := dec.Decode(&a); err != nil {
		return fmt.Errorf("reading arguments: %w", err)
	}
	if err := writeSysctls(a.Sysctls); err != nil {
		return err
	}
	var tcp []*net.TCPListener
	for _, p := range a.TCP {
		ln, err := net.ListenTCP("tcp4", &net.TCPAddr{Port: p})
		if err != nil {
			return fmt.Errorf("listening on TCP port %d: %w", p, err)
		}
		tcp = append(tcp, ln)
	}
	var udp []*net.UDPConn
	for _, p := range a.UDP {
		c, err := listenUDP(p)
		if err != nil {
			return fmt.Errorf("listening on UDP port %d: %w", p, err)
		}
		udp = append(udp, c)
	}
	if _, err := io.WriteString(stdout, "ready\n"); err != nil {
		return err
	}
	if len(tcp)+len(udp) == 0 {
		return nil
	}
	for _, ln := range tcp {
		go acceptAndClose(ln)
	}
	for _, c := range udp {
		go echo(c)
	}
	// The decoder may have buffered past the arguments; drain both it and the rest of stdin.
	_, err := io.Copy(io.Discard, io.MultiReader(dec.Buffered(), stdin))
	return err
}

func writeSysctls(list []sysctl) error {
	for _, s := range list {
		err := os.WriteFile(filepath.Join("/proc/sys", s.Path), []byte(s.Value), 0)
		if s.Optional && errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			return fmt.Errorf("sysctl %s=%s: %w", s.Path, s.Value, err)
		}
	}
	return nil
}

// acceptAndClose completes handshakes and closes at once: the handshake is the proof of reachability.
func acceptAndClose(ln *net.TCPListener) {
	for {
		c, err := ln.AcceptTCP()
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			time.Sleep(10 * time.Millisecond) // e.g. EMFILE: back off instead of spinning
			continue
		}
		c.Close()
	}
}

// listenUDP binds 0.0.0.0:port with IP_PKTINFO, which tells echo the address each datagram was sent to.
func listenUDP(port int) (*net.UDPConn, error) {
	c, err := net.ListenUDP("udp4", &net.UDPAddr{Port: port})
	if err != nil {
		return nil, err
	}
	if err := setsockoptInt(c, unix.IPPROTO_IP, unix.IP_PKTINFO, 1); err != nil {
		c.Close()
		return nil, fmt.Errorf("IP_PKTINFO: %w", err)
	}
	return c, nil
}

// echo returns every datagram to its sender from the address it was sent to. Without that, a host with
// several addresses would answer from its primary one, and the prober's connected socket (like a real
// client's, or conntrack) would not recognize the reply.
func echo(c *net.UDPConn) {
	buf := make([]byte, 65535)
	oob := make([]byte, 256)
	for {
		n, oobn, _, from, err := c.ReadMsgUDPAddrPort(buf, oob)
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			continue
		}
		var reply []byte
		if dst, ok := pktinfoDst(oob[:oobn]); ok {
			reply = unix.PktInfo4(&unix.Inet4Pktinfo{Spec_dst: dst})
		}
		c.WriteMsgUDPAddrPort(buf[:n], reply, from) // best effort, like any echo service
	}
}

// pktinfoDst returns the header destination address of an IP_PKTINFO control message.
func pktinfoDst(oob []byte) ([4]byte, bool) {
	msgs, err := unix.ParseSocketControlMessage(oob)
	if err != nil {
		return [4]byte{}, false
	}
	for _, m := range msgs {
		// struct in_pktinfo { int ipi_ifindex; struct in_addr ipi_spec_dst; struct in_addr ipi_addr; }
		if m.Header.Level == unix.IPPROTO_IP && m.Header.Type == unix.IP_PKTINFO && len(m.Data) >= unix.SizeofInet4Pktinfo {
			return [4]byte(m.Data[8:12]), true
		}
	}
	return [4]byte{}, false
}

// runProber runs the probes read from stdin, probeParallelism at a time, and writes their outcomes, in
// order, as JSON to stdout. The lab keeps stdin open until it has the results; EOF before that means the
// lab gave up or died, and the prober quits at once instead of running out its probes.
func runProber(stdin io.Reader, stdout io.Writer) error {
	var a probeArgs
	dec := json.NewDecoder(stdin)
	if err := dec.Decode(&a); err != nil {
		return fmt.Errorf("reading arguments: %w", err)
	}
	go func() {
		io.Copy(io.Discard, io.MultiReader(dec.Buffered(), stdin))
		os.Exit(4)
	}()
	if a.Timeout <= 0 {
		return fmt.Errorf("timeout %v: want > 0", a.Timeout)
	}
	out := make([]probeOutcome, len(a.Probes))
	sem := make(chan struct{}, probeParallelism)
	var wg sync.WaitGroup
	for i, p := range a.Probes {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			if p.Proto == "udp" {
				out[i] = probeUDP(netip.AddrPortFrom(p.To, uint16(p.Port)), a.Timeout)
			} else {
				out[i] = probeTCP(netip.AddrPortFrom(p.To, uint16(p.Port)), a.Timeout)
			}
		})
	}
	wg.Wait()
	return json.NewEncoder(stdout).Encode(out)
}

func probeTCP(to netip.AddrPort, timeout time.Duration) probeOutcome {
	start := time.Now()
	d := net.Dialer{Timeout: timeout}
	c, err := d.Dial("tcp4", to.String())
	elapsed := time.Since(start)
	if err != nil {
		return probeOutcome{Detail: classify(err), Elapsed: elapsed}
	}
	c.Close()
	return probeOutcome{OK: true, Detail: DetailConnected, Elapsed: elapsed}
}

// probeUDP sends a unique payload and waits for it to come back. It resends with backoff (100 ms, 200 ms,
// ... capped at 1 s) so that one datagram lost to, say, a full neighbour queue does not read as a drop.
// IP_RECVERR makes every ICMP error reach the socket; by default Linux reports only port unreachable to
// UDP and would turn "unreachable" into "timeout".
func probeUDP(to netip.AddrPort, timeout time.Duration) probeOutcome {
	start := time.Now()
	deadline := start.Add(timeout)
	fail := func(err error) probeOutcome {
		return probeOutcome{Detail: classify(err), Elapsed: time.Since(start)}
	}
	c, err := net.DialUDP("udp4", nil, net.UDPAddrFromAddrPort(to))
	if err != nil {
		return fail(err)
	}
	defer c.Close()
	if err := setsockoptInt(c, unix.IPPROTO_IP, unix.IP_RECVERR, 1); err != nil {
		return fail(fmt.Errorf("IP_RECVERR: %w", err))
	}
	var nonce [16]byte
	rand.Read(nonce[:])
	payload := []byte("ibcmc-netlab " + hex.EncodeToString(nonce[:]))
	buf := make([]byte, 2*len(payload))
	interval := 100 * time.Millisecond
	var resend time.Time // zero: send now
	for {
		now := time.Now()
		if !now.Before(deadline) {
			return probeOutcome{Detail: DetailTimeout, Elapsed: time.Since(start)}
		}
		if !now.Before(resend) {
			if _, err := c.Write(payload); err != nil {
				return fail(err)
			}
			resend = now.Add(interval)
			interval = min(2*interval, time.Second)
		}
		wait := resend
		if deadline.Before(wait) {
			wait = deadline
		}
		c.SetReadDeadline(wait)
		n, err := c.Read(buf)
		if err == nil {
			if bytes.Equal(buf[:n], payload) {
				return probeOutcome{OK: true, Detail: DetailConnected, Elapsed: time.Since(start)}
			}
			continue // not our datagram: keep waiting
		}
		if !errors.Is(err, os.ErrDeadlineExceeded) {
			return fail(err)
		}
	}
}

// classify maps a dial/read/write error to a Result.Detail.
func classify(err error) string {
	var ne net.Error
	switch {
	case errors.Is(err, syscall.ECONNREFUSED):
		return DetailRefused
	case errors.Is(err, syscall.EHOSTUNREACH), errors.Is(err, syscall.ENETUNREACH),
		errors.Is(err, syscall.EHOSTDOWN), errors.Is(err, syscall.ENETDOWN):
		return DetailUnreachable
	case errors.Is(err, os.ErrDeadlineExceeded), errors.As(err, &ne) && ne.Timeout():
		return DetailTimeout
	}
	return err.Error()
}

type syscallConner interface {
	SyscallConn() (syscall.RawConn, error)
}

func setsockoptInt(c syscallConner, level, opt, value int) error {
	rc, err := c.SyscallConn()
	if err != nil {
		return err
	}
	var serr error
	if err := rc.Control(func(fd uintptr) { serr = unix.SetsockoptInt(int(fd), level, opt, value) }); err != nil {
		return err
	}
	return serr
}
