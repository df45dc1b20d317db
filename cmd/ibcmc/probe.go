package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"time"

	"github.com/ibcmc/ibcmc/internal/certcheck"
	"github.com/ibcmc/ibcmc/internal/inputfile"
	"github.com/ibcmc/ibcmc/internal/probe"
)

type probeCmd struct {
	inputArgs
	From       string        `enum:"internet,intranet" default:"internet" help:"Where the probe stands: internet or intranet."`
	Population string        `placeholder:"NAME" help:"Probe only the endpoints this client population uses."`
	Resolve    []string      `sep:"none" placeholder:"HOST:ADDR" help:"Use ADDR for HOST instead of asking DNS (it is still compared with the design's address); HOST:PORT:ADDR or HOST:PORT:ADDR:PORT for one port (and another port there). Repeat for each host."`
	CA         []string      `name:"ca" sep:"none" placeholder:"FILE" help:"The design's CA certificates (PEM, DER or .p7b) the server certificates must chain to. Repeat for each file."`
	ClientCert string        `name:"client-cert" placeholder:"FILE" help:"A client certificate (PEM) to present, as a managed client would."`
	ClientKey  string        `name:"client-key" placeholder:"FILE" help:"The private key (PEM) of --client-cert."`
	Wait       time.Duration `name:"wait" default:"5s" help:"Bound on each network wait (lookup, connect, handshake, answer); --timeout bounds the whole command."`
	FSPPost    bool          `name:"fsp-post" help:"Send an empty state message to each fallback status point (the only request that changes anything)."`
	Format     string        `enum:"text,json,markdown" default:"text" help:"Output: text, json or markdown."`
}

func (c *probeCmd) Help() string {
	return `Checks a deployed site against its design from where a client stands: for every endpoint a client at
that vantage (or of --population) must reach, the name resolves (to the design's public address), the port
connects, TLS 1.2+ with a certificate that covers the name and satisfies the design (as certs check says),
every CRL a client fetches answers, is current, signed by its issuer and does not list the certificate,
client certificates are required, the management point answers its location requests (MPLIST, MPCERT),
the distribution point, software update point and fallback status point answer as their roles do, and the
path in between passes the verbs and headers the roles need (and, through a bridging proxy, refuses others).
Each failure says what to fix and the design field or deployed component it points at.
Nothing sent changes the site: GET, HEAD, PROPFIND, a BITS Ping, a CCM_POST without a message, and a POST
to the fallback status point only with --fsp-post. Endpoints are probed at once; --wait bounds each wait.
Exit status: 0 every check passed, 1 a check failed or the design has errors, 2 usage or I/O error.`
}

// Bounds on what probe reads from the files it is given.
const maxProbeFileBytes = 16 << 20

func (c *probeCmd) Run(e *env) error {
	o := probe.Options{From: c.From, Population: c.Population, Timeout: c.Wait, FSPPost: c.FSPPost}
	if c.Wait <= 0 {
		return &exitError{code: exitUsage, msg: "--wait must be positive"}
	}
	for _, r := range c.Resolve {
		ov, err := probe.ParseOverride(r)
		if err != nil {
			return &exitError{code: exitUsage, msg: err.Error()}
		}
		o.Resolve = append(o.Resolve, ov)
	}
	for _, name := range c.CA {
		data, err := inputfile.Read(name, maxProbeFileBytes)
		if err != nil {
			return &exitError{code: exitUsage, msg: err.Error()}
		}
		certs, err := certcheck.Parse(name, data)
		if err != nil {
			return &exitError{code: exitUsage, msg: err.Error()}
		}
		for _, ct := range certs {
			o.CAs = append(o.CAs, ct.X509)
		}
	}
	if (c.ClientCert == "") != (c.ClientKey == "") {
		return &exitError{code: exitUsage, msg: "--client-cert and --client-key go together"}
	}
	if c.ClientCert != "" {
		cert, err := loadKeyPair(c.ClientCert, c.ClientKey)
		if err != nil {
			return &exitError{code: exitUsage, msg: err.Error()}
		}
		o.ClientCert = cert
	}
	p, err := errorFreePlan(e, c.Paths, "the design has errors; fix them first: what to probe depends on it")
	if err != nil {
		return err
	}
	e.stage.set("probing the endpoints")
	rep, err := probe.Run(context.Background(), p, o)
	var ue *probe.UsageError
	if errors.As(err, &ue) {
		return &exitError{code: exitUsage, msg: ue.Msg}
	}
	if err != nil {
		return err
	}
	switch c.Format {
	case "json":
		err = rep.WriteJSON(e.stdout)
	case "markdown":
		err = rep.WriteMarkdown(e.stdout)
	default:
		err = rep.WriteText(e.stdout)
	}
	if err != nil {
		return err
	}
	if rep.HasFailures() {
		return &exitError{code: exitInvalid, msg: rep.Summary()}
	}
	if c.Format != "text" {
		fmt.Fprintln(e.stderr, rep.Summary())
	}
	return nil
}

func loadKeyPair(certFile, keyFile string) (*tls.Certificate, error) {
	certPEM, err := inputfile.Read(certFile, maxProbeFileBytes)
	if err != nil {
		return nil, err
	}
	keyPEM, err := inputfile.Read(keyFile, maxProbeFileBytes)
	if err != nil {
		return nil, err
	}
	cert, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		return nil, fmt.Errorf("--client-cert %s with --client-key %s: %v", certFile, keyFile, err)
	}
	if cert.Leaf == nil {
		if cert.Leaf, err = x509.ParseCertificate(cert.Certificate[0]); err != nil {
			return nil, fmt.Errorf("--client-cert %s: %v", certFile, err)
		}
	}
	return &cert, nil
}
