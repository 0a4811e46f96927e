package ui

import (
	"fmt"
	"strings"

	"charm.land/bubbles/v2/progress"
	"charm.land/lipgloss/v2"

	"github.com/s3crypt/s3crypt/actions"
	"github.com/s3crypt/s3crypt/keyflow"
	"github.com/s3crypt/s3crypt/ui/styles"
)

// flowView is everything the flow diagram shows at one moment.
type flowView struct {
	Spec     flowSpec
	Steps    []actions.Step // the steps seen so far
	Shown    int            // how many are lit (the replay position)
	State    jobState
	Transfer bool
	Progress actions.Progress
	Err      error
}

// flowRow is one line of the sequence diagram.
type flowRow struct {
	from, to keyflow.Actor // to == "" for work done locally
	label    string
	lit      bool
	current  bool
	drawn    bool // not observed: what S3 does on your behalf
	wipe     bool
}

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

// renderFlow draws the envelope flow of v in width × height cells. It is a
// pure function of its arguments: any moment of a flow is a golden file.
func renderFlow(st *styles.Styles, v flowView, frame, width, height int) string {
	if width < 20 || height < 3 {
		return ""
	}
	if v.Spec.Mode == flowNone {
		return flowEmpty(st, width)
	}
	ln := newLanes(width)
	rows := flowRows(v)
	footer := flowFooter(st, v, frame, width, true)
	chips := flowChips(st, v, width)
	need := min(len(rows), 4)
	if height-1-lipgloss.Height(footer)-lipgloss.Height(chips) < need {
		footer = flowFooter(st, v, frame, width, false) // without the step's sentence
	}
	if height-1-lipgloss.Height(footer)-lipgloss.Height(chips) < need {
		chips = ""
	}
	bodyH := height - 1 - lipgloss.Height(footer)
	if chips != "" {
		bodyH -= lipgloss.Height(chips)
	}
	var out []string
	out = append(out, laneHeader(st, ln, width))
	cur := max(0, v.Shown-1)
	from := 0
	if len(rows) > bodyH && bodyH > 0 {
		from = max(0, min(cur-bodyH/2, len(rows)-bodyH))
	}
	for i := from; i < len(rows) && i < from+max(bodyH, 0); i++ {
		out = append(out, drawRow(st, ln, rows[i], width))
	}
	for len(out) < 1+max(bodyH, 0) {
		out = append(out, lifelines(st, ln, width))
	}
	if chips != "" {
		out = append(out, chips)
	}
	out = append(out, footer)
	return strings.Join(out, "\n")
}

func flowEmpty(st *styles.Styles, width int) string {
	return st.Empty.Render(wrap("No action yet. Upload (u) or download (d) an object, or generate a data key (d in Keys): "+
		"each step of the envelope encryption lights up here as it happens, and can be replayed with ←/→.", width))
}

// flowRows turns steps (and, while running, the expected rest) into rows.
func flowRows(v flowView) []flowRow {
	var rows []flowRow
	for i, s := range v.Steps {
		lit := i < v.Shown
		cur := lit && i == v.Shown-1
		if s.Actor == keyflow.KMS && s.To == keyflow.S3 && s.Op != keyflow.OpManagedKeyCreated {
			rows = append(rows,
				flowRow{from: s.To, to: keyflow.KMS, label: s.Title, lit: lit, current: cur, drawn: !s.Observed},
				flowRow{from: keyflow.KMS, to: s.To, label: kmsAnswer(s.Op), lit: lit, current: cur, drawn: !s.Observed})
			continue
		}
		to := s.To
		if to == s.Actor || (s.Actor == keyflow.KMS && s.Op != keyflow.OpResponse) {
			to = "" // KMS's own work for your request: drawn on its lifeline
		}
		wipe := s.Op == keyflow.OpDataKeyWiped || s.Op == keyflow.OpLocalWipe || s.Op == keyflow.OpSSECKeyForgotten
		rows = append(rows, flowRow{from: s.Actor, to: to, label: stepLabel(s), lit: lit, current: cur, drawn: !s.Observed, wipe: wipe})
	}
	if v.State != jobRunning {
		return rows
	}
	for _, t := range matchTemplate(template(v.Spec), v.Steps) {
		if t.actor == keyflow.KMS && t.to == keyflow.S3 {
			rows = append(rows, flowRow{from: t.to, to: keyflow.KMS, label: string(t.op)}, flowRow{from: keyflow.KMS, to: t.to, label: kmsAnswer(t.op)})
			continue
		}
		s := actions.Step{Actor: t.actor, To: t.to, Op: t.op, Title: string(t.op)}
		if t.op == keyflow.OpRequest {
			s.Title = "request"
		}
		if t.op == keyflow.OpResponse {
			s.Title = "response"
		}
		rows = append(rows, flowRow{from: t.actor, to: t.to, label: stepLabel(s)})
	}
	return rows
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
	return drawRow(st, ln, flowRow{}, w)
}

// drawRow draws one row: lifelines, and an arrow or a local step.
func drawRow(st *styles.Styles, ln lanes, r flowRow, w int) string {
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
	if r.label == "" {
		return strings.Join(cells, "")
	}
	style := rowStyle(st, r)
	if r.to == "" {
		x := ln.x(r.from)
		icon := "├─ "
		if r.wipe && r.lit {
			icon = "├─ " + styles.IconWiped + " "
		}
		text := icon + r.label + drawnMark(r)
		if r.from == keyflow.KMS {
			// KMS is the rightmost lane: its own work is written leftwards.
			text = r.label + drawnMark(r) + " ─┤"
			x = max(0, x-len([]rune(text))+1)
		}
		writeCells(cells, x, style.Render, text)
		return strings.Join(cells, "")
	}
	a, b := ln.x(r.from), ln.x(r.to)
	left := b < a
	if left {
		a, b = b, a
	}
	span := b - a - 1
	label := " " + r.label + drawnMark(r) + " "
	if lipgloss.Width(label) > span-3 {
		label = fit(label, max(span-3, 0))
	}
	dashes := span - 1 - lipgloss.Width(label)
	pre := dashes / 2
	arrow := strings.Repeat("─", pre) + label + strings.Repeat("─", max(dashes-pre, 0))
	if left {
		arrow = styles.IconArrowL + arrow
	} else {
		arrow += styles.IconArrowR
	}
	writeCells(cells, a+1, style.Render, arrow)
	return strings.Join(cells, "")
}

func drawnMark(r flowRow) string {
	if r.drawn {
		return " *"
	}
	return ""
}

func rowStyle(st *styles.Styles, r flowRow) lipgloss.Style {
	switch {
	case !r.lit:
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

// writeCells writes s from x on, one rune per cell, all in one style: the
// first cell holds the whole styled run and the others are emptied, so
// the row is styled once rather than once per cell (View's hot spot).
func writeCells(cells []string, x int, render func(...string) string, s string) {
	rs := []rune(s)
	if x < 0 {
		rs = rs[min(-x, len(rs)):]
		x = 0
	}
	n := min(len(rs), len(cells)-x)
	if n <= 0 {
		return
	}
	cells[x] = render(string(rs[:n]))
	for i := x + 1; i < x+n; i++ {
		cells[i] = ""
	}
}

// flowFooter is the position, KMS counter, progress and current step.
func flowFooter(st *styles.Styles, v flowView, frame, w int, withDetail bool) string {
	var lines []string
	if withDetail && v.Shown > 0 && v.Shown <= len(v.Steps) {
		s := v.Steps[v.Shown-1]
		who := string(s.Actor)
		if s.To != "" && s.To != s.Actor {
			who += " → " + string(s.To)
		}
		head := st.StepTime.Render(s.Time.Format("15:04:05.000")) + " " + st.Bold.Render(who) + " "
		detail := s.Detail
		if !s.Observed {
			detail += " (not observed: what S3 does on your behalf)"
		}
		wrapped := strings.Split(wrap(head+st.Dim.Render(detail), w), "\n")
		lines = append(lines, wrapped[:min(2, len(wrapped))]...)
	}
	if v.State == jobRunning && v.Transfer {
		lines = append(lines, progressLine(st, v.Progress, w))
	}
	if v.State == jobFailed && v.Err != nil {
		lines = append(lines, strings.Split(renderError(st, v.Err, w), "\n")...)
	}
	pos := fmt.Sprintf("step %d of %d", v.Shown, len(v.Steps))
	state := v.State.String()
	if v.State == jobRunning {
		state = spinner[frame%len(spinner)] + " running"
	}
	kms := 0
	for i, s := range v.Steps {
		if i < v.Shown && (isS3KMSCall(s) || isOwnKMSCall(s)) {
			kms++
		}
	}
	foot := st.Dim.Render(pos+" · ←/→ replay · ") + st.KMS.Render(fmt.Sprintf("KMS calls %d", kms)) + st.Dim.Render(" · "+state)
	if hasDrawn(v.Steps) {
		foot += st.ArrowDrawn.Render(" · * not observed")
	}
	lines = append(lines, fit(foot, w))
	return strings.Join(lines, "\n")
}

func hasDrawn(steps []actions.Step) bool {
	for _, s := range steps {
		if !s.Observed {
			return true
		}
	}
	return false
}

// progressLine draws a transfer's bar with bytes, rate and ETA.
func progressLine(st *styles.Styles, p actions.Progress, w int) string {
	pct := 0.0
	if p.Total > 0 {
		pct = float64(p.Done) / float64(p.Total)
	}
	eta := "—"
	if p.Rate > 0 && p.Total > 0 {
		secs := float64(p.Total-p.Done) / p.Rate
		eta = fmt.Sprintf("%ds", int(secs+0.5))
	}
	text := fmt.Sprintf(" %3.0f%% %s/%s %s ETA %s", pct*100, humanSize(p.Done), humanSize(max(p.Total, 0)), humanRate(p.Rate), eta)
	barW := max(6, w-lipgloss.Width(text))
	bar := progress.New(progress.WithColors(st.Palette.Primary, st.Palette.KMS), progress.WithWidth(barW), progress.WithoutPercentage())
	return fit(bar.ViewAs(pct)+st.Dim.Render(text), w)
}
