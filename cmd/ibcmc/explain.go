package main

import (
	"fmt"
	"strings"

	"github.com/ibcmc/ibcmc/rules"
)

type explainCmd struct {
	Code string `arg:"" optional:"" help:"Rule code, e.g. IB301. Without it, every rule is listed."`
}

func (c *explainCmd) Run(e *env) error {
	if c.Code == "" {
		for _, r := range rules.All() {
			fmt.Fprintf(e.stdout, "%s  %-3s  %-40s %s\n", r.Code, r.Severities, r.Name, r.Summary)
		}
		return nil
	}
	r := rules.Lookup(strings.ToUpper(c.Code))
	if r == nil {
		return &exitError{code: exitUsage, msg: fmt.Sprintf("no rule %q; `ibcmc explain` lists them", c.Code)}
	}
	source := r.Source
	if source == "" {
		source = "ibcmc's own check (no Microsoft document states it)"
	}
	fmt.Fprintf(e.stdout, "%s %s (%s)\n\n%s\n\n%s\n\nSource: %s\n", r.Code, r.Name, severityWords(r.Severities), r.Summary, r.Explain, source)
	return nil
}

func severityWords(s string) string {
	words := map[string]string{"E": "error", "W": "warning", "I": "info", "—": "retired: never reported"}
	parts := strings.Split(s, "/")
	for i, p := range parts {
		parts[i] = words[p]
	}
	return strings.Join(parts, " or ")
}
