package diag

import (
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// WriteText prints one line per diagnostic, then indented lines: a note when the design does not write the
// finding's field, the hint and, for an accepted finding, the waiver.
func WriteText(w io.Writer, l List) error {
	var b strings.Builder
	for _, d := range l {
		fmt.Fprintf(&b, "%s: %s %s %s: ", d.Pos, d.Severity, d.Code, d.Name)
		if d.Path != "" {
			fmt.Fprintf(&b, "%s: ", d.Path)
		}
		b.WriteString(oneLine(d.Message))
		b.WriteByte('\n')
		if n := d.Note(); n != "" {
			fmt.Fprintf(&b, "    note: %s\n", oneLine(n))
		}
		if d.Hint != "" {
			fmt.Fprintf(&b, "    hint: %s\n", oneLine(d.Hint))
		}
		if d.Waived != nil {
			fmt.Fprintf(&b, "    waived: %s\n", oneLine(d.Waived.String()))
		}
	}
	if len(l) > 0 {
		b.WriteString(Summary(l))
		b.WriteByte('\n')
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// Summary counts what fails a build: "1 error(s), 2 warning(s)", and the accepted findings when there are
// any, which the counts leave out.
func Summary(l List) string {
	errs, warns := l.Count()
	s := fmt.Sprintf("%d error(s), %d warning(s)", errs, warns)
	if n := l.Waived(); n > 0 {
		s += fmt.Sprintf(", %d waived", n)
	}
	return s
}

// oneLine keeps a diagnostic on its line whatever a design value holds.
func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

// sentence is s on one line, ending with a full stop unless it already ends a sentence.
func sentence(s string) string {
	s = oneLine(s)
	if s == "" || strings.HasSuffix(s, ".") || strings.HasSuffix(s, "!") || strings.HasSuffix(s, "?") {
		return s
	}
	return s + "."
}

// Text is a finding's message, note and hint as separate sentences on one line, for outputs that have a
// single text field (SARIF, GitHub annotations, the report): "… one supports 4,000. Fix: add
// internet-facing …", "… is not domain-joined. Note: systems.dp1.forest is not written in the design and
// has no default. Fix: join …".
func Text(d Diagnostic) string {
	s := sentence(d.Message)
	if n := d.Note(); n != "" {
		s += " Note: " + sentence(n)
	}
	if d.Hint != "" {
		s += " Fix: " + sentence(d.Hint)
	}
	return s
}

type jsonReport struct {
	Diagnostics List `json:"diagnostics"`
	Errors      int  `json:"errors"`
	Warnings    int  `json:"warnings"`
	Waived      int  `json:"waived"`
}

// WriteJSON writes one JSON object: the diagnostics and the counts of errors and warnings (waived findings
// left out) and of waived findings.
func WriteJSON(w io.Writer, l List) error {
	if l == nil {
		l = List{}
	}
	errs, warns := l.Count()
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(jsonReport{Diagnostics: l, Errors: errs, Warnings: warns, Waived: l.Waived()})
}

// WriteGitHub writes one GitHub Actions workflow command per finding, which the runner turns into an
// annotation on the design file: errors as ::error, warnings as ::warning, infos and waived findings as
// ::notice. File names are made relative to root (the repository root, where GitHub resolves them) by
// files; a finding without a file is annotated on the run.
func WriteGitHub(w io.Writer, l List, files *FileNames) error {
	var b strings.Builder
	for _, d := range l {
		level := "notice"
		switch {
		case d.Waived != nil:
		case d.Severity == Error:
			level = "error"
		case d.Severity == Warning:
			level = "warning"
		}
		var props []string
		if d.Pos.IsValid() {
			name, _ := files.Relative(d.Pos.File)
			props = append(props, "file="+escapeProperty(name))
			if d.Pos.Line > 0 {
				props = append(props, "line="+strconv.Itoa(d.Pos.Line))
				if d.Pos.Column > 0 {
					props = append(props, "col="+strconv.Itoa(d.Pos.Column))
				}
			}
		}
		title := d.Code + " " + d.Name
		if d.Waived != nil {
			title += " (waived)"
		}
		props = append(props, "title="+escapeProperty(title))
		msg := Text(d)
		if d.Path != "" {
			msg = oneLine(d.Path) + ": " + msg
		}
		if d.Waived != nil {
			msg += " Waived: " + sentence(d.Waived.String())
		}
		fmt.Fprintf(&b, "::%s %s::%s\n", level, strings.Join(props, ","), escapeData(msg))
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// escapeData escapes a workflow command's message the way the Actions runner unescapes it.
func escapeData(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A").Replace(s)
}

// escapeProperty escapes a workflow command property value: as data, and ':' and ',' which end a value.
func escapeProperty(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A", ":", "%3A", ",", "%2C").Replace(s)
}
