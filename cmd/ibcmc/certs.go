package main

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/ibcmc/ibcmc/internal/certcheck"
	"github.com/ibcmc/ibcmc/internal/escape"
	"github.com/ibcmc/ibcmc/internal/inputfile"
)

type certsCmd struct {
	Check certsCheckCmd `cmd:"" help:"Check issued certificates against the certificates the design needs."`
}

type certsCheckCmd struct {
	inputArgs
	Certs []string `name:"cert" required:"" sep:"none" placeholder:"FILE" help:"A certificate file: PEM, DER or PKCS #7 (.p7b); chains are fine. Repeat for each file."`
}

// Bounds on what certs check reads: a site needs a few certificates per site system, and the matching
// looks at each one for each request it names.
const (
	maxCertFileBytes  = 16 << 20
	maxCertTotalBytes = 64 << 20
	maxCertificates   = 20000
)

// now is the clock of certs check; tests move it.
var now = time.Now

func (c *certsCheckCmd) Help() string {
	return `For each certificate the design needs (the requests under certs/), reports whether one supplied
certificate satisfies it: its names cover every FQDN (a distribution point's certificate needs none, and
one may serve several), it has the extended key usage, an RSA key long enough
(and, for distribution points and management points, at most 2048 bits), no SHA-1 signature, a validity
window around today (a warning under 30 days), an issuer among the design's authorities, and an HTTP CRL
distribution point when internet clients check revocation. Supply the CA certificates too, and the
signatures are verified. One line per needed certificate: ok, missing or wrong.
Exit status: 0 every needed certificate is ok, 1 one is missing or wrong (or the design has errors),
2 usage or I/O error.`
}

func (c *certsCheckCmd) Run(e *env) error {
	e.stage.set("reading certificates")
	var supplied []*certcheck.Cert
	total := 0
	for _, name := range c.Certs {
		data, err := inputfile.Read(name, min(maxCertFileBytes, maxCertTotalBytes-total))
		if errors.Is(err, inputfile.ErrTooLarge) {
			return &exitError{code: exitUsage, msg: fmt.Sprintf("%s: the certificate files are over the %d-byte limit (%d per file, %d together)", name, maxCertTotalBytes, maxCertFileBytes, maxCertTotalBytes)}
		}
		if err != nil {
			return &exitError{code: exitUsage, msg: err.Error()}
		}
		total += len(data)
		certs, err := certcheck.Parse(name, data)
		if err != nil {
			return &exitError{code: exitUsage, msg: err.Error()}
		}
		supplied = append(supplied, certs...)
		if len(supplied) > maxCertificates {
			return &exitError{code: exitUsage, msg: fmt.Sprintf("%s: more than %d certificates supplied; check the certificates of a site (they and their CA certificates) in one run, not a whole CA database", name, maxCertificates)}
		}
	}
	e.stage.set("checking certificates")
	p, err := errorFreePlan(e, c.Paths, "the design has errors; fix them first: the certificates it needs depend on it")
	if err != nil {
		return err
	}
	results := certcheck.Check(p, supplied, now())
	if len(results) == 0 {
		fmt.Fprintln(e.stderr, "the design needs no certificate")
		return nil
	}
	width := 0
	for _, r := range results {
		width = max(width, len(r.Request.ID))
	}
	counts := map[string]int{}
	warned := 0
	for _, r := range results {
		counts[r.Status]++
		var detail string
		switch r.Status {
		case certcheck.OK:
			detail = fmt.Sprintf("%s (%s), valid until %s", r.Cert.Source, r.Cert.X509.Subject, r.Cert.X509.NotAfter.UTC().Format("2006-01-02"))
			if len(r.Warnings) > 0 {
				warned++
				detail += "; warning: " + strings.Join(r.Warnings, "; ")
			}
		case certcheck.Wrong:
			detail = fmt.Sprintf("%s (%s): %s", r.Cert.Source, r.Cert.X509.Subject, strings.Join(r.Problems, "; "))
		default:
			detail = strings.Join(r.Problems, "; ")
		}
		fmt.Fprintf(e.stdout, "%-7s  %-*s  %s\n", r.Status, width, r.Request.ID, escape.OneLine(detail))
	}
	summary := fmt.Sprintf("%d certificate(s) needed: %d ok", len(results), counts[certcheck.OK])
	if warned > 0 {
		summary += fmt.Sprintf(" (%d with warnings)", warned)
	}
	summary += fmt.Sprintf(", %d missing, %d wrong", counts[certcheck.Missing], counts[certcheck.Wrong])
	if counts[certcheck.Missing]+counts[certcheck.Wrong] > 0 {
		return &exitError{code: exitInvalid, msg: summary}
	}
	fmt.Fprintln(e.stderr, summary)
	return nil
}
