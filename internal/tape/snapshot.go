package tape

import (
	"image/color"
	"strings"
)

// Cell is one screen cell as the renderer needs it.
type Cell struct {
	// Content is the grapheme drawn there ("" in the second cell of a
	// wide character); Width how many cells it covers.
	Content string
	Width   int
	// Fg and Bg are resolved colours (reverse video not yet applied).
	Fg, Bg color.RGBA
	// Attrs are ultraviolet's attribute bits (bold, faint, italic,
	// reverse, …).
	Attrs     uint8
	Underline bool
}

// Snapshot is the virtual terminal's screen at one moment.
type Snapshot struct {
	Cols, Rows       int
	Cells            [][]Cell
	CursorX, CursorY int
	CursorHidden     bool
	// Gen counts the program's writes to the screen up to this snapshot.
	Gen uint64
}

// Lines is the screen as text, one string a row with trailing spaces
// trimmed, as VHS reads xterm.js's buffer (translateToString().trimEnd()).
func (s *Snapshot) Lines() []string {
	out := make([]string, len(s.Cells))
	for y, row := range s.Cells {
		var b strings.Builder
		for _, c := range row {
			if c.Width == 0 && c.Content == "" {
				continue // the second half of a wide character
			}
			if c.Content == "" {
				b.WriteByte(' ')
				continue
			}
			b.WriteString(c.Content)
		}
		out[y] = strings.TrimRight(b.String(), " ")
	}
	return out
}

// Text is the screen's lines joined, trailing empty lines dropped.
func (s *Snapshot) Text() string {
	return strings.TrimRight(strings.Join(s.Lines(), "\n"), "\n")
}

// CurrentLine is the row the cursor is on, trimmed (Wait+Line reads it).
func (s *Snapshot) CurrentLine() string {
	lines := s.Lines()
	if s.CursorY < 0 || s.CursorY >= len(lines) {
		return ""
	}
	return lines[s.CursorY]
}
