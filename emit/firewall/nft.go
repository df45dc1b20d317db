package firewall

import (
	"fmt"
	"net/netip"
	"strings"

	"github.com/ibcmc/ibcmc/emit"
	"github.com/ibcmc/ibcmc/internal/escape"
	"github.com/ibcmc/ibcmc/internal/textbuf"
	"github.com/ibcmc/ibcmc/plan"
)

// boundary is an ordered pair of zones a flow crosses.
type boundary struct{ from, to string }

// nftFiles writes one ruleset per zone boundary, in the order the plan's flows (sorted by zones) meet them.
// Flows inside one zone cross no firewall between zones and appear only in the CSV and host scripts.
func nftFiles(p *plan.Plan, prov string) []emit.File {
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
		name := k.from + "-to-" + k.to + ".nft"
		files = append(files, emit.File{Path: "firewall/nftables/" + name, Content: nftRuleset(p, prov, k, name, flows[k])})
	}
	return files
}

// nftRuleset is a forward chain with policy drop that accepts return traffic and each flow's new
// connections. It reloads idempotently on nft 1.0.6, which has no "destroy": create the table if missing,
// delete it, define it again, all in one transaction.
func nftRuleset(p *plan.Plan, prov string, k boundary, name string, flows []*plan.Flow) []byte {
	var w textbuf.Blocks
	t := w.Start("\n")
	t.B = append(t.B, prov...)
	t.Comment("# ", "Site ", p.Site.Code, ": connections from zone ", k.from, " to zone ", k.to, ". Load it on the firewall between the two zones:")
	t.Comment("# ", "  nft -c -f ", name, " && nft -f ", name)
	t.Comment("# ", "It owns table inet ibcmc and replaces it on every load; everything else forwarded is dropped.")
	t.Line("table inet ibcmc {}")
	t.Line("delete table inet ibcmc")
	t.Line("table inet ibcmc {")
	t.Line("\tchain forward {")
	t.Line("\t\ttype filter hook forward priority filter; policy drop;")
	t.Line("\t\tct state established,related accept comment \"return traffic of accepted connections\"")
	t.Line("\t\tct state invalid drop")
	for _, f := range flows {
		t.Line()
		rules, why := nftRules(f)
		t.B = append(t.B, "\t\t"...)
		t.Comment("# ", f.ID, ": ", f.Purpose, " (required by ", strings.Join(f.RequiredBy, ", "), ")")
		if len(rules) == 0 {
			t.B = append(t.B, "\t\t"...)
			t.Comment("# ", "not opened: ", why)
		}
		for _, r := range rules {
			t.Line("\t\t", r)
		}
	}
	t.Line("\t}")
	t.Line("}")
	return w.End(&t)
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
	why = f.From + " and " + f.To + " have no address family in common"
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
