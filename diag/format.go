package diag

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
)

// WriteText prints one line per diagnostic, then an indented hint, as spec/outputs.md shows.
func WriteText(w io.Writer, l List) error {
	var b strings.Builder
	for _, d := range l {
		fmt.Fprintf(&b, "%s: %s %s %s: ", d.Pos, d.Severity, d.Code, d.Name)
		if d.Path != "" {
			fmt.Fprintf(&b, "%s: ", d.Path)
		}
		b.WriteString(oneLine(d.Message))
		b.WriteByte('\n')
		if d.Hint != "" {
			fmt.Fprintf(&b, "    hint: %s\n", oneLine(d.Hint))
		}
	}
	errs, warns := l.Count()
	if len(l) > 0 {
		fmt.Fprintf(&b, "%d error(s), %d warning(s)\n", errs, warns)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// oneLine keeps a diagnostic on its line whatever a design value holds.
func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

type jsonReport struct {
	Diagnostics List `json:"diagnostics"`
	Errors      int  `json:"errors"`
	Warnings    int  `json:"warnings"`
}

// WriteJSON writes one JSON object: the diagnostics and the error and warning counts.
func WriteJSON(w io.Writer, l List) error {
	if l == nil {
		l = List{}
	}
	errs, warns := l.Count()
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(jsonReport{Diagnostics: l, Errors: errs, Warnings: warns})
}
