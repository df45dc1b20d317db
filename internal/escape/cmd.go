package escape

import (
	"fmt"
	"strings"
)

// cmd.exe reads a batch file line by line in two phases that matter here. First it expands %VARIABLE%
// everywhere, inside double quotes and on REM lines too ("%%" is a literal "%"). Then, outside double
// quotes, it acts on & | < > ^ ( ): command separators, pipes, redirections, escapes and blocks. A batch
// file that uses these functions must run with delayed expansion disabled (setlocal
// DisableDelayedExpansion), so that "!" is literal as well.

// CmdQuoteTrigger are the characters that make a value need double quotes on a command line: whitespace
// splits arguments and the rest are cmd.exe metacharacters, literal only inside quotes.
const CmdQuoteTrigger = " \t&|<>^()"

// CmdArg renders a design value as the value part of one command-line argument in a batch file
// (/source:<value>, PROPERTY=<value>): in double quotes when it holds whitespace or a metacharacter, with
// every % doubled so that it is not expanded. A value that cannot be carried unchanged is refused: a double
// quote (it would end the quoted value early and expose the rest to cmd.exe), a control character (a line
// break would end the command and start another), or a quoted value ending in a backslash (ccmsetup would
// read \" as an escaped quote).
func CmdArg(v string) (string, error) {
	return cmdArg(v, `"`)
}

// CmdNestedArg renders a value inside an outer double-quoted Windows Installer property such as
// CCMSETUPCMD="…": Windows Installer reads a doubled quote as one, so the value's own quotes are written
// "". cmd.exe toggles its quote state on every quote, so the value's text stays inside quotes either way.
func CmdNestedArg(v string) (string, error) {
	return cmdArg(v, `""`)
}

func cmdArg(v, quote string) (string, error) {
	for _, r := range v {
		if IsLineBreaking(r) {
			return "", fmt.Errorf("value %q contains a control character", v)
		}
		if r == '"' {
			return "", fmt.Errorf("value %q contains a double quote", v)
		}
	}
	needsQuotes := strings.ContainsAny(v, CmdQuoteTrigger)
	if needsQuotes && strings.HasSuffix(v, `\`) {
		return "", fmt.Errorf("value %q needs quotes and ends with a backslash, which would escape the closing quote", v)
	}
	v = strings.ReplaceAll(v, "%", "%%")
	if needsQuotes {
		return quote + v + quote, nil
	}
	return v, nil
}

// CmdComment makes text safe after "REM " in a batch file: control characters become spaces (the comment
// stays one line), % is doubled (REM lines are expanded too, and "%~" would abort the script), and a
// trailing run of an odd number of carets gets one more, so the line cannot continue onto the next.
func CmdComment(s string) string {
	s = strings.ReplaceAll(OneLine(s), "%", "%%")
	carets := len(s) - len(strings.TrimRight(s, "^"))
	if carets%2 == 1 {
		s += "^"
	}
	return s
}
