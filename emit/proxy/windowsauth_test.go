package proxy_test

import (
	"bufio"
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"io"
	"net"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ibcmc/ibcmc/emit/labpki"
	"github.com/ibcmc/ibcmc/internal/testtool"
	"github.com/ibcmc/ibcmc/plan"
)

// A connection-bound challenge/response handshake shaped like NTLM, as IIS runs it for the management
// point's Windows authentication (user policy): request 1 without credentials gets 401 "Negotiate" and
// "NTLM"; request 2 carries a type 1 message and gets a type 2 message with a fresh challenge; request 3
// carries a type 3 message computed from that challenge and gets 200 with Persistent-Auth: true, after
// which the TCP connection, not each request, is authenticated. The messages are not real NTLM, but they
// bind exactly as NTLM does: a challenge exists only on the connection that received the type 1 message.

const (
	userPolicyPath = "/CCM_System_WindowsAuth/request"
	ntlmUser       = `CONTOSO\alice`
)

var ntlmSecret = []byte("alice's password hash")

func ntlmMessage(kind uint32, payload []byte) string {
	msg := append([]byte("NTLMSSP\x00"), binary.LittleEndian.AppendUint32(nil, kind)...)
	return base64.StdEncoding.EncodeToString(append(msg, payload...))
}

func parseNTLM(header string) (kind uint32, payload []byte, ok bool) {
	b64, found := strings.CutPrefix(header, "NTLM ")
	if !found {
		return 0, nil, false
	}
	msg, err := base64.StdEncoding.DecodeString(b64)
	if err != nil || len(msg) < 12 || string(msg[:8]) != "NTLMSSP\x00" {
		return 0, nil, false
	}
	return binary.LittleEndian.Uint32(msg[8:12]), msg[12:], true
}

// ntlmResponse is the type 3 payload for a challenge: the proof, then the user name.
func ntlmResponse(challenge []byte, user string) []byte {
	mac := hmac.New(sha256.New, ntlmSecret)
	mac.Write(challenge)
	mac.Write([]byte(user))
	return append(mac.Sum(nil), user...)
}

// ntlmConn is what the management point remembers about one TCP connection.
type ntlmConn struct {
	challenge []byte // set by a type 1 message, consumed by the type 3 message
	user      string // set once the handshake succeeded: the connection is authenticated
}

type ntlmConnKey struct{}

// ntlmMP is the fake management point: X-Seen-User names the user a request was authenticated as, and
// X-MP-Refused says why a credential was refused.
type ntlmMP struct{}

func (ntlmMP) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	c := r.Context().Value(ntlmConnKey{}).(*ntlmConn)
	_, _ = io.Copy(io.Discard, r.Body)
	h := w.Header()
	refuse := func(why string) {
		if why != "" {
			h.Set("X-MP-Refused", why)
		}
		h.Add("WWW-Authenticate", "Negotiate")
		h.Add("WWW-Authenticate", "NTLM")
		w.WriteHeader(http.StatusUnauthorized)
	}
	auth := r.Header.Get("Authorization")
	if auth == "" {
		if c.user == "" {
			refuse("")
			return
		}
		h.Set("X-Seen-User", c.user) // the connection is authenticated, not the request
		w.WriteHeader(http.StatusOK)
		return
	}
	kind, payload, ok := parseNTLM(auth)
	switch {
	case !ok:
		refuse("not an NTLM message")
	case kind == 1:
		c.user, c.challenge = "", make([]byte, 8)
		_, _ = rand.Read(c.challenge)
		h.Set("WWW-Authenticate", "NTLM "+ntlmMessage(2, c.challenge))
		w.WriteHeader(http.StatusUnauthorized)
	case kind == 3 && c.challenge == nil:
		refuse("type 3 message on a connection that received no type 1 message")
	case kind == 3 && len(payload) > sha256.Size && hmac.Equal(payload, ntlmResponse(c.challenge, string(payload[sha256.Size:]))):
		c.user, c.challenge = string(payload[sha256.Size:]), nil
		h.Set("Persistent-Auth", "true")
		h.Set("X-Seen-User", c.user)
		w.WriteHeader(http.StatusOK)
	default:
		c.challenge = nil
		refuse("type 3 message does not answer this connection's challenge")
	}
}

func startNTLMMP(t *testing.T, cert *tls.Certificate, cas *x509.CertPool) *backend {
	t.Helper()
	addr := serve(t, cert, cas, ntlmMP{}, func(srv *http.Server) {
		srv.ConnContext = func(ctx context.Context, _ net.Conn) context.Context {
			return context.WithValue(ctx, ntlmConnKey{}, &ntlmConn{})
		}
	})
	return &backend{addr: addr}
}

// authConn is one client TCP (TLS) connection on which requests are written by hand, so every step of a
// handshake provably travels on the same client connection.
type authConn struct {
	t    *testing.T
	conn *tls.Conn
	r    *bufio.Reader
	host string
}

func dialAuth(t *testing.T, l *lab, port int, sni string) *authConn {
	t.Helper()
	d := &net.Dialer{Timeout: 2 * time.Second}
	conn, err := tls.DialWithDialer(d, "tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)), &tls.Config{
		ServerName: sni, RootCAs: l.pool, Certificates: []tls.Certificate{l.certs[labpki.GoodClient]},
		MinVersion: tls.VersionTLS12, NextProtos: []string{"http/1.1"},
	})
	if err != nil {
		t.Fatalf("TLS to port %d: %v", port, err)
	}
	t.Cleanup(func() { conn.Close() })
	return &authConn{t: t, conn: conn, r: bufio.NewReader(conn), host: fmt.Sprintf("%s:%d", sni, port)}
}

// post sends a user policy request (CCM_POST, as the client does) with an optional Authorization header.
func (a *authConn) post(auth string) *http.Response {
	a.t.Helper()
	req, err := http.NewRequest("CCM_POST", "https://"+a.host+userPolicyPath, strings.NewReader("<Msg/>"))
	if err != nil {
		a.t.Fatal(err)
	}
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	_ = a.conn.SetDeadline(time.Now().Add(5 * time.Second))
	if err := req.Write(a.conn); err != nil {
		a.t.Fatalf("write: %v", err)
	}
	resp, err := http.ReadResponse(a.r, req)
	if err != nil {
		a.t.Fatalf("read: %v", err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.Close {
		a.t.Fatalf("the response to %q closes the connection", auth)
	}
	return resp
}

// handshake runs the three steps on one connection and says where it failed ("" when the user was
// authenticated). The returned responses are those received, in order.
func (a *authConn) handshake() (string, []*http.Response) {
	a.t.Helper()
	var got []*http.Response
	r1 := a.post("")
	got = append(got, r1)
	if r1.StatusCode != http.StatusUnauthorized || !slices.Contains(r1.Header["Www-Authenticate"], "NTLM") {
		return fmt.Sprintf("step 1: status %d, WWW-Authenticate %q; want 401 offering NTLM", r1.StatusCode, r1.Header["Www-Authenticate"]), got
	}
	r2 := a.post("NTLM " + ntlmMessage(1, []byte("type1")))
	got = append(got, r2)
	kind, challenge, ok := parseNTLM(r2.Header.Get("Www-Authenticate"))
	if r2.StatusCode != http.StatusUnauthorized || !ok || kind != 2 || len(challenge) != 8 {
		return fmt.Sprintf("step 2: status %d, WWW-Authenticate %q; want 401 with an NTLM challenge", r2.StatusCode, r2.Header["Www-Authenticate"]), got
	}
	r3 := a.post("NTLM " + ntlmMessage(3, ntlmResponse(challenge, ntlmUser)))
	got = append(got, r3)
	if r3.StatusCode != http.StatusOK || r3.Header.Get("Persistent-Auth") != "true" || r3.Header.Get("X-Seen-User") != ntlmUser {
		return fmt.Sprintf("step 3: status %d, Persistent-Auth %q, user %q, refused %q; want 200, true, %s",
			r3.StatusCode, r3.Header.Get("Persistent-Auth"), r3.Header.Get("X-Seen-User"), r3.Header.Get("X-MP-Refused"), ntlmUser), got
	}
	return "", got
}

// The fake management point binds authentication to the connection: each step on a connection of its own
// fails, so a proxy that spreads the steps over backend connections cannot pass the test by accident.
func TestFakeManagementPointBindsNTLMToTheConnection(t *testing.T) {
	dir := t.TempDir()
	certDir := writeLab(t, dir)
	l := loadLab(t, certDir)
	web := l.certs["mp01-webserver"]
	mp := startNTLMMP(t, &web, l.pool)

	if fail, _ := dialAuth(t, l, mp.addr.Port, "mp01.corp.contoso.com").handshake(); fail != "" {
		t.Fatalf("handshake on one connection: %s", fail)
	}
	a := dialAuth(t, l, mp.addr.Port, "mp01.corp.contoso.com")
	r := a.post("NTLM " + ntlmMessage(1, []byte("type1")))
	_, challenge, _ := parseNTLM(r.Header.Get("Www-Authenticate"))
	b := dialAuth(t, l, mp.addr.Port, "mp01.corp.contoso.com")
	r = b.post("NTLM " + ntlmMessage(3, ntlmResponse(challenge, ntlmUser)))
	if r.StatusCode != http.StatusUnauthorized || r.Header.Get("X-MP-Refused") != "type 3 message on a connection that received no type 1 message" {
		t.Errorf("type 3 on another connection: status %d, refused %q; want 401", r.StatusCode, r.Header.Get("X-MP-Refused"))
	}
	if r := b.post(""); r.StatusCode != http.StatusUnauthorized {
		t.Errorf("a connection that never authenticated: status %d, want 401", r.StatusCode)
	}
}

// Windows authentication of user policy through each proxy: HAProxy bridging keeps the management point's
// connection bound to the client's, tunneling and port forwarding hand the client's own connection to it.
// nginx bridging cannot (rule IB409), and its configuration drops Authorization: the handshake stops at
// step 2, where the management point, never having seen the type 1 message, answers without a challenge.
func TestWindowsAuthThroughProxies(t *testing.T) {
	for _, product := range []plan.PublishingProduct{plan.PublishingNginx, plan.PublishingHAProxy} {
		for _, mode := range []plan.PublishingMode{plan.ModeBridging, plan.ModeTunneling, plan.ModePortForwarding} {
			t.Run(string(product)+"/"+string(mode), func(t *testing.T) {
				testtool.RequireProxy(t, string(product))
				e := startE2EWith(t, product, mode, startNTLMMP, nil)
				a := dialAuth(t, e.lab, e.httpsPort, "ibcm.contoso.com")
				fail, got := a.handshake()
				if product == "nginx" && mode == plan.ModeBridging {
					const want = `step 2: status 401, WWW-Authenticate ["Negotiate" "NTLM"]; want 401 with an NTLM challenge`
					if fail != want {
						t.Fatalf("nginx bridging: handshake %q, want it to fail with %q", fail, want)
					}
					if r := got[1]; r.Header.Get("X-MP-Refused") != "" || r.Header.Get("Persistent-Auth") != "" {
						t.Errorf("nginx bridging: step 2 reached the management point's NTLM code (refused %q)", r.Header.Get("X-MP-Refused"))
					}
					return
				}
				if fail != "" {
					t.Fatalf("handshake: %s", fail)
				}
				// The authenticated connection stays bound to this client: the next request needs no credentials...
				if r := a.post(""); r.StatusCode != http.StatusOK || r.Header.Get("X-Seen-User") != ntlmUser {
					t.Errorf("request after the handshake: status %d, user %q; want 200 as %s", r.StatusCode, r.Header.Get("X-Seen-User"), ntlmUser)
				}
				// ...and is never lent to another client, which still has to authenticate.
				other := dialAuth(t, e.lab, e.httpsPort, "ibcm.contoso.com")
				if r := other.post(""); r.StatusCode != http.StatusUnauthorized || r.Header.Get("X-Seen-User") != "" {
					t.Errorf("another client without credentials: status %d, user %q; want 401", r.StatusCode, r.Header.Get("X-Seen-User"))
				}
				if r := a.post(""); r.StatusCode != http.StatusOK || r.Header.Get("X-Seen-User") != ntlmUser {
					t.Errorf("first client after another client's request: status %d, user %q; want 200 as %s", r.StatusCode, r.Header.Get("X-Seen-User"), ntlmUser)
				}
			})
		}
	}
}

// Why the nginx configuration drops Authorization: nginx keeps idle connections to the management point in
// a pool shared by every client, so if it passed the header, the connection NTLM authenticated for one
// user would answer the next client's request as that user. One worker process makes the pool's reuse
// deterministic; with several, the same happens whenever two clients land on one worker.
func TestNginxBridgingWouldLendAnAuthenticatedConnection(t *testing.T) {
	testtool.RequireProxy(t, "nginx")
	passAuthorization := func(cfg []byte) []byte {
		const off = "            proxy_pass_request_headers off;\n"
		if !bytes.Contains(cfg, []byte(off)) || !bytes.Contains(cfg, []byte("worker_processes auto;\n")) {
			t.Fatalf("the nginx config no longer has the lines this test edits")
		}
		cfg = bytes.Replace(cfg, []byte("worker_processes auto;\n"), []byte("worker_processes 1;\n"), 1)
		return bytes.ReplaceAll(cfg, []byte(off), []byte(off+"            proxy_set_header Authorization $http_authorization;\n"))
	}
	e := startE2EWith(t, "nginx", plan.ModeBridging, startNTLMMP, passAuthorization)
	if fail, _ := dialAuth(t, e.lab, e.httpsPort, "ibcm.contoso.com").handshake(); fail != "" {
		t.Fatalf("with Authorization passed, one client's handshake: %s", fail)
	}
	r := dialAuth(t, e.lab, e.httpsPort, "ibcm.contoso.com").post("")
	if r.StatusCode != http.StatusOK || r.Header.Get("X-Seen-User") != ntlmUser {
		t.Fatalf("another client without credentials: status %d, user %q; want 200 as %s (the hazard this test documents)",
			r.StatusCode, r.Header.Get("X-Seen-User"), ntlmUser)
	}
}
