package review

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/ibcmc/ibcmc/internal/escape"
)

// groups answer the three review questions; each lists the entity kinds it covers, in Kinds order.
var groups = []struct {
	title string
	kinds []string
}{
	{"What breaks: findings", []string{"finding"}},
	{"What opens: flows, internet endpoints and proxy routes", []string{"flow", "endpoint", "proxy-route"}},
	{"What clients and PKI must change: install lines and certificate requests", []string{"install", "certificate"}},
}

// MaxMarkdown is the most characters WriteMarkdown writes: a GitHub comment holds 65,536, and the rest is
// room for what a workflow puts around it.
const MaxMarkdown = 60000

func summaryLine(r *Result) string {
	add, change, remove := r.Counts()
	return fmt.Sprintf("%d to add, %d to change, %d to remove.", add, change, remove)
}

// kindCount is how many entities of one kind are added, changed and removed.
type kindCount struct {
	kind                entityKind
	add, change, remove int
}

func (c kindCount) total() int { return c.add + c.change + c.remove }

func (c kindCount) String() string {
	var parts []string
	for _, p := range []struct {
		n    int
		verb string
	}{{c.add, "to add"}, {c.change, "to change"}, {c.remove, "to remove"}} {
		if p.n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", p.n, p.verb))
		}
	}
	return strings.Join(parts, ", ")
}

// countKinds counts the changes of each kind that has any, in Kinds order.
func countKinds(r *Result) []kindCount {
	byName := map[string]*kindCount{}
	var order []string
	for _, e := range r.Entities {
		c := byName[e.Kind]
		if c == nil {
			c = &kindCount{kind: kindOf(e.Kind)}
			byName[e.Kind] = c
			order = append(order, e.Kind)
		}
		switch e.Action {
		case Add:
			c.add++
		case Change:
			c.change++
		case Remove:
			c.remove++
		}
	}
	var out []kindCount
	for _, k := range kinds {
		if c := byName[k.Name]; c != nil {
			out = append(out, *c)
			delete(byName, k.Name)
		}
	}
	for _, name := range order { // a kind the renderer does not know still shows
		if c := byName[name]; c != nil {
			out = append(out, *c)
		}
	}
	return out
}

// changeText is one attribute change in words: "SMSSITECODE=FAB → SMSSITECODE=FAC", "ports: 443 → 8443",
// "to addresses: added 10.0.0.7; removed 10.0.0.6". In Markdown values are code spans and lists longer
// than maxItems are cut; in text nothing is cut.
func changeText(c FieldChange, markdown bool, maxItems int) string {
	quote, name := escape.OneLine, escape.OneLine(c.Name)
	if markdown {
		quote, name = escape.MarkdownCode, escape.Markdown(c.Name)
	} else {
		maxItems = 0
	}
	if c.single {
		return name + ": " + valueOrNone(joinItems(c.Removed), quote) + " → " + valueOrNone(joinItems(c.Added), quote)
	}
	if len(c.Added)+len(c.Removed) > 0 {
		var parts []string
		if len(c.Added) > 0 {
			parts = append(parts, "added "+itemsText(c.Added, quote, maxItems))
		}
		if len(c.Removed) > 0 {
			parts = append(parts, "removed "+itemsText(c.Removed, quote, maxItems))
		}
		return name + ": " + strings.Join(parts, "; ")
	}
	if c.literal {
		switch {
		case c.Before == "":
			return "added " + quote(c.After)
		case c.After == "":
			return "removed " + quote(c.Before)
		}
		return quote(c.Before) + " → " + quote(c.After)
	}
	return name + ": " + valueOrNone(c.Before, quote) + " → " + valueOrNone(c.After, quote)
}

func valueOrNone(v string, quote func(string) string) string {
	if v == "" {
		return "(none)"
	}
	return quote(v)
}

func itemsText(items []string, quote func(string) string, maxItems int) string {
	shown := items
	if maxItems > 0 && len(items) > maxItems {
		shown = items[:maxItems]
	}
	parts := make([]string, len(shown))
	for i, s := range shown {
		parts[i] = quote(s)
	}
	text := strings.Join(parts, ", ")
	if len(shown) < len(items) {
		text += fmt.Sprintf(" and %d more", len(items)-len(shown))
	}
	return text
}

// WriteText renders the result for a terminal: every change, no limit.
func WriteText(w io.Writer, r *Result, withFiles bool) error {
	var b strings.Builder
	fmt.Fprintf(&b, "ibcmc diff %s → %s\n\n", escape.OneLine(r.Old), escape.OneLine(r.New))
	if len(r.Entities) == 0 {
		b.WriteString("No changes: both designs produce the same findings, flows, endpoints, proxy routes, install lines and certificate requests.\n")
	} else {
		fmt.Fprintf(&b, "Summary: %s\n", summaryLine(r))
		for _, c := range countKinds(r) {
			fmt.Fprintf(&b, "  %s: %s\n", c.kind.Title, c)
		}
		b.WriteString("Legend: + add   ~ change   - remove\n")
		for _, g := range groups {
			var lines []string
			for _, e := range r.Entities {
				if !contains(g.kinds, e.Kind) {
					continue
				}
				// IDs and values come from design names and text, which may hold line breaks (a design
				// with errors is still diffed); each stays on its own line.
				lines = append(lines, fmt.Sprintf("  %s %s %s\n      %s\n", e.Action.Symbol(), kindOf(e.Kind).Noun, escape.OneLine(e.ID), escape.OneLine(e.Summary)))
				for _, c := range e.Changes {
					lines = append(lines, "      "+changeText(c, false, 0)+"\n")
				}
			}
			if len(lines) > 0 {
				fmt.Fprintf(&b, "\n%s\n%s", g.title, strings.Join(lines, ""))
			}
		}
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

// markdownItems is how many items of a list change a Markdown cell names before it counts the rest.
const markdownItems = 10

// groupIDs is how many IDs a row of identical changes names before it counts the rest.
const groupIDs = 5

// openRows: a kind with at most this many rows shows expanded; longer ones start folded.
const openRows = 10

// section is one folded part of the Markdown comment: a kind's table, or the changed files.
type section struct {
	head, tail string   // everything around the rows, the "N more" line excluded
	rows       []string // in order
	counts     []int    // how many changes each row stands for
	noun       string   // for the "N more" line
	where      string   // the "N more" line's pointer to the full list
	shown      int      // rows that fit
}

func (s *section) size() int {
	n := 0
	for _, r := range s.rows {
		n += len(r)
	}
	return n
}

func (s *section) frame() int { return len(s.head) + len(s.tail) + len(s.moreLine(s.total())) }

func (s *section) total() int {
	n := 0
	for _, c := range s.counts {
		n += c
	}
	return n
}

// moreLine says how many changes were cut, and where to see them all.
func (s *section) moreLine(n int) string {
	if n == 0 {
		return ""
	}
	return fmt.Sprintf("\n**%d more %s not shown** to keep this comment within GitHub's size limit: %s.\n", n, s.noun, s.where)
}

func (s *section) String() string {
	var b strings.Builder
	b.WriteString(s.head)
	cut := 0
	for i, r := range s.rows {
		if i < s.shown {
			b.WriteString(r)
		} else {
			cut += s.counts[i]
		}
	}
	b.WriteString(s.moreLine(cut))
	b.WriteString(s.tail)
	return b.String()
}

// WriteMarkdown renders the result as a pull-request comment of at most MaxMarkdown characters: the counts
// first, then each kind folded in <details>, identical changes of many entities on one row, and a line
// saying how many changes did not fit.
func WriteMarkdown(w io.Writer, r *Result, withFiles bool) error {
	var head strings.Builder
	fmt.Fprintf(&head, "## ibcmc diff: %s → %s\n\n", escape.MarkdownCode(r.Old), escape.MarkdownCode(r.New))
	if len(r.Entities) == 0 {
		head.WriteString("No changes to findings, flows, internet endpoints, proxy routes, install lines or certificate requests.\n")
	} else {
		fmt.Fprintf(&head, "**%s**\n\n| | to add | to change | to remove |\n|---|--:|--:|--:|\n", summaryLine(r))
		for _, c := range countKinds(r) {
			fmt.Fprintf(&head, "| %s | %d | %d | %d |\n", c.kind.Title, c.add, c.change, c.remove)
		}
		head.WriteString("\nIn the tables below, `+` is added, `~` changed and `-` removed.\n")
	}
	var sections []*section
	for _, c := range countKinds(r) {
		sections = append(sections, kindSection(r, c, groupTitle(c.kind.Name, r)))
	}
	if withFiles && len(r.Files) > 0 {
		sections = append(sections, filesSection(r.Files))
	}
	fit(sections, MaxMarkdown-len(head.String()))
	var b strings.Builder
	b.WriteString(head.String())
	for _, s := range sections {
		b.WriteString(s.String())
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// groupTitle is the heading of a kind's review question when the kind is the first of its group shown.
func groupTitle(kind string, r *Result) string {
	for _, g := range groups {
		if !contains(g.kinds, kind) {
			continue
		}
		for _, k := range g.kinds {
			if k == kind {
				return g.title
			}
			for _, e := range r.Entities {
				if e.Kind == k {
					return "" // an earlier kind of the group already carries the heading
				}
			}
		}
	}
	return ""
}

func kindSection(r *Result, c kindCount, title string) *section {
	s := &section{noun: c.kind.Plural, where: "`ibcmc diff` with `--format text` or `--format json` lists every change"}
	// Changed entities whose attribute changes read the same (the site code in every install line) share
	// one row; additions and removals each have their own.
	type row struct {
		action  Action
		ids     []string
		summary string
		changes string
	}
	var rows []*row
	same := map[string]*row{}
	for _, e := range r.Entities {
		if e.Kind != c.kind.Name {
			continue
		}
		if e.Action != Change {
			rows = append(rows, &row{action: e.Action, ids: []string{e.ID}, summary: e.Summary})
			continue
		}
		parts := make([]string, len(e.Changes))
		for i, ch := range e.Changes {
			parts[i] = changeText(ch, true, markdownItems)
		}
		text := strings.Join(parts, "<br>")
		if g := same[text]; g != nil {
			g.ids = append(g.ids, e.ID)
			continue
		}
		g := &row{action: Change, ids: []string{e.ID}, summary: e.Summary, changes: text}
		same[text] = g
		rows = append(rows, g)
	}
	for _, g := range rows {
		ids := make([]string, 0, groupIDs)
		for i, id := range g.ids {
			if i == groupIDs {
				break
			}
			ids = append(ids, escape.MarkdownCode(id))
		}
		idCell := strings.Join(ids, ", ")
		if len(g.ids) > groupIDs {
			idCell += fmt.Sprintf(" and %d more", len(g.ids)-groupIDs)
		}
		detail := g.changes
		if len(g.ids) == 1 {
			// One entity: its summary line first (for a change, as it reads after the change).
			detail = escape.Markdown(g.summary)
			if g.changes != "" {
				detail += "<br>" + g.changes
			}
		} else {
			detail = fmt.Sprintf("%d %s: %s", len(g.ids), c.kind.Plural, detail)
		}
		s.rows = append(s.rows, fmt.Sprintf("| `%s` | %s | %s |\n", g.action.Symbol(), idCell, detail))
		s.counts = append(s.counts, len(g.ids))
	}
	open := ""
	if len(rows) <= openRows {
		open = " open"
	}
	var head strings.Builder
	if title != "" {
		fmt.Fprintf(&head, "\n### %s\n", title)
	}
	fmt.Fprintf(&head, "\n<details%s><summary><b>%s</b>: %s</summary>\n\n| | %s | Change |\n|---|---|---|\n", open, c.kind.Title, c, c.kind.IDHeader)
	s.head = head.String()
	s.tail = "\n</details>\n"
	return s
}

func filesSection(files []FileChange) *section {
	s := &section{noun: "changed files", where: "`ibcmc diff --files` with `--format text` shows every file"}
	s.head = fmt.Sprintf("\n<details><summary><b>Changed files</b>: %d</summary>\n\n", len(files))
	s.tail = "</details>\n"
	for _, f := range files {
		fence := "```"
		for strings.Contains(f.Diff, fence) {
			fence += "`"
		}
		s.rows = append(s.rows, fmt.Sprintf("%s\n\n%sdiff\n%s%s\n\n", escape.MarkdownCode(f.Path), fence, f.Diff, fence))
		s.counts = append(s.counts, 1)
	}
	return s
}

// fit decides how many rows of each section are shown within budget characters. Every section's frame
// (its heading, table head and a "N more" line) is always shown; the room left is shared fairly, so one
// large kind cannot crowd out the others: the smallest sections get all their rows, the rest split what
// remains equally. Rows stay in order; room a section leaves unused goes to the next that can use it.
func fit(sections []*section, budget int) {
	room := budget
	for _, s := range sections {
		room -= s.frame()
	}
	if room < 0 {
		room = 0
	}
	share := make([]int, len(sections))
	order := make([]int, len(sections))
	for i := range order {
		order[i] = i
	}
	// Water-filling: sections in ascending size each take min(size, an equal part of what is left).
	for i := 1; i < len(order); i++ {
		for j := i; j > 0 && sections[order[j]].size() < sections[order[j-1]].size(); j-- {
			order[j], order[j-1] = order[j-1], order[j]
		}
	}
	left := room
	for n, i := range order {
		share[i] = min(sections[i].size(), left/(len(order)-n))
		left -= share[i]
	}
	used := 0
	for i, s := range sections {
		taken := 0
		for s.shown < len(s.rows) && taken+len(s.rows[s.shown]) <= share[i] {
			taken += len(s.rows[s.shown])
			s.shown++
		}
		used += taken
	}
	// Second pass: what the first left unused (a row larger than its section's share) continues each
	// section in order while the next row fits.
	left = room - used
	for _, s := range sections {
		for s.shown < len(s.rows) && len(s.rows[s.shown]) <= left {
			left -= len(s.rows[s.shown])
			s.shown++
		}
	}
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
