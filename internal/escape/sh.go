package escape

import (
	"fmt"
	"strings"
)

// Sh quotes a value as one POSIX sh word in single quotes. Line breaks and other control characters are
// refused: inside single quotes sh would keep them, but a line break in a path is never meant, and it would
// start a new line in the script and in the note that shows the command.
func Sh(s string) (string, error) {
	if OneLine(s) != s {
		return "", fmt.Errorf("value %q has a control character or line break and cannot be written into a shell command", s)
	}
	return shSingleQuoted(s), nil
}

// ShWord writes a value as one sh word, bare when it holds only characters sh takes literally (a file
// name as users type it), single-quoted otherwise.
func ShWord(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._/-+:@%,=") == "" {
		return s
	}
	return shSingleQuoted(s)
}

func shSingleQuoted(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }
