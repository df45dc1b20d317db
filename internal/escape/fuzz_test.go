package escape

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"unicode/utf8"
)

// The fuzz targets read every quoted value back the way its consumer would (a small reader per format,
// written here from the format's rules) and require the original value: a value that is not refused comes
// back whole, as one token, and cannot end its quotes early or add a line.

// hostileSeeds are values that have broken quoting in other tools, plus the examples' ordinary values.
var hostileSeeds = []string{
	"", " ", `D:\Client`, `D:\Config Mgr\Client`, `\\fs01\R&D`, `C:\Program Files (x86)\x`, `D:\`, `D:\My Client\`,
	"100%", "%PATH%", "%~dp0", "%%", "a^", "a^^", "^", `x" & calc & "`, "a\r\nb", "a\x00b", "a\u2028b", "a\u0085b",
	"CN=Contoso Root CA, O=Contoso, C=US", "cm01.contoso.com", "*.contoso.com", "$host", "a;b{c}#d", `a\"b`,
	"it's", "it\u2019s", "=1+2", "-cmd|' /C calc'!A0", " @x", "`code`", "a|b", "<script>", "[x](y)", "ABC\u00e9\U0001F600",
	strings.Repeat("é", 70), "x\nIBCMC-INJECTED", `\`, `"`, "'", "a\tb", "\xff\xfe",
}

func addSeeds(f *testing.F) {
	for _, s := range hostileSeeds {
		f.Add(s)
	}
}

// cmdPercent applies cmd.exe's first batch-file phase to a line whose every % is meant literally: "%%" is
// one "%", and any other "%" would start a variable expansion, which is an error here.
func cmdPercent(line string) (string, error) {
	var b strings.Builder
	for i := 0; i < len(line); i++ {
		if line[i] != '%' {
			b.WriteByte(line[i])
			continue
		}
		if i+1 < len(line) && line[i+1] == '%' {
			b.WriteByte('%')
			i++
			continue
		}
		return "", fmt.Errorf("lone %% at byte %d would expand a variable", i)
	}
	return b.String(), nil
}

// cmdUnquoted applies cmd.exe's second phase to an expanded line: outside double quotes, & | < > ( ) act as operators and ^
// escapes the next character. Every one of them is an error here (the values are arguments, never
// syntax); the line, with no character consumed, is what the program receives.
func cmdUnquoted(line string) error {
	quoted := false
	for i, r := range line {
		if IsLineBreaking(r) {
			return fmt.Errorf("control character %q at byte %d ends the command", r, i)
		}
		switch {
		case r == '"':
			quoted = !quoted
		case !quoted && strings.ContainsRune("&|<>^()", r):
			return fmt.Errorf("unquoted %q at byte %d", r, i)
		}
	}
	return nil
}

// argv splits a command line as the Microsoft C runtime does (CommandLineToArgvW rules): whitespace
// outside quotes separates arguments, a quote toggles quoting and is dropped, 2n backslashes before a
// quote are n backslashes and the quote toggles, 2n+1 backslashes before a quote are n backslashes and a
// literal quote, and other backslashes are literal.
func argv(line string) []string {
	var args []string
	var cur strings.Builder
	inArg, quoted := false, false
	for i := 0; i < len(line); {
		c := line[i]
		switch {
		case c == '\\':
			n := 0
			for i < len(line) && line[i] == '\\' {
				n++
				i++
			}
			inArg = true
			if i < len(line) && line[i] == '"' {
				cur.WriteString(strings.Repeat(`\`, n/2))
				if n%2 == 1 {
					cur.WriteByte('"')
					i++
				}
				continue
			}
			cur.WriteString(strings.Repeat(`\`, n))
		case c == '"':
			inArg = true
			if quoted && i+1 < len(line) && line[i+1] == '"' {
				// Inside quotes, "" is a literal quote (post-2008 runtime behaviour).
				cur.WriteByte('"')
				i += 2
				continue
			}
			quoted = !quoted
			i++
		case (c == ' ' || c == '\t') && !quoted:
			if inArg {
				args = append(args, cur.String())
				cur.Reset()
				inArg = false
			}
			i++
		default:
			inArg = true
			cur.WriteByte(c)
			i++
		}
	}
	if inArg {
		args = append(args, cur.String())
	}
	return args
}

// cmdRefusable reports why CmdArg may refuse v; "" when it must not.
func cmdRefusable(v string) string {
	for _, r := range v {
		if IsLineBreaking(r) {
			return "control character"
		}
		if r == '"' {
			return "double quote"
		}
	}
	if strings.ContainsAny(v, CmdQuoteTrigger) && strings.HasSuffix(v, `\`) {
		return "quoted value ending in a backslash"
	}
	return ""
}

// checkCmdLine runs a batch line through both cmd.exe phases and the argument splitter and requires the
// arguments want.
func checkCmdLine(t *testing.T, line string, want []string) {
	t.Helper()
	expanded, err := cmdPercent(line)
	if err != nil {
		t.Fatalf("batch line %q: %v", line, err)
	}
	if err := cmdUnquoted(expanded); err != nil {
		t.Fatalf("batch line %q: %v", line, err)
	}
	got := argv(expanded)
	if strings.Join(got, "\x00") != strings.Join(want, "\x00") || len(got) != len(want) {
		t.Fatalf("batch line %q runs with arguments %q, want %q", line, got, want)
	}
}

func FuzzCmd(f *testing.F) {
	addSeeds(f)
	f.Fuzz(func(t *testing.T, v string) {
		why := cmdRefusable(v)
		out, err := CmdArg(v)
		if err != nil {
			if why == "" {
				t.Fatalf("CmdArg(%q) refused a value it can carry: %v", v, err)
			}
		} else {
			if why != "" {
				t.Fatalf("CmdArg(%q) = %q, but the value holds a %s", v, out, why)
			}
			// The value as ccmsetup sees it: /source:<value> between two other arguments.
			checkCmdLine(t, "ccmsetup.exe /source:"+out+" /mp:cm01", []string{"ccmsetup.exe", "/source:" + v, "/mp:cm01"})
		}

		nested, err := CmdNestedArg(v)
		if (err != nil) != (why != "") {
			t.Fatalf("CmdNestedArg(%q) = %q, %v; refusal reason %q", v, nested, err, why)
		}
		if err == nil {
			// Inside CCMSETUPCMD="…": cmd.exe sees the whole line, Windows Installer turns "" into ", and
			// ccmsetup splits the property value into arguments.
			line := `client.msi CCMSETUPCMD="/source:` + nested + ` /mp:cm01"`
			expanded, err := cmdPercent(line)
			if err != nil {
				t.Fatalf("batch line %q: %v", line, err)
			}
			if err := cmdUnquoted(expanded); err != nil {
				t.Fatalf("batch line %q: %v", line, err)
			}
			prop, ok := strings.CutPrefix(expanded, `client.msi CCMSETUPCMD="`)
			prop, ok2 := strings.CutSuffix(prop, `"`)
			if !ok || !ok2 {
				t.Fatalf("batch line %q lost its property", line)
			}
			if strings.Contains(strings.ReplaceAll(prop, `""`, ""), `"`) {
				t.Fatalf("CCMSETUPCMD value %q holds a single quote that ends the property early", prop)
			}
			prop = strings.ReplaceAll(prop, `""`, `"`)
			if got, want := argv(prop), []string{"/source:" + v, "/mp:cm01"}; strings.Join(got, "\x00") != strings.Join(want, "\x00") {
				t.Fatalf("CCMSETUPCMD %q runs ccmsetup with %q, want %q", prop, got, want)
			}
		}

		// A REM comment stays one line, expands to the text it was given, and cannot continue onto the
		// next line with a trailing caret.
		line := "REM " + CmdComment(v)
		if strings.IndexFunc(line, IsLineBreaking) >= 0 {
			t.Fatalf("comment %q holds a control character", line)
		}
		expanded, err := cmdPercent(line)
		if err != nil {
			t.Fatalf("comment %q: %v", line, err)
		}
		if carets := len(expanded) - len(strings.TrimRight(expanded, "^")); carets%2 == 1 {
			t.Fatalf("comment %q ends in an odd run of carets and continues onto the next line", line)
		}
		if body := strings.TrimPrefix(expanded, "REM "); strings.TrimSuffix(body, "^") != OneLine(v) && body != OneLine(v) {
			t.Fatalf("comment of %q expands to %q", v, body)
		}
	})
}

// Readers, one per format, that return the value a consumer reads from a quoted token and fail on
// anything that would end the token early.

// readINF reads an INF quoted value: "…" with "" for a quote and %% for a percent sign.
func readINF(s string) (string, error) {
	body, ok := unwrap(s, `"`)
	if !ok {
		return "", errors.New("not in double quotes")
	}
	var b strings.Builder
	for i := 0; i < len(body); i++ {
		c := body[i]
		if c == '"' || c == '%' {
			if i+1 >= len(body) || body[i+1] != c {
				return "", fmt.Errorf("lone %q at byte %d", c, i)
			}
			i++
		}
		b.WriteByte(c)
	}
	return b.String(), nil
}

// readNginx reads an nginx double-quoted string as ngx_conf_read_token does: \" \' \\ are the character,
// \t \r \n are control characters, other backslashes are literal; an unescaped quote ends the string.
func readNginx(s string) (string, error) {
	body, ok := unwrap(s, `"`)
	if !ok {
		return "", errors.New("not in double quotes")
	}
	var b strings.Builder
	for i := 0; i < len(body); i++ {
		c := body[i]
		switch {
		case c == '"':
			return "", fmt.Errorf("unescaped quote at byte %d ends the string", i)
		case c == '\\' && i+1 < len(body):
			switch n := body[i+1]; n {
			case '"', '\'', '\\':
				b.WriteByte(n)
				i++
				continue
			case 't', 'r', 'n':
				b.WriteByte(map[byte]byte{'t': '\t', 'r': '\r', 'n': '\n'}[n])
				i++
				continue
			}
			b.WriteByte(c)
		case c == '\\':
			return "", errors.New("trailing backslash escapes the closing quote")
		default:
			b.WriteByte(c)
		}
	}
	return b.String(), nil
}

// readOpenSSL reads an OpenSSL config value: quoted with \ escapes, or plain (no #, $, \, quotes, and no
// surrounding spaces, which OpenSSL would trim).
func readOpenSSL(s string) (string, error) {
	if !strings.HasPrefix(s, `"`) {
		for _, r := range s {
			if !opensslPlain(r) {
				return "", fmt.Errorf("unquoted %q", r)
			}
		}
		if strings.TrimSpace(s) != s {
			return "", errors.New("unquoted surrounding spaces")
		}
		return s, nil
	}
	body, ok := unwrap(s, `"`)
	if !ok {
		return "", errors.New("unterminated quote")
	}
	var b strings.Builder
	for i := 0; i < len(body); i++ {
		c := body[i]
		switch {
		case c == '"':
			return "", fmt.Errorf("unescaped quote at byte %d", i)
		case c == '\\':
			if i+1 >= len(body) {
				return "", errors.New("trailing backslash escapes the closing quote")
			}
			i++
			b.WriteByte(body[i])
		default:
			b.WriteByte(c)
		}
	}
	return b.String(), nil
}

// readSingleQuoted reads a string in single quotes without escapes (HAProxy).
func readSingleQuoted(s string) (string, error) {
	body, ok := unwrap(s, "'")
	if !ok || strings.Contains(body, "'") {
		return "", errors.New("quote inside the value ends it")
	}
	return body, nil
}

// psQuotes are the characters PowerShell's tokenizer treats as a single quote.
const psQuotes = "'\u2018\u2019\u201a\u201b"

// readPowerShell reads a single-quoted PowerShell string: a quote character followed by another is one
// literal quote; a lone one ends the string.
func readPowerShell(s string) (string, error) {
	body, ok := unwrap(s, "'")
	if !ok {
		return "", errors.New("not in single quotes")
	}
	var b strings.Builder
	rs := []rune(body)
	for i := 0; i < len(rs); i++ {
		if strings.ContainsRune(psQuotes, rs[i]) {
			if i+1 >= len(rs) || !strings.ContainsRune(psQuotes, rs[i+1]) {
				return "", fmt.Errorf("lone quote %q ends the string", rs[i])
			}
			b.WriteRune(rs[i])
			i++
			continue
		}
		b.WriteRune(rs[i])
	}
	return b.String(), nil
}

// readMarkdown reads escaped Markdown text: backslash escapes of ASCII punctuation and the entities &lt;
// &gt; &amp;. Any raw character that is Markdown or HTML syntax, or a line break, is an error.
func readMarkdown(s string) (string, error) {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '\\':
			if i+1 >= len(s) || !strings.ContainsRune("\\|`*_<>[]#&!\"$%'()+,-./:;=?@^{}~", rune(s[i+1])) {
				return "", fmt.Errorf("bare backslash at byte %d", i)
			}
			i++
			b.WriteByte(s[i])
		case c == '&':
			ent := map[string]byte{"&lt;": '<', "&gt;": '>', "&amp;": '&'}
			found := false
			for e, ch := range ent {
				if strings.HasPrefix(s[i:], e) {
					b.WriteByte(ch)
					i += len(e) - 1
					found = true
					break
				}
			}
			if !found {
				return "", fmt.Errorf("raw & at byte %d", i)
			}
		case strings.IndexByte("|`*_<>[]#", c) >= 0:
			return "", fmt.Errorf("unescaped %q at byte %d", c, i)
		case c < 0x20 || c == 0x7f:
			return "", fmt.Errorf("control character at byte %d", i)
		default:
			b.WriteByte(c)
		}
	}
	if strings.ContainsAny(s, "\u2028\u2029\u0085") {
		return "", errors.New("Unicode line break")
	}
	return b.String(), nil
}

// readMarkdownCode reads an inline code span in a table cell (CommonMark and GFM): a run of n backticks,
// content with no run of exactly n backticks, the same run; one space stripped from both ends when both
// are spaces and the content is not all spaces; \| is a pipe.
func readMarkdownCode(s string) (string, error) {
	if s == "" {
		return "", nil
	}
	n := len(s) - len(strings.TrimLeft(s, "`"))
	if n == 0 || len(s) < 2*n || strings.Repeat("`", n) != s[len(s)-n:] {
		return "", errors.New("not a code span")
	}
	body := s[n : len(s)-n]
	for i := 0; i < len(body); {
		if body[i] != '`' {
			i++
			continue
		}
		j := i
		for j < len(body) && body[j] == '`' {
			j++
		}
		if j-i == n {
			return "", fmt.Errorf("backtick run at byte %d closes the span early", i)
		}
		i = j
	}
	if strings.HasSuffix(body, "`") {
		return "", errors.New("content ends in a backtick, which joins the closing run")
	}
	if strings.HasPrefix(body, " ") && strings.HasSuffix(body, " ") && strings.Trim(body, " ") != "" {
		body = body[1 : len(body)-1]
	}
	for i := 0; i < len(body); i++ {
		if body[i] == '|' && (i == 0 || body[i-1] != '\\') {
			return "", fmt.Errorf("unescaped pipe at byte %d splits the table cell", i)
		}
	}
	return strings.ReplaceAll(body, `\|`, "|"), nil
}

// mermaidEntities are the entity codes MermaidLabel writes.
var mermaidEntities = map[string]string{
	"#quot;": `"`, "#lt;": "<", "#gt;": ">", "#amp;": "&", "#124;": "|", "#96;": "`", "#91;": "[", "#93;": "]",
	"#123;": "{", "#125;": "}", "#59;": ";", "#35;": "#",
}

// readMermaid reads a quoted Mermaid label's text: entity codes decoded, and none of the characters that
// end a label or start a statement present raw.
func readMermaid(s string) (string, error) {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '#':
			j := strings.IndexByte(s[i:], ';')
			if j < 0 {
				return "", fmt.Errorf("raw # at byte %d", i)
			}
			ch, ok := mermaidEntities[s[i:i+j+1]]
			if !ok {
				return "", fmt.Errorf("raw # at byte %d", i)
			}
			b.WriteString(ch)
			i += j
		case strings.IndexByte("\"<>&|`[]{};", c) >= 0:
			return "", fmt.Errorf("raw %q at byte %d", c, i)
		case c < 0x20 || c == 0x7f:
			return "", fmt.Errorf("control character at byte %d", i)
		default:
			b.WriteByte(c)
		}
	}
	return b.String(), nil
}

func unwrap(s, quote string) (string, bool) {
	if len(s) < 2*len(quote) || !strings.HasPrefix(s, quote) || !strings.HasSuffix(s, quote) {
		return "", false
	}
	return s[len(quote) : len(s)-len(quote)], true
}

func hasControl(s string) bool { return strings.IndexFunc(s, IsLineBreaking) >= 0 }

// checkQuoted requires a quoting function either to refuse v for a reason it documents, or to produce a
// one-line token that reads back as v.
func checkQuoted(t *testing.T, name, v string, quote func(string) (string, error), read func(string) (string, error), refusable bool) {
	t.Helper()
	out, err := quote(v)
	if err != nil {
		if !refusable {
			t.Fatalf("%s(%q) refused a value it can carry: %v", name, v, err)
		}
		return
	}
	if hasControl(out) {
		t.Fatalf("%s(%q) = %q spans lines", name, v, out)
	}
	got, err := read(out)
	if err != nil {
		t.Fatalf("%s(%q) = %q: %v", name, v, out, err)
	}
	if got != v {
		t.Fatalf("%s(%q) = %q reads back as %q", name, v, out, got)
	}
}

func isDNSChar(r rune) bool {
	return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '-' || r == '_'
}

// FuzzQuoting covers every quoting function other than cmd.exe's.
func FuzzQuoting(f *testing.F) {
	for _, s := range hostileSeeds {
		f.Add(s, "second")
	}
	f.Add("=SUM(A1)", " @x ")
	f.Add("a,b", `"q"`)
	f.Fuzz(func(t *testing.T, v, w string) {
		checkQuoted(t, "INF", v, INF, readINF, hasControl(v))
		checkQuoted(t, "Nginx", v, Nginx, readNginx, v == "" || hasControl(v) || strings.Contains(v, "$"))
		checkQuoted(t, "OpenSSL", v, OpenSSL, readOpenSSL, v == "" || hasControl(v))
		checkQuoted(t, "HAProxy", v, HAProxy, readSingleQuoted, v == "" || hasControl(v) || strings.Contains(v, "'"))

		// Host-name validators pass a name through unchanged or refuse it; what passes holds only
		// DNS-name characters (and a leading wildcard label for certificate names).
		dnsOK := v != "" && strings.IndexFunc(v, func(r rune) bool { return !isDNSChar(r) }) < 0
		wild := strings.HasPrefix(v, "*.") && strings.IndexFunc(v[2:], func(r rune) bool { return !isDNSChar(r) }) < 0
		same := func(s string) (string, error) { return s, nil }
		checkQuoted(t, "INFSANValue", v, INFSANValue, same, !dnsOK && !wild)
		checkQuoted(t, "OpenSSLDNSName", v, OpenSSLDNSName, same, !dnsOK && !wild)
		checkQuoted(t, "HAProxyStr", v, HAProxyStr, func(s string) (string, error) {
			body, err := readSingleQuoted(s)
			if err != nil {
				return "", err
			}
			name, ok := strings.CutPrefix(body, "str(")
			name, ok2 := strings.CutSuffix(name, ")")
			if !ok || !ok2 {
				return "", errors.New("not str(name)")
			}
			return name, nil
		}, !dnsOK)

		// Functions that cannot refuse turn control characters into spaces; the rest comes back whole.
		flat := OneLine(v)
		quote := func(q func(string) string) func(string) (string, error) {
			return func(s string) (string, error) { return q(s), nil }
		}
		checkQuoted(t, "PowerShell", flat, quote(PowerShell), readPowerShell, false)
		if ps := PowerShell(v); ps != PowerShell(flat) {
			t.Fatalf("PowerShell(%q) = %q, want control characters as spaces", v, ps)
		}
		if list := PowerShellList([]string{v, w}); list != PowerShell(v)+","+PowerShell(w) {
			t.Fatalf("PowerShellList(%q, %q) = %q", v, w, list)
		}
		checkQuoted(t, "Markdown", flat, quote(Markdown), readMarkdown, false)
		checkQuoted(t, "MarkdownCode", flat, quote(MarkdownCode), readMarkdownCode, false)
		checkQuoted(t, "MermaidLabel", flat, quote(MermaidLabel), readMermaid, false)

		// nft: one double-quoted token with no quote inside, within nft's comment limit, cut only at a
		// character boundary.
		nft := NFTString(v)
		body, ok := unwrap(nft, `"`)
		if !ok || strings.Contains(body, `"`) || hasControl(nft) || len(body) > NFTCommentMax {
			t.Fatalf("NFTString(%q) = %q", v, nft)
		}
		if utf8.ValidString(v) && !utf8.ValidString(body) {
			t.Fatalf("NFTString(%q) = %q cuts a character", v, nft)
		}
		if want := strings.ReplaceAll(flat, `"`, "'"); body != want && !(len(want) > NFTCommentMax && strings.HasSuffix(body, "...") && strings.HasPrefix(want, strings.TrimSuffix(body, "..."))) {
			t.Fatalf("NFTString(%q) = %q", v, nft)
		}

		// CSV: encoding/csv reads the record back as exactly two fields; each is the one-line value, with
		// an apostrophe in front only when a spreadsheet would otherwise run it as a formula.
		if !utf8.ValidString(v) || !utf8.ValidString(w) {
			return // encoding/csv replaces invalid bytes; the design language only has UTF-8 text
		}
		rec := CSVRecord(v, w)
		if strings.Count(rec, "\n") != 1 || !strings.HasSuffix(rec, "\r\n") {
			t.Fatalf("CSVRecord(%q, %q) = %q is not one line", v, w, rec)
		}
		r := csv.NewReader(strings.NewReader(rec))
		fields, err := r.Read()
		if err != nil {
			t.Fatalf("CSVRecord(%q, %q) = %q: %v", v, w, rec, err)
		}
		if _, err := r.Read(); err != io.EOF {
			t.Fatalf("CSVRecord(%q, %q) = %q holds more than one record", v, w, rec)
		}
		if len(fields) != 2 {
			t.Fatalf("CSVRecord(%q, %q) = %q reads as %d fields", v, w, rec, len(fields))
		}
		for i, in := range []string{v, w} {
			want := OneLine(in)
			if trimmed := strings.TrimLeft(want, " "); trimmed != "" && strings.ContainsRune("=+-@", rune(trimmed[0])) {
				want = "'" + want
			}
			if fields[i] != want {
				t.Fatalf("CSVRecord(%q, %q) field %d reads as %q, want %q", v, w, i, fields[i], want)
			}
		}
	})
}
