package escape

import "strings"

// CSVField writes one RFC 4180 field. The field is quoted when it holds a comma, a semicolon (the list
// separator spreadsheets use in many locales, where an unquoted `a;=1+2` becomes two cells and a formula),
// a quote or a space at either end, with quotes doubled. Control characters (line breaks among them) become spaces so every record is
// one line. A cell that a spreadsheet would run as a formula (it starts with =, +, -, @, or with tabs,
// carriage returns or spaces before one) gets a leading apostrophe, the OWASP "CSV injection" defence.
func CSVField(s string) string {
	return string(AppendCSVField(nil, s))
}

// AppendCSVField appends CSVField(s) to dst.
func AppendCSVField(dst []byte, s string) []byte {
	s = OneLine(s)
	if t := strings.TrimLeft(s, " "); t != "" && strings.ContainsRune("=+-@", rune(t[0])) {
		s = "'" + s
	}
	if !strings.ContainsAny(s, `",;`) && strings.TrimSpace(s) == s {
		return append(dst, s...)
	}
	dst = append(dst, '"')
	for {
		i := strings.IndexByte(s, '"')
		if i < 0 {
			break
		}
		dst = append(dst, s[:i+1]...)
		dst = append(dst, '"') // doubled
		s = s[i+1:]
	}
	dst = append(dst, s...)
	return append(dst, '"')
}

// CSVRecord writes one record with CRLF, the line ending RFC 4180 prescribes.
func CSVRecord(fields ...string) string {
	return string(AppendCSVRecord(nil, fields...))
}

// AppendCSVRecord appends CSVRecord(fields...) to dst.
func AppendCSVRecord(dst []byte, fields ...string) []byte {
	for i, f := range fields {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = AppendCSVField(dst, f)
	}
	return append(dst, "\r\n"...)
}
