package ui

import (
	"strings"

	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/s3crypt/s3crypt/keyflow"
	"github.com/s3crypt/s3crypt/ui/styles"
)

// lanes are the x positions of the parties' lifelines.
type lanes struct{ you, s3, kms int }

func newLanes(w int) lanes {
	return lanes{you: 1, s3: max(12, w*9/20), kms: max(24, w-5)}
}

func (l lanes) x(a keyflow.Actor) int {
	switch a {
	case keyflow.S3:
		return l.s3
	case keyflow.KMS:
		return l.kms
	}
	return l.you
}

func laneHeader(st *styles.Styles, ln lanes, w int) string {
	line := []rune(strings.Repeat(" ", w))
	put := func(x int, s string) {
		for i, r := range s {
			if x+i >= 0 && x+i < w {
				line[x+i] = r
			}
		}
	}
	put(ln.you-1, "you")
	put(ln.s3-1, "S3")
	put(ln.kms-1, "KMS")
	s := string(line)
	s = strings.Replace(s, "you", st.You.Render("you"), 1)
	s = strings.Replace(s, "S3", st.S3.Render("S3"), 1)
	return strings.Replace(s, "KMS", st.KMS.Render("KMS"), 1)
}

func lifelines(st *styles.Styles, ln lanes, w int) string {
	return strings.Join(lifeCells(st, ln, w), "")
}

// lifeCells is an empty row: blank cells and the three lifelines.
func lifeCells(st *styles.Styles, ln lanes, w int) []string {
	cells := make([]string, w)
	for i := range cells {
		cells[i] = " "
	}
	life := st.ArrowPending.Render("│")
	for _, x := range []int{ln.you, ln.s3, ln.kms} {
		if x < w {
			cells[x] = life
		}
	}
	return cells
}

// drawRow draws one row: an arrow or a local step over the lifelines. A
// label too long for its room wraps onto more lines; it is never cut.
func drawRow(st *styles.Styles, ln lanes, r flowRow, w int) []string {
	if r.label == "" {
		return []string{lifelines(st, ln, w)}
	}
	if r.note {
		var out []string
		for _, part := range wrapLines(r.label, w-1) {
			out = append(out, fit(" "+rowStyle(st, r).Render(part), w))
		}
		return out
	}
	if r.to == "" {
		return drawLocal(st, ln, r, w)
	}
	return drawArrow(st, ln, r, w)
}

// drawLocal draws work a party does on its own lifeline.
func drawLocal(st *styles.Styles, ln lanes, r flowRow, w int) []string {
	render := rowStyle(st, r).Render
	x := ln.x(r.from)
	text := r.label + drawnMark(r)
	var out []string
	if r.from == keyflow.KMS {
		// KMS is the rightmost lane: its own work is written leftwards.
		end := " ─┤"
		for i, part := range wrapLines(text, max(x+1-lipgloss.Width(end), 8)) {
			cells := lifeCells(st, ln, w)
			if i == 0 {
				part += end
				writeCells(cells, x-lipgloss.Width(part)+1, render, part)
			} else {
				writeCells(cells, x-lipgloss.Width(end)-lipgloss.Width(part)+1, render, part)
			}
			out = append(out, strings.Join(cells, ""))
		}
		return out
	}
	icon := "├─ "
	if r.mark == markNotYet || r.mark == markSkipped {
		icon = "├╌ "
	}
	if r.wipe && r.lit() {
		icon += styles.IconWiped + " "
	}
	iw := lipgloss.Width(icon)
	for i, part := range wrapLines(text, max(w-x-iw, 8)) {
		cells := lifeCells(st, ln, w)
		if i == 0 {
			writeCells(cells, x, render, icon+part)
		} else {
			writeCells(cells, x+iw, render, part)
		}
		out = append(out, strings.Join(cells, ""))
	}
	return out
}

// drawArrow draws a request or an answer between two lifelines, its label
// on the arrow (and, when long, on the lines above it).
func drawArrow(st *styles.Styles, ln lanes, r flowRow, w int) []string {
	render := rowStyle(st, r).Render
	a, b := ln.x(r.from), ln.x(r.to)
	left := b < a
	if left {
		a, b = b, a
	}
	span := b - a - 1
	dash := "─"
	if r.mark == markNotYet || r.mark == markSkipped {
		dash = "╌"
	}
	room := max(span-3, 1)
	label := r.label
	if r.short != "" && longestWord(label) > room {
		label = r.short
	}
	parts := wrapLines(label+drawnMark(r), room)
	var out []string
	for _, part := range parts[:len(parts)-1] {
		cells := lifeCells(st, ln, w)
		pad := max(span-lipgloss.Width(part), 0) / 2
		writeCells(cells, a+1+pad, render, part)
		out = append(out, strings.Join(cells, ""))
	}
	label = " " + parts[len(parts)-1] + " "
	dashes := max(span-1-lipgloss.Width(label), 0)
	pre := dashes / 2
	arrow := strings.Repeat(dash, pre) + label + strings.Repeat(dash, dashes-pre)
	if left {
		arrow = styles.IconArrowL + arrow
	} else {
		arrow += styles.IconArrowR
	}
	cells := lifeCells(st, ln, w)
	writeCells(cells, a+1, render, arrow)
	return append(out, strings.Join(cells, ""))
}

// longestWord is the width of s's widest word.
func longestWord(s string) int {
	n := 0
	for _, w := range strings.Fields(s) {
		n = max(n, ansi.StringWidth(w))
	}
	return n
}

// wrapLines word-wraps plain text to w cells (breaking a word only when it
// is longer than a line).
func wrapLines(s string, w int) []string {
	return strings.Split(ansi.Wrap(s, max(w, 1), ""), "\n")
}

func drawnMark(r flowRow) string {
	if r.drawn {
		return " *"
	}
	return ""
}

func rowStyle(st *styles.Styles, r flowRow) lipgloss.Style {
	switch {
	case r.mark == markFailed:
		return st.StepFailed
	case r.mark == markSkipped:
		return st.StepSkipped
	case r.mark == markNotYet:
		return st.ArrowPending
	case r.current:
		return st.StepCurrent
	case r.drawn:
		return st.ArrowDrawn
	case r.wipe:
		return st.KeyWiped.Strikethrough(false)
	case r.from == keyflow.KMS:
		return st.KMS.Bold(false)
	case r.from == keyflow.You:
		return st.You.Bold(false)
	}
	return st.S3.Bold(false)
}

// writeCells writes s (plain text) from cell x on, all in one style: the
// first cell holds the whole styled run and the cells it covers are
// emptied, so the row is styled once rather than once per cell (View's
// hot spot). Widths are counted in terminal cells.
func writeCells(cells []string, x int, render func(...string) string, s string) {
	if x < 0 {
		s = ansi.TruncateLeft(s, -x, "")
		x = 0
	}
	if x >= len(cells) {
		return
	}
	s = ansi.Truncate(s, len(cells)-x, "")
	n := ansi.StringWidth(s)
	if n <= 0 {
		return
	}
	cells[x] = render(s)
	for i := x + 1; i < x+n; i++ {
		cells[i] = ""
	}
}
