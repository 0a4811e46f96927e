package ui

import (
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/s3crypt/s3crypt/ui/styles"
)

// cursor is a selection in a list of n rows shown height at a time. Only
// the visible rows are ever rendered, so a list of 100,000 stays cheap.
type cursor struct {
	pos, offset, n, height int
}

// reselect points c at the row whose id is want (a just-created item) if
// the new rows hold it, else at the one whose id is sel (the selection
// before the reload), and returns what is still wanted ("" once found).
func reselect[T any](c *cursor, rows []T, id func(T) string, sel, want string) string {
	target := sel
	for _, r := range rows {
		if want != "" && id(r) == want {
			target, want = id(r), ""
			break
		}
	}
	c.setLen(len(rows))
	for i, r := range rows {
		if id(r) == target {
			c.pos = i
			c.clamp()
			break
		}
	}
	return want
}

// setLen changes the row count, keeping the selection in range.
func (c *cursor) setLen(n int) {
	c.n = n
	c.clamp()
}

// setHeight changes how many rows are visible.
func (c *cursor) setHeight(h int) {
	c.height = max(h, 1)
	c.clamp()
}

// move moves the selection by d rows.
func (c *cursor) move(d int) {
	c.pos += d
	c.clamp()
}

// scroll moves the window by d rows, dragging the selection along when it
// would leave the window.
func (c *cursor) scroll(d int) {
	c.offset = max(0, min(c.offset+d, c.n-c.height))
	if c.pos < c.offset {
		c.pos = c.offset
	}
	if c.pos >= c.offset+c.height {
		c.pos = c.offset + c.height - 1
	}
	c.clamp()
}

func (c *cursor) clamp() {
	if c.pos >= c.n {
		c.pos = c.n - 1
	}
	if c.pos < 0 {
		c.pos = 0
	}
	if c.pos < c.offset {
		c.offset = c.pos
	}
	if c.height > 0 && c.pos >= c.offset+c.height {
		c.offset = c.pos - c.height + 1
	}
	if c.offset > max(0, c.n-c.height) {
		c.offset = max(0, c.n-c.height)
	}
}

// visible returns the range of visible rows [from, to).
func (c cursor) visible() (int, int) {
	return c.offset, min(c.n, c.offset+c.height)
}

// handleKey moves the cursor for a navigation key and reports whether the
// key was one.
func (c *cursor) handleKey(k KeyMap, msg tea.KeyPressMsg) bool {
	switch {
	case key.Matches(msg, k.Up):
		c.move(-1)
	case key.Matches(msg, k.Down):
		c.move(1)
	case key.Matches(msg, k.PageUp):
		c.move(-c.height)
	case key.Matches(msg, k.PageDown):
		c.move(c.height)
	case key.Matches(msg, k.Home):
		c.move(-c.n)
	case key.Matches(msg, k.End):
		c.move(c.n)
	default:
		return false
	}
	return true
}

// column is one table column; a width of 0 takes the space left.
type column struct {
	title string
	width int
	right bool
}

// layoutColumns gives flexible columns the width the fixed ones leave.
func layoutColumns(cols []column, width int) []column {
	out := append([]column(nil), cols...)
	fixed, flex := 0, 0
	for _, c := range out {
		if c.width == 0 {
			flex++
		}
		fixed += c.width + 1
	}
	left := width - 2 - fixed
	for i := range out {
		if out[i].width == 0 {
			out[i].width = max(4, left/max(flex, 1))
		}
	}
	return out
}

// renderTable draws the header and the visible rows; cells returns row i's
// cells (already styled).
func renderTable(st *styles.Styles, cols []column, c cursor, width int, focused bool, cells func(i int) []string) string {
	cols = layoutColumns(cols, width)
	var b strings.Builder
	b.WriteString("  ")
	for i, col := range cols {
		if i > 0 {
			b.WriteByte(' ')
		}
		t := col.title
		if col.right {
			t = fitRight(t, col.width)
		}
		b.WriteString(st.ColHeader.Render(fit(t, col.width)))
	}
	from, to := c.visible()
	for i := from; i < to; i++ {
		b.WriteByte('\n')
		row := cells(i)
		var line strings.Builder
		for j, col := range cols {
			if j > 0 {
				line.WriteByte(' ')
			}
			cell := ""
			if j < len(row) {
				cell = row[j]
			}
			if col.right {
				line.WriteString(fitRight(cell, col.width))
			} else {
				line.WriteString(fit(cell, col.width))
			}
		}
		if i == c.pos {
			marker := " "
			if focused {
				marker = styles.IconSelected
			}
			b.WriteString(st.RowMarker.Render(marker+" ") + st.RowSelected.Render(ansi.Strip(line.String())))
		} else {
			b.WriteString("  " + line.String())
		}
	}
	return b.String()
}
