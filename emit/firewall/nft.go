package firewall

import (
	"fmt"
	"net/netip"
	"strings"

	"github.com/ibcmc/ibcmc/emit"
	"github.com/ibcmc/ibcmc/internal/escape"
	"github.com/ibcmc/ibcmc/plan"
)

// boundary is an ordered pair of zones a flow crosses.
type boundary struct{ from, to string }

// nftFiles writes one ruleset per zone boundary, in the order the plan's flows (sorted by zones) meet them.
// Flows inside one zone cross no firewall between zones and appear only in the CSV and host scripts.
func nftFiles(p *plan.Plan, o emit.Options) []emit.File {
	var order []boundary
	flows := map[boundary][]*plan.Flow{}
	for _, f := range p.Flows {
		if f.FromZone == f.ToZone {
			continue
		}
		k := boundary{f.FromZone, f.ToZone}
		if _, ok := flows[k]; !ok {
			order = append(order, k)
		}
		flows[k] = append(flows[k], f)
	}
	var files []emit.File
	for _, k := range order {
		name := fmt.Sprintf("%s-to-%s.nft", k.from, k.to)
		files = append(files, emit.File{Path: "firewall/nftables/" + name, Content: []byte(nftRuleset(p, o, k, name, flows[k]))})
	}
	return files
}

// nftRuleset is a forward chain with policy drop that accepts return traffic and each flow's new
// connections. It reloads idempotently on nft 1.0.6, which has no "destroy": create the table if missing,
// delete it, define it again, all in one transaction.
func nftRuleset(p *plan.Plan, o emit.Options, k boundary, name string, flows []*plan.Flow) string {
	var b strings.Builder
	c := func(format string, args ...any) {
		b.WriteString("# " + emit.SanitizeComment(fmt.Sprintf(format, args...)) + "\n")
	}
	b.WriteString(emit.Provenance(emit.Hash, p, o))
	c("Site %s: connections from zone %s to zone %s. Load it on the firewall between the two zones:", p.Site.Code, k.from, k.to)
	c("  nft -c -f %s && nft -f %s", name, name)
	c("It owns table inet ibcmc and replaces it on every load; everything else forwarded is dropped.")
	b.WriteString("table inet ibcmc {}\n")
	b.WriteString("delete table inet ibcmc\n")
	b.WriteString("table inet ibcmc {\n")
	b.WriteString("\tchain forward {\n")
	b.WriteString("\t\ttype filter hook forward priority filter; policy drop;\n")
	b.WriteString("\t\tct state established,related accept comment \"return traffic of accepted connections\"\n")
	b.WriteString("\t\tct state invalid drop\n")
	for _, f := range flows {
		b.WriteString("\n")
		rules, why := nftRules(f)
		b.WriteString("\t\t# " + emit.SanitizeComment(fmt.Sprintf("%s: %s (required by %s)", f.ID, f.Purpose, strings.Join(f.RequiredBy, ", "))) + "\n")
		if len(rules) == 0 {
			b.WriteString("\t\t# " + emit.SanitizeComment("not opened: "+why) + "\n")
		}
		for _, r := range rules {
			b.WriteString("\t\t" + r + "\n")
		}
	}
	b.WriteString("\t}\n}\n")
	return b.String()
}

// nftRules matches a flow once per address family the two ends share: source and destination by
// address (a side that is the whole address space is not matched), protocol and destination ports, new
// connections only. It never writes a rule that matches any source to any destination; why says why a flow
// produced no rule.
func nftRules(f *plan.Flow) (rules []string, why string) {
	src4, src6 := family(prefixes(f.FromAddresses))
	dst4, dst6 := family(prefixes(f.ToAddresses))
	switch {
	case len(f.FromAddresses) == 0:
		return nil, fmt.Sprintf("the design gives no address for %s and zone %s has no cidrs", f.From, f.FromZone)
	case len(f.ToAddresses) == 0:
		return nil, fmt.Sprintf("the design gives no address for %s and zone %s has no cidrs", f.To, f.ToZone)
	case f.Protocol != "tcp" && f.Protocol != "udp" || len(f.Ports) == 0:
		return nil, fmt.Sprintf("protocol %q with %d port range(s) is not a port match nft can write", f.Protocol, len(f.Ports))
	}
	why = fmt.Sprintf("%s and %s have no address family in common", f.From, f.To)
	for _, fam := range []struct {
		kw       string
		src, dst []netip.Prefix
	}{{"ip", src4, dst4}, {"ip6", src6, dst6}} {
		if len(fam.src) == 0 || len(fam.dst) == 0 {
			continue
		}
		anySrc, anyDst := everything(fam.src), everything(fam.dst)
		if anySrc && anyDst {
			why = "it would match any source and any destination"
			continue
		}
		var m []string
		if !anySrc {
			m = append(m, fam.kw+" saddr "+nftSet(fam.src))
		}
		if !anyDst {
			m = append(m, fam.kw+" daddr "+nftSet(fam.dst))
		}
		portExpr := plan.JoinPorts(f.Ports, ", ")
		if len(f.Ports) > 1 {
			portExpr = "{ " + portExpr + " }"
		}
		m = append(m, f.Protocol+" dport "+portExpr, "ct state new accept comment "+escape.NFTString(f.ID))
		rules = append(rules, strings.Join(m, " "))
	}
	return rules, why
}

func nftSet(ps []netip.Prefix) string {
	if len(ps) == 1 {
		return spell(ps[0])
	}
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = spell(p)
	}
	return "{ " + strings.Join(out, ", ") + " }"
}
