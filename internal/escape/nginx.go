package escape

import (
	"fmt"
	"strings"
)

// Nginx quotes a value as one nginx configuration string: double quotes with `\` and `"` escaped, so `;`,
// `{`, `}` and `#` stay literal. nginx has no escape for `$` (it would interpolate a variable) and a control
// character could end the directive, so values holding either are refused.
func Nginx(s string) (string, error) {
	if s == "" {
		return "", fmt.Errorf("empty value cannot be written to an nginx config")
	}
	for _, r := range s {
		if IsLineBreaking(r) {
			return "", fmt.Errorf("value %q holds a control character; nginx configs cannot carry it", s)
		}
		if r == '$' {
			return "", fmt.Errorf("value %q holds '$', which nginx would read as a variable", s)
		}
	}
	return `"` + nginxQuote.Replace(s) + `"`, nil
}

// nginxQuote is built once: a strings.Replacer is costly to construct and safe for concurrent use.
var nginxQuote = strings.NewReplacer(`\`, `\\`, `"`, `\"`)
