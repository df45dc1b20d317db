package escape

import "strings"

// CSVField writes one RFC 4180 field. The field is quoted when it holds a comma, quote or space at either
// end, with quotes doubled. Control characters (line breaks among them) become spaces so every record is
// one line. A cell that a spreadsheet would run as a formula (it starts with =, +, -, @, or with tabs,
// carriage returns or spaces before one) gets a leading apostrophe, the OWASP "CSV injection" defence.
func CSVField(s string) string {
	s = OneLine(s)
	if t := strings.TrimLeft(s, " "); t != "" && strings.ContainsRune("=+-@", rune(t[0])) {
		s = "'" + s
	}
	if strings.ContainsAny(s, `",`) || strings.TrimSpace(s) != s {
		return `"` + strings.ReplaceAll(s, `"`, `""`) + `"`
	}
	return s
}

// CSVRecord writes one record with CRLF, the line ending RFC 4180 prescribes.
func CSVRecord(fields ...string) string {
	out := make([]string, len(fields))
	for i, f := range fields {
		out[i] = CSVField(f)
	}
	return strings.Join(out, ",") + "\r\n"
}
