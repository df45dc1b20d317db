package escape

// PowerShell quotes a value as a single-quoted PowerShell string, in which nothing is expanded ($, `, @ and
// ; are literal); quotes are doubled. Control characters (line breaks among them, and NUL) become spaces,
// so a value never continues onto another line.
func PowerShell(s string) string {
	return string(AppendPowerShell(nil, s))
}

// AppendPowerShell appends PowerShell(s) to dst.
func AppendPowerShell(dst []byte, s string) []byte {
	s = OneLine(s) // valid UTF-8 from here on
	dst = append(dst, '\'')
	start := 0
	for i := 0; i < len(s); i++ {
		// The characters PowerShell reads as a single quote are each doubled: the ASCII apostrophe and
		// the typographic quotes U+2018-U+201B (E2 80 98 to E2 80 9B in UTF-8).
		switch {
		case s[i] == '\'':
			dst = append(dst, s[start:i+1]...)
			dst = append(dst, '\'')
			start = i + 1
		case s[i] == 0xe2 && i+2 < len(s) && s[i+1] == 0x80 && s[i+2] >= 0x98 && s[i+2] <= 0x9b:
			dst = append(dst, s[start:i+3]...)
			dst = append(dst, s[i:i+3]...)
			i += 2
			start = i + 1
		}
	}
	dst = append(dst, s[start:]...)
	return append(dst, '\'')
}

// PowerShellList quotes values as a PowerShell array argument: 'a','b'.
func PowerShellList(values []string) string {
	return string(AppendPowerShellList(nil, values))
}

// AppendPowerShellList appends PowerShellList(values) to dst.
func AppendPowerShellList(dst []byte, values []string) []byte {
	for i, v := range values {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = AppendPowerShell(dst, v)
	}
	return dst
}
