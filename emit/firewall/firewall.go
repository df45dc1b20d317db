// Package firewall writes the flow matrix as firewall artifacts: firewall/flows.csv (every flow),
// firewall/nftables/<firewall>.nft (one ruleset per network firewall, in its own table),
// firewall/windows/<machine>.ps1 (each Windows machine's inbound rules for Windows Firewall) and
// firewall/README.md (what they are and how to load them).
package firewall

import (
	"cmp"
	"net/netip"
	"slices"
	"strings"

	"github.com/ibcmc/ibcmc/emit"
	"github.com/ibcmc/ibcmc/plan"
)

// Emit writes the firewall artifacts.
func Emit(p *plan.Plan, o emit.Options) ([]emit.File, error) {
	prov := emit.Provenance(emit.Hash, p, o) // the first line of every file, made once
	files := []emit.File{
		{Path: "firewall/README.md", Content: readme(p, o)},
		{Path: "firewall/flows.csv", Content: flowsCSV(p)},
	}
	files = append(files, nftFiles(p, prov)...)
	files = append(files, windowsFiles(p, prov)...)
	return files, nil
}

// blockSize is the size of the blocks the files of a build are carved from (textbuf.Blocks).
const blockSize = 256 << 10

// portList spells a flow's ports with sep between ranges.
func portList(f *plan.Flow, sep string) string {
	out := make([]string, len(f.Ports))
	for i, r := range f.Ports {
		out[i] = r.String()
	}
	return strings.Join(out, sep)
}

// prefixes parses a flow end's addresses, dropping any that a firewall could not read (the compiler
// writes canonical ones) and any that a wider prefix of the same list already covers, because nft refuses
// overlapping intervals in one set.
func prefixes(addrs []string) []netip.Prefix {
	var all []netip.Prefix
	for _, a := range addrs {
		if pfx, err := netip.ParsePrefix(a); err == nil {
			all = append(all, pfx.Masked())
		} else if ip, err := netip.ParseAddr(a); err == nil {
			all = append(all, netip.PrefixFrom(ip, ip.BitLen()))
		}
	}
	// Sorted by address, wider first: prefixes are nested or disjoint, so a prefix is covered exactly when
	// the last one kept contains it. Linear after the sort, for the thousands of addresses a group end has.
	order := make([]int, len(all))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(i, j int) int {
		return cmp.Or(all[i].Addr().Compare(all[j].Addr()), cmp.Compare(all[i].Bits(), all[j].Bits()))
	})
	keep := make([]bool, len(all))
	var last netip.Prefix
	for _, i := range order {
		x := all[i]
		if last.IsValid() && last.Bits() <= x.Bits() && last.Contains(x.Addr()) {
			continue
		}
		keep[i], last = true, x
	}
	var out []netip.Prefix
	for i, x := range all {
		if keep[i] {
			out = append(out, x)
		}
	}
	return out
}

// spell writes a prefix as firewalls read it: a single host as the bare address.
func spell(p netip.Prefix) string {
	if p.IsSingleIP() {
		return p.Addr().String()
	}
	return p.String()
}

// family splits prefixes into IPv4 and IPv6 ones.
func family(ps []netip.Prefix) (v4, v6 []netip.Prefix) {
	for _, p := range ps {
		if p.Addr().Is4() {
			v4 = append(v4, p)
		} else {
			v6 = append(v6, p)
		}
	}
	return v4, v6
}

// everything reports whether the prefixes include the whole address space of their family.
func everything(ps []netip.Prefix) bool {
	for _, p := range ps {
		if p.Bits() == 0 {
			return true
		}
	}
	return false
}
