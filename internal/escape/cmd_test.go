package escape

import (
	"strings"
	"testing"
)

func TestCmdArg(t *testing.T) {
	cases := []struct{ in, want, nested string }{
		{`D:\Client`, `D:\Client`, `D:\Client`},
		{`D:\Config Mgr\Client`, `"D:\Config Mgr\Client"`, `""D:\Config Mgr\Client""`},
		{`\\fs01\R&D`, `"\\fs01\R&D"`, `""\\fs01\R&D""`},
		{`a|b`, `"a|b"`, `""a|b""`},
		{`a<b>c`, `"a<b>c"`, `""a<b>c""`},
		{`a^b`, `"a^b"`, `""a^b""`},
		{`C:\Program Files (x86)\x`, `"C:\Program Files (x86)\x"`, `""C:\Program Files (x86)\x""`},
		{`100%`, `100%%`, `100%%`},
		{`%PATH%`, `%%PATH%%`, `%%PATH%%`},
		{`%~dp0Client`, `%%~dp0Client`, `%%~dp0Client`},
		{`R&D 50%`, `"R&D 50%%"`, `""R&D 50%%""`},
		{`!x!`, `!x!`, `!x!`}, // literal: the .cmd files disable delayed expansion
		{`CN=A; O=B, C | CN=D`, `"CN=A; O=B, C | CN=D"`, `""CN=A; O=B, C | CN=D""`},
		{`D:\`, `D:\`, `D:\`}, // no quotes needed, so the backslash escapes nothing
	}
	for _, tc := range cases {
		got, err := CmdArg(tc.in)
		if err != nil || got != tc.want {
			t.Errorf("CmdArg(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
		got, err = CmdNestedArg(tc.in)
		if err != nil || got != tc.nested {
			t.Errorf("CmdNestedArg(%q) = %q, %v; want %q", tc.in, got, err, tc.nested)
		}
	}
}

func TestCmdArgRefusesWhatItCannotCarry(t *testing.T) {
	for _, in := range []string{
		"D:\\Client\r\ndel /q C:\\*",
		"a\nb",
		"a\x00b",
		"a\u2028b",
		"a\x1ab",
		`x" & calc & "`,
		`say "hi"`,
		`D:\My Client\`,
		`a&b\`,
	} {
		if got, err := CmdArg(in); err == nil {
			t.Errorf("CmdArg(%q) = %q, want an error", in, got)
		}
		if got, err := CmdNestedArg(in); err == nil {
			t.Errorf("CmdNestedArg(%q) = %q, want an error", in, got)
		}
	}
}

// TestCmdArgNeverExposesMetacharacters models cmd.exe's quote state: whatever the value, no metacharacter
// of the rendered argument is outside quotes and every % is doubled. A nested value is checked where it
// is written: inside the outer quotes of CCMSETUPCMD="…".
func TestCmdArgNeverExposesMetacharacters(t *testing.T) {
	nested := func(v string) (string, error) {
		out, err := CmdNestedArg(v)
		return `CCMSETUPCMD="/source:` + out + ` X=1"`, err
	}
	for _, in := range append(hostile, "&", "|", "<", ">", "^", "(", ")", "a & b", "%", "%%", "^&", "a^", "x)(y") {
		for name, f := range map[string]func(string) (string, error){"CmdArg": CmdArg, "CmdNestedArg": nested} {
			out, err := f(in)
			if err != nil {
				continue
			}
			quoted := false
			for _, r := range out {
				switch {
				case r == '"':
					quoted = !quoted
				case !quoted && strings.ContainsRune("&|<>^()\t", r), !quoted && r == ' ' && name == "CmdArg":
					t.Errorf("%s(%q) = %q: %q outside quotes", name, in, out, r)
				}
			}
			if quoted {
				t.Errorf("%s(%q) = %q: unbalanced quotes", name, in, out)
			}
			if strings.Count(strings.ReplaceAll(out, "%%", ""), "%") != 0 {
				t.Errorf("%s(%q) = %q: a single %% would expand", name, in, out)
			}
		}
	}
}

func TestCmdComment(t *testing.T) {
	cases := []struct{ in, want string }{
		{"plain text", "plain text"},
		{"line1\r\nline2", "line1  line2"},
		{"50% of %PATH% and %~x", "50%% of %%PATH%% and %%~x"},
		{"ends with a caret ^", "ends with a caret ^^"},
		{"two ^^", "two ^^"},
		{"three ^^^", "three ^^^^"},
		{"a & b | c", "a & b | c"},
		{"nul\x00byte", "nul byte"},
	}
	for _, tc := range cases {
		if got := CmdComment(tc.in); got != tc.want {
			t.Errorf("CmdComment(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
