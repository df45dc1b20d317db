// Package firewall writes the flow matrix as firewall artifacts: firewall/flows.csv (every flow),
// firewall/nftables/<from-zone>-to-<to-zone>.nft (one forward ruleset per zone boundary a flow crosses) and
// firewall/windows/<machine>.ps1 (each site system's inbound rules for Windows Firewall).
package firewall

import (
	"net/netip"
	"strings"

	"github.com/ibcmc/ibcmc/emit"
	"github.com/ibcmc/ibcmc/internal/escape"
	"github.com/ibcmc/ibcmc/plan"
)

// Emit writes the firewall artifacts.
func Emit(p *plan.Plan, o emit.Options) ([]emit.File, error) {
	prov := emit.Provenance(emit.Hash, p, o) // the first line of every file, made once
	files := []emit.File{{Path: "firewall/flows.csv", Content: flowsCSV(p, prov)}}
	files = append(files, nftFiles(p, prov)...)
	files = append(files, windowsFiles(p, prov)...)
	return files, nil
}

// blockSize is the size of the blocks the files of a build are carved from (see writer).
const blockSize = 256 << 10

// writer writes files by appending into shared blocks: a design has a script per machine, thousands of
// them, and formatting each line through fmt and intermediate strings, then copying each file, was most
// of this emitter's time.
type writer struct {
	b []byte // the last file written; its capacity runs to the end of its block
	// block is the size of the blocks files are carved from; 0 writes each file on its own.
	block int
}

// start begins a file after the last one, or in a new block when little room is left. (A file that
// outgrows the room is moved by append, like any slice.) The caller keeps the text in a local variable
// while it writes, so that the stores of each append need no GC write barrier, and hands it to end.
func (w *writer) start() text {
	b := w.b[len(w.b):]
	if cap(b) < 4<<10 {
		b = make([]byte, 0, w.block)
	}
	return text{b: b}
}

// end returns the file t holds. Its capacity ends with it, so appending to one file's content can never
// write into the next file's.
func (w *writer) end(t *text) []byte {
	w.b = t.b
	return t.b[:len(t.b):len(t.b)]
}

// text is one file being written.
type text struct {
	b []byte
}

// line writes the parts and a line ending.
func (t *text) line(parts ...string) {
	b := t.b
	for _, s := range parts {
		b = append(b, s...)
	}
	t.b = append(b, '\n')
}

// comment writes a "# " comment line; the text is made single-line so no value can end the comment and
// start a rule or a command.
func (t *text) comment(parts ...string) {
	b := append(t.b, "# "...)
	start := len(b)
	for _, s := range parts {
		b = append(b, s...)
	}
	b = escape.OneLineTail(b, start)
	t.b = append(b, '\n')
}

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
	var out []netip.Prefix
	for i, x := range all {
		covered := false
		for j, y := range all {
			if i != j && y.Bits() <= x.Bits() && y.Contains(x.Addr()) && (y.Bits() < x.Bits() || j < i) {
				covered = true
				break
			}
		}
		if !covered {
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
