package firewall

import (
	"fmt"
	"slices"
	"testing"
)

// prefixes keeps the list's order, drops duplicates and what a wider prefix of the list covers (nft refuses
// overlapping intervals in one set), whatever order the covering prefix comes in.
func TestPrefixesDropCoveredAddresses(t *testing.T) {
	in := []string{"10.0.1.9", "10.0.0.0/16", "10.0.1.9", "192.0.2.10", "10.0.0.5", "2001:db8::1", "2001:db8::/32",
		"198.51.100.0/24", "198.51.100.0/25", "192.0.2.10", "not an address", "203.0.113.7/32"}
	var got []string
	for _, p := range prefixes(in) {
		got = append(got, spell(p))
	}
	want := []string{"10.0.0.0/16", "192.0.2.10", "2001:db8::/32", "198.51.100.0/24", "203.0.113.7"}
	if !slices.Equal(got, want) {
		t.Errorf("prefixes:\n got %q\nwant %q", got, want)
	}
}

// A group flow end holds thousands of host addresses; each one is kept once, in order.
func TestPrefixesManyHosts(t *testing.T) {
	var in []string
	for i := 0; i < 5000; i++ {
		in = append(in, fmt.Sprintf("10.%d.%d.%d", i/65536, i/256%256, i%256))
	}
	in = append(in, in[:100]...)
	got := prefixes(in)
	if len(got) != 5000 || spell(got[0]) != "10.0.0.0" || spell(got[4999]) != "10.0.19.135" {
		t.Errorf("got %d prefixes, first %v, last %v", len(got), got[0], got[len(got)-1])
	}
}
