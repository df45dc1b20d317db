package probe

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/ibcmc/ibcmc/internal/escape"
)

// Summary is the one-line verdict.
func (r *Report) Summary() string {
	return fmt.Sprintf("%d endpoint(s) from the %s: %d check(s) passed, %d failed, %d skipped", len(r.Endpoints), r.From, r.Passed, r.Failed, r.Skipped)
}

// WriteText writes one line per check, grouped by endpoint, with what to fix under each failure. Every
// value from the design or the network is made one line.
func (r *Report) WriteText(w io.Writer) error {
	var b strings.Builder
	for _, e := range r.Endpoints {
		fmt.Fprintf(&b, "%s  %s via %s (%s)\n", escape.OneLine(e.Endpoint), e.Protocol, escape.OneLine(e.Via), escape.OneLine(strings.Join(e.Roles, ", ")))
		for _, c := range e.Checks {
			fmt.Fprintf(&b, "  %-7s  %-11s  %s\n", c.Status, c.Check, escape.OneLine(c.Detail))
			if c.Status == Fail {
				fmt.Fprintf(&b, "           fix: %s\n", escape.OneLine(c.Fix))
				if c.Field != "" {
					fmt.Fprintf(&b, "           at: %s\n", escape.OneLine(c.Field))
				}
			}
		}
	}
	b.WriteString(r.Summary() + "\n")
	_, err := io.WriteString(w, b.String())
	return err
}

// WriteJSON writes the report as one JSON object.
func (r *Report) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

// WriteMarkdown writes a table per endpoint, to paste into a change record or pull request.
func (r *Report) WriteMarkdown(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "## ibcmc probe from the %s\n\n%s\n", r.From, r.Summary())
	for _, e := range r.Endpoints {
		fmt.Fprintf(&b, "\n### %s\n\n%s via %s (%s)\n\n| check | status | detail | fix | design field |\n|---|---|---|---|---|\n",
			escape.MarkdownCode(e.Endpoint), e.Protocol, escape.Markdown(e.Via), escape.Markdown(strings.Join(e.Roles, ", ")))
		for _, c := range e.Checks {
			status := c.Status
			if status == Fail {
				status = "**fail**"
			}
			field := ""
			if c.Field != "" {
				field = escape.MarkdownCode(c.Field)
			}
			fmt.Fprintf(&b, "| %s | %s | %s | %s | %s |\n", c.Check, status, escape.Markdown(c.Detail), escape.Markdown(c.Fix), field)
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}
