// Package textbuf writes many small text files by appending into shared blocks. A large design has a
// script or request per machine, thousands of them; formatting each line through fmt and intermediate
// strings, then copying each file, was most of the emitters' time (issue 10).
package textbuf

import "github.com/ibcmc/ibcmc/internal/escape"

// Blocks hands out the space files are written in.
type Blocks struct {
	// Size is the size of the blocks files are carved from; 0 writes each file on its own.
	Size int
	last []byte // the last file written; its capacity runs to the end of its block
}

// Start begins a file with these line endings after the last one, or in a new block when little room is
// left. (A file that outgrows the room is moved by append, like any slice.) The caller keeps the Text in
// a local variable while it writes, so that the stores of each append need no GC write barrier, and hands
// it back with End.
func (w *Blocks) Start(eol string) Text {
	b := w.last[len(w.last):]
	if cap(b) < 4<<10 {
		b = make([]byte, 0, w.Size)
	}
	return Text{B: b, EOL: eol}
}

// End returns the file t holds. Its capacity ends with it, so appending to one file's content can never
// write into the next file's.
func (w *Blocks) End(t *Text) []byte {
	w.last = t.B
	return t.B[:len(t.B):len(t.B)]
}

// Text is one file being written; B may be appended to directly (escape.Append… functions).
type Text struct {
	B   []byte
	EOL string
}

// Line writes the parts and a line ending.
func (t *Text) Line(parts ...string) {
	b := t.B
	for _, s := range parts {
		b = append(b, s...)
	}
	t.B = append(b, t.EOL...)
}

// Comment writes a comment line after prefix; the text is made single-line, so no value can end the
// comment and start a directive, rule or command.
func (t *Text) Comment(prefix string, parts ...string) {
	b := append(t.B, prefix...)
	start := len(b)
	for _, s := range parts {
		b = append(b, s...)
	}
	b = escape.OneLineTail(b, start)
	t.B = append(b, t.EOL...)
}
