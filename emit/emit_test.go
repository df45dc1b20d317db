package emit

import (
	"path"
	"regexp"
	"strings"
	"testing"
)

// checkPathByRegexp is CheckPath as first written: split and a regexp per component.
func checkPathByRegexp(p string) bool {
	if p == "" || strings.HasPrefix(p, "/") || path.Clean(p) != p || strings.Contains(p, "\\") {
		return false
	}
	component := regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]*$`)
	for _, c := range strings.Split(p, "/") {
		if c == "." || c == ".." || !component.MatchString(c) {
			return false
		}
	}
	return true
}

func TestCheckPath(t *testing.T) {
	for p, ok := range map[string]bool{
		"report.md":                        true,
		"firewall/windows/cm01.ps1":        true,
		"ccmsetup/domain-laptops.cmd":      true,
		"proxy/edge/nginx.conf":            true,
		"certs/ibcm01.contoso.com_web.inf": true,
		"":                                 false,
		"/etc/passwd":                      false,
		"../x":                             false,
		"a/../../x":                        false,
		"a/./b":                            false,
		"a//b":                             false,
		"a/":                               false,
		".":                                false,
		"..":                               false,
		".hidden":                          false,
		"a\\b":                             false,
		"a/b\x00c":                         false,
		"a/-b":                             false,
		"con:tent":                         false,
		"ünicode":                          false,
		"a b":                              false,
	} {
		if got := CheckPath(p) == nil; got != ok {
			t.Errorf("CheckPath(%q) accepted = %v, want %v", p, got, ok)
		}
	}
}

// FuzzCheckPath holds the byte loop to the split-and-regexp definition it replaced.
func FuzzCheckPath(f *testing.F) {
	for _, s := range []string{"report.md", "a/b/c.ps1", "../x", "/x", "a//b", "a/./b", "a\\b", "-a", "a/.b", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, p string) {
		if got, want := CheckPath(p) == nil, checkPathByRegexp(p); got != want {
			t.Fatalf("CheckPath(%q) accepted = %v, the regexp definition says %v", p, got, want)
		}
	})
}
