package main

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/ibcmc/ibcmc/plan"
)

type queryCmd struct {
	From string `arg:"" name:"from" help:"Where the packet comes from: a zone, a system, a publishing entry (proxy), another flow end (any, clients, azure, a CMG, a machine FQDN) or an IP address."`
	To   string `arg:"" name:"to" help:"Where the packet goes: the same kinds as FROM."`
	Port string `arg:"" name:"port" help:"Destination port, with /tcp or /udp (without one, both protocols are asked)."`
	inputArgs
}

func (c *queryCmd) Help() string {
	return "Answers whether the design's flows allow a new connection from FROM to TO on PORT, and names each flow " +
		"that does, its purpose and what requires it.\n\n" +
		"Exit status: 0 allowed, 1 denied (no flow allows it) or the design has errors, 2 usage or I/O error."
}

func (c *queryCmd) Run(e *env) error {
	port, protos, err := parsePortProto(c.Port)
	if err != nil {
		return &exitError{code: exitUsage, msg: err.Error()}
	}
	p, err := errorFreePlan(e, c.Paths, "the design has errors; its flows are not final (ibcmc vet lists the errors)")
	if err != nil {
		return err
	}
	from, err := p.ResolveEnd(c.From)
	if err != nil {
		return &exitError{code: exitUsage, msg: "FROM: " + err.Error()}
	}
	to, err := p.ResolveEnd(c.To)
	if err != nil {
		return &exitError{code: exitUsage, msg: "TO: " + err.Error()}
	}
	allowed := p.Allowed(plan.Packet{From: from, To: to, Port: port, Protocols: protos})
	for _, a := range allowed {
		f, scope := a.Flow, ""
		if from.IsZone {
			scope = " for the whole zone " + from.Zone
			if a.Coverage == plan.Part {
				scope = fmt.Sprintf(" for part of zone %s (%s: %s)", from.Zone, f.From, strings.Join(f.FromAddresses, " "))
			}
		}
		fmt.Fprintf(e.stdout, "allowed by %s%s: %s (required by %s)\n", f.ID, scope, f.Purpose, strings.Join(f.RequiredBy, ", "))
	}
	if len(allowed) == 0 {
		where := ""
		if from.IP.IsValid() && from.Zone != "" {
			where = " (" + c.From + " is in zone " + from.Zone + ")"
		}
		fmt.Fprintf(e.stdout, "denied: no flow from %s to %s on %s%s\n", c.From, c.To, spellPortProto(port, protos), where)
		return &exitError{code: exitInvalid}
	}
	return nil
}

// parsePortProto reads "443", "443/tcp" or "53/udp".
func parsePortProto(s string) (int, []string, error) {
	num, proto, hasProto := strings.Cut(s, "/")
	port, err := strconv.Atoi(num)
	if err != nil || port < 1 || port > 65535 {
		return 0, nil, fmt.Errorf("port %q: want a number from 1 to 65535, optionally with /tcp or /udp", s)
	}
	if !hasProto {
		return port, []string{"tcp", "udp"}, nil
	}
	proto = strings.ToLower(proto)
	if proto != "tcp" && proto != "udp" {
		return 0, nil, fmt.Errorf("protocol %q: want tcp or udp", proto)
	}
	return port, []string{proto}, nil
}

func spellPortProto(port int, protos []string) string {
	spelled := make([]string, len(protos))
	for i, p := range protos {
		spelled[i] = fmt.Sprintf("%d/%s", port, p)
	}
	return strings.Join(spelled, " or ")
}
