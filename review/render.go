package review

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/ibcmc/ibcmc/internal/escape"
)

// groups answer the three review questions; each lists the entity kinds it covers.
var groups = []struct {
	title string
	kinds []string
}{
	{"What breaks: findings", []string{"finding"}},
	{"What opens: flows, internet endpoints and proxy routes", []string{"flow", "endpoint", "proxy-route"}},
	{"What clients and PKI must change: install lines and certificate requests", []string{"install", "certificate"}},
}

func summaryLine(r *Result) string {
	add, change, remove := r.Counts()
	return fmt.Sprintf("%d to add, %d to change, %d to remove.", add, change, remove)
}

func legend(r *Result) string {
	present := map[Action]bool{}
	for _, e := range r.Entities {
		present[e.Action] = true
	}
	var parts []string
	for _, a := range []Action{Add, Change, Remove} {
		if present[a] {
			parts = append(parts, a.Symbol()+" "+string(a))
		}
	}
	return strings.Join(parts, "   ")
}

// WriteText renders the result for a terminal.
func WriteText(w io.Writer, r *Result, withFiles bool) error {
	var b strings.Builder
	fmt.Fprintf(&b, "ibcmc diff %s → %s\n\n", r.Old, r.New)
	if len(r.Entities) == 0 {
		b.WriteString("No changes: both designs produce the same findings, flows, endpoints, certificates, install lines and proxy routes.\n")
	} else {
		fmt.Fprintf(&b, "Legend: %s\n", legend(r))
		for _, g := range groups {
			var lines []string
			for _, e := range r.Entities {
				if !contains(g.kinds, e.Kind) {
					continue
				}
				// IDs and values come from design names and text, which may hold line breaks (a design
				// with errors is still diffed); each stays on its own line.
				lines = append(lines, fmt.Sprintf("  %s %s %s\n      %s\n", e.Action.Symbol(), e.Kind, escape.OneLine(e.ID), oneLine(e.Summary)))
				for _, c := range e.Changes {
					lines = append(lines, fmt.Sprintf("      %s: %s → %s\n", escape.OneLine(c.Name), escape.OneLine(orNone(c.Before)), escape.OneLine(orNone(c.After))))
				}
			}
			if len(lines) > 0 {
				fmt.Fprintf(&b, "\n%s\n%s", g.title, strings.Join(lines, ""))
			}
		}
		fmt.Fprintf(&b, "\nSummary: %s\n", summaryLine(r))
	}
	if withFiles && len(r.Files) > 0 {
		b.WriteString("\nChanged files:\n")
		for _, f := range r.Files {
			b.WriteString("\n" + f.Diff)
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// WriteMarkdown renders the result as a pull-request comment.
func WriteMarkdown(w io.Writer, r *Result, withFiles bool) error {
	var b strings.Builder
	fmt.Fprintf(&b, "## ibcmc diff: %s → %s\n\n", escape.MarkdownCode(r.Old), escape.MarkdownCode(r.New))
	if len(r.Entities) == 0 {
		b.WriteString("No changes to findings, flows, endpoints, certificates, install lines or proxy routes.\n")
	} else {
		fmt.Fprintf(&b, "**%s** Legend: %s\n", summaryLine(r), escape.MarkdownCode(legend(r)))
		for _, g := range groups {
			var rows []string
			for _, e := range r.Entities {
				if !contains(g.kinds, e.Kind) {
					continue
				}
				detail := escape.Markdown(e.Summary)
				for _, c := range e.Changes {
					detail += "<br>" + escape.Markdown(c.Name) + ": " + escape.MarkdownCode(orNone(c.Before)) + " → " + escape.MarkdownCode(orNone(c.After))
				}
				rows = append(rows, fmt.Sprintf("| %s | %s | %s | %s |", escape.MarkdownCode(e.Action.Symbol()), escape.Markdown(e.Kind), escape.MarkdownCode(e.ID), detail))
			}
			if len(rows) > 0 {
				fmt.Fprintf(&b, "\n### %s\n\n| | Kind | ID | Detail |\n|---|---|---|---|\n%s\n", g.title, strings.Join(rows, "\n"))
			}
		}
	}
	if withFiles && len(r.Files) > 0 {
		fmt.Fprintf(&b, "\n<details><summary>%d changed file(s)</summary>\n\n", len(r.Files))
		for _, f := range r.Files {
			fence := "```"
			for strings.Contains(f.Diff, fence) {
				fence += "`"
			}
			fmt.Fprintf(&b, "%s\n\n%sdiff\n%s%s\n\n", escape.MarkdownCode(f.Path), fence, f.Diff, fence)
		}
		b.WriteString("</details>\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// WriteJSON renders the result as one JSON object.
func WriteJSON(w io.Writer, r *Result) error {
	add, change, remove := r.Counts()
	out := struct {
		*Result
		Summary struct {
			Add    int `json:"add"`
			Change int `json:"change"`
			Remove int `json:"remove"`
		} `json:"summary"`
	}{Result: r}
	if out.Entities == nil {
		out.Entities = []EntityChange{}
	}
	out.Summary.Add, out.Summary.Change, out.Summary.Remove = add, change, remove
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }
