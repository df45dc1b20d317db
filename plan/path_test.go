package plan

import (
	"regexp"
	"testing"
)

// TestSelectorQuotesNonIdentifiers: identifiers stay bare, everything else is quoted as CUE spells it.
func TestSelectorQuotesNonIdentifiers(t *testing.T) {
	for in, want := range map[string]string{
		"systems":         "systems",
		"cm01":            "cm01",
		"$x_1":            "$x_1",
		"domain-laptops":  `"domain-laptops"`,
		"1abc":            `"1abc"`,
		"_hidden":         `"_hidden"`,
		"":                `""`,
		"a.b":             `"a.b"`,
		"contoso.com":     `"contoso.com"`,
		"ünicode":         `"ünicode"`,
		"line\nbreak":     `"line\nbreak"`,
		"Root CA":         `"Root CA"`,
		"roles_2":         "roles_2",
		"roamingLaptops9": "roamingLaptops9",
	} {
		if got := Selector(in); got != want {
			t.Errorf("Selector(%q) = %s, want %s", in, got, want)
		}
	}
	if got := Path("clients", "domain-laptops", "install"); got != `clients."domain-laptops".install` {
		t.Errorf("Path = %s", got)
	}
}

// FuzzIsIdentifier holds the hand-written check to the CUE identifier pattern it replaces.
func FuzzIsIdentifier(f *testing.F) {
	re := regexp.MustCompile(`^[A-Za-z$][A-Za-z0-9_$]*$`)
	for _, s := range []string{"", "a", "A9_$", "9a", "_a", "a-b", "a\x00", "é"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := isIdentifier(s), re.MatchString(s); got != want {
			t.Fatalf("isIdentifier(%q) = %v, regexp says %v", s, got, want)
		}
	})
}
