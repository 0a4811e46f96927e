package ui

import (
	"strings"

	"charm.land/lipgloss/v2"

	"github.com/s3crypt/s3crypt/ui/styles"
)

// rect is a pane's place on screen, border included.
type rect struct{ x, y, w, h int }

func (r rect) contains(x, y int) bool {
	return r.w > 0 && x >= r.x && x < r.x+r.w && y >= r.y && y < r.y+r.h
}

// layout is where each pane goes at the current size; a zero rect is a
// pane not shown.
type layout struct {
	list, flow, details, log rect
	compact                  bool // one secondary pane, chosen by focus
}

// chromeRows is the screen rows taken by the header, status and help
// lines at width w.
func chromeRows(w int) int { return 2 + helpRows(w) }

// computeLayout places the panes in w × h: four panes from 100 × 30, the
// list beside (wide) or above (narrow) one secondary pane below that.
func computeLayout(w, h int, secondary paneID) layout {
	body := max(h-chromeRows(w), 6)
	top := 1
	var l layout
	switch {
	case w >= 100 && h >= 30:
		upper := body * 3 / 5
		left := w * 11 / 20
		l.list = rect{0, top, left, upper}
		l.flow = rect{left, top, w - left, upper}
		l.details = rect{0, top + upper, left, body - upper}
		l.log = rect{left, top + upper, w - left, body - upper}
	case w >= 100:
		left := w * 11 / 20
		l.compact = true
		l.list = rect{0, top, left, body}
		l.setSecondary(secondary, rect{left, top, w - left, body})
	default:
		upper := body / 2
		if body < 24 {
			upper = body * 2 / 5
		}
		l.compact = true
		l.list = rect{0, top, w, upper}
		l.setSecondary(secondary, rect{0, top + upper, w, body - upper})
	}
	return l
}

func (l *layout) setSecondary(p paneID, r rect) {
	switch p {
	case paneDetails:
		l.details = r
	case paneLog:
		l.log = r
	default:
		l.flow = r
	}
}

// rectOf returns a pane's rect.
func (l layout) rectOf(p paneID) rect {
	return [...]rect{l.list, l.flow, l.details, l.log}[p]
}

// drawPane draws a bordered pane with a title in the top border; body is
// fitted to the inside. The focused pane gets a thick, coloured border.
func drawPane(st *styles.Styles, title, body string, r rect, focused bool) string {
	if r.w < 4 || r.h < 2 {
		return ""
	}
	bs, ts := st.Border, st.Title
	tl, tr, bl, br, hz, vt := "╭", "╮", "╰", "╯", "─", "│"
	if focused {
		bs, ts = st.BorderFocused, st.TitleFocused
		tl, tr, bl, br, hz, vt = "┏", "┓", "┗", "┛", "━", "┃"
	}
	inner := r.w - 2
	t := fit(" "+title+" ", max(0, inner-2))
	t = strings.TrimRight(stripWidth(t), " ")
	if t != "" {
		t += " "
	}
	top := bs.Render(tl+hz) + ts.Render(t) + bs.Render(strings.Repeat(hz, max(0, inner-1-lipgloss.Width(t)))+tr)
	var b strings.Builder
	b.WriteString(top)
	left, right := "\n"+bs.Render(vt)+" ", " "+bs.Render(vt)
	for _, line := range block(body, inner-2, r.h-2) {
		b.WriteString(left + line + right)
	}
	b.WriteString("\n" + bs.Render(bl+strings.Repeat(hz, inner)+br))
	return b.String()
}
