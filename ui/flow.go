package ui

import (
	"errors"
	"fmt"
	"strings"

	"charm.land/bubbles/v2/progress"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

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
	// Scroll is the first body line shown; -1 follows the current step.
	Scroll int
}

// rowMark is whether a row of the diagram happened, and how.
type rowMark int

// The marks. Each reads differently without colour: a done step is drawn
// plainly, a step not yet reached with a dotted line and ○, a failed one
// with ✗ and what refused it, one that never happened with – and why.
const (
	markDone    rowMark = iota // it happened (up to the replay position)
	markNotYet                 // expected while running, or after the replay position
	markFailed                 // it happened and was refused
	markSkipped                // it never happened: the job failed or was cancelled first
)

// flowRow is one step of the sequence diagram (one or more lines).
type flowRow struct {
	from, to keyflow.Actor // to == "" for work done locally
	label    string
	mark     rowMark
	current  bool
	drawn    bool // not observed: what S3 does on your behalf
	wipe     bool
	note     bool   // a sentence across the lanes, not a step
	short    string // the label when a word of label does not fit the arrow
	refused  bool   // a step that was refused (not the error it led to)
}

func (r flowRow) lit() bool { return r.mark == markDone || r.mark == markFailed }

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

// flowLayout is the flow panel cut into its parts: the lane header and
// the status lines stay put, the body (diagram, keys, the step's
// sentence, the error) scrolls when it is taller than view.
type flowLayout struct {
	header string
	body   []string
	rows   int // body lines that are the diagram
	status []string
	view   int // body lines that fit
	follow int // the offset that shows the current step
}

// maxScroll is the largest useful offset of the body.
func (f flowLayout) maxScroll() int {
	if len(f.body) <= f.view {
		return 0
	}
	return len(f.body) - f.view + 1 // the top line becomes the "more above" mark
}

// layoutFlow builds the panel's parts for width × height cells.
func layoutFlow(st *styles.Styles, v flowView, frame, width, height int) flowLayout {
	ln := newLanes(width)
	f := flowLayout{header: laneHeader(st, ln, width)}
	// The line to keep in view: the row before the current step (for
	// context), or before the first refusal, which matters more.
	cur, refused, prev := -1, -1, 0
	starts := map[int]bool{}
	for _, r := range flowRows(v) {
		if r.current && cur < 0 {
			cur = prev
		}
		if r.refused && refused < 0 {
			refused = prev
		}
		prev = len(f.body)
		starts[prev] = true
		f.body = append(f.body, drawRow(st, ln, r, width)...)
	}
	if refused >= 0 {
		cur = refused
	}
	f.rows = len(f.body)
	if chips := flowChips(st, v, width); chips != "" {
		f.body = append(f.body, strings.Split(chips, "\n")...)
	}
	if v.State == jobFailed && v.Err != nil {
		f.body = append(f.body, strings.Split(renderError(st, v.Err, width), "\n")...)
	}
	// The step's sentence and the progress stay under the diagram while
	// it scrolls, unless that leaves it too little room.
	caption := flowCaption(st, v, width)
	f.status = flowStatus(st, v, frame, width)
	if height-1-len(f.status)-len(caption) < min(f.rows, 4) {
		f.body = append(f.body, caption...)
	} else {
		f.status = append(caption, f.status...)
	}
	f.view = max(height-1-len(f.status), 1)
	f.follow = 0
	if m := f.maxScroll(); m > 0 {
		// The end (keys, sentence, error) unless that hides the current
		// step of a running job or a replay.
		f.follow = m
		if (refused >= 0 || v.State == jobRunning || v.Shown < len(v.Steps)) && cur >= 0 && cur < m {
			f.follow = cur
		}
		// Never open on the middle of a wrapped row.
		for f.follow < f.rows && f.follow > 0 && !starts[f.follow] {
			f.follow++
		}
	}
	return f
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
	f := layoutFlow(st, v, frame, width, height)
	out := []string{f.header}
	if len(f.body) <= f.view {
		out = append(out, f.body[:f.rows]...)
		for range f.view - len(f.body) {
			out = append(out, lifelines(st, newLanes(width), width))
		}
		out = append(out, f.body[f.rows:]...)
	} else {
		off := f.follow
		if v.Scroll >= 0 {
			off = min(v.Scroll, f.maxScroll())
		}
		out = append(out, scrollWindow(st, f.body, off, f.view, width)...)
	}
	out = append(out, f.status...)
	return strings.Join(out, "\n")
}

// scrollWindow is view lines of body from off, with a mark where lines
// are hidden above or below.
func scrollWindow(st *styles.Styles, body []string, off, view, width int) []string {
	var out []string
	avail := view
	if off > 0 {
		avail--
	}
	end := min(len(body), off+avail)
	below := len(body) - end
	if below > 0 && avail > 1 {
		end--
		below++
	}
	if off > 0 {
		out = append(out, fit(st.ScrollMark.Render(fmt.Sprintf("%s %d more above · ↑ or wheel", styles.IconMoreAbove, off)), width))
	}
	out = append(out, body[off:end]...)
	if below > 0 && len(out) < view {
		out = append(out, fit(st.ScrollMark.Render(fmt.Sprintf("%s %d more below · ↓ or wheel", styles.IconMoreBelow, below)), width))
	}
	return out
}

func flowEmpty(st *styles.Styles, width int) string {
	return st.Empty.Render(wrap("No action yet. Upload (u) or download (d) an object, or generate a data key (d in Keys): "+
		"each step of the envelope encryption lights up here as it happens, and can be replayed with ←/→.", width))
}

// flowRows turns steps (and the expected rest: still to come while
// running, not done once the job failed or was cancelled) into rows.
func flowRows(v flowView) []flowRow {
	var rows []flowRow
	for i, s := range v.Steps {
		mark := markNotYet
		if i < v.Shown {
			mark = markDone
		}
		failed := mark == markDone && s.Err != ""
		cur := mark == markDone && i == v.Shown-1
		if s.Actor == keyflow.KMS && s.To == keyflow.S3 && s.Op != keyflow.OpManagedKeyCreated {
			ask, answer, amark := notYet(s.Title, mark), notYet(kmsAnswer(s.Op), mark), mark
			if failed {
				answer, amark = styles.IconFail+" refused: "+refusal(s.Err), markFailed
			}
			rows = append(rows,
				flowRow{from: s.To, to: keyflow.KMS, label: ask, mark: mark, current: cur, drawn: !s.Observed},
				flowRow{from: keyflow.KMS, to: s.To, label: answer, mark: amark, current: cur, drawn: !s.Observed, refused: failed})
			continue
		}
		to := s.To
		if to == s.Actor || (s.Actor == keyflow.KMS && s.Op != keyflow.OpResponse) {
			to = "" // KMS's own work for your request: drawn on its lifeline
		}
		wipe := s.Op == keyflow.OpDataKeyWiped || s.Op == keyflow.OpLocalWipe || s.Op == keyflow.OpSSECKeyForgotten
		label := notYet(stepLabel(s), mark)
		if mark == markDone && (failed || s.Op == keyflow.OpSSECKeyRejected || s.Op == keyflow.OpRequestRejected) {
			label, mark = styles.IconFail+" "+label+refusedBy(s), markFailed
		}
		rows = append(rows, flowRow{from: s.Actor, to: to, label: label, mark: mark, current: cur, drawn: !s.Observed, wipe: wipe,
			refused: mark == markFailed})
	}
	switch v.State {
	case jobRunning:
		return append(rows, expectedRows(v, markNotYet)...)
	case jobFailed, jobCancelled:
		return append(rows, expectedRows(v, markSkipped)...)
	}
	return rows
}

// expectedRows are the template's steps that have not happened: still to
// come (markNotYet) or never done (markSkipped). A failed job's missing
// response is the error S3 or KMS answered.
func expectedRows(v flowView, mark rowMark) []flowRow {
	var rows []flowRow
	hadKey := hadDataKey(v.Steps)
	rest := matchTemplate(template(v.Spec), v.Steps)
	if mark == markSkipped && (len(rest) > 1 || len(rest) == 1 && (rest[0].op != keyflow.OpResponse || v.State == jobCancelled)) {
		rows = append(rows, stoppedRow(v))
	}
	for _, t := range rest {
		s := actions.Step{Actor: t.actor, To: t.to, Op: t.op, Title: string(t.op)}
		switch t.op {
		case keyflow.OpRequest:
			s.Title = "request"
		case keyflow.OpResponse:
			s.Title = "response"
		}
		label := stepLabel(s)
		if t.actor == keyflow.KMS && t.to == keyflow.S3 {
			if mark == markNotYet {
				rows = append(rows, flowRow{from: t.to, to: keyflow.KMS, label: notYet(string(t.op), mark), mark: mark},
					flowRow{from: keyflow.KMS, to: t.to, label: notYet(kmsAnswer(t.op), mark), mark: mark})
				continue
			}
			rows = append(rows, flowRow{from: t.to, to: keyflow.KMS, label: styles.IconSkipped + " " + string(t.op), mark: mark})
			continue
		}
		from, to := t.actor, t.to
		if from == keyflow.KMS && t.op != keyflow.OpResponse {
			to = ""
		}
		switch {
		case mark == markNotYet:
			label = notYet(label, mark)
		case t.op == keyflow.OpResponse && v.State == jobFailed:
			rows = append(rows, flowRow{from: from, to: to, label: styles.IconFail + " " + errorAnswer(v.Err), mark: markFailed,
				short: styles.IconFail + " error"})
			continue
		case t.op == keyflow.OpDataKeyWiped && !hadKey:
			label = styles.IconSkipped + " no plaintext key to wipe"
		default:
			label = styles.IconSkipped + " " + label
		}
		rows = append(rows, flowRow{from: from, to: to, label: label, mark: mark})
	}
	return rows
}

// notYet marks the label of a step not reached yet.
func notYet(label string, mark rowMark) string {
	if mark != markNotYet {
		return label
	}
	return styles.IconPending + " " + label
}

// stoppedRow is the note, across the lanes, where a failed or cancelled
// job stopped: the steps after it did not happen, and why.
func stoppedRow(v flowView) flowRow {
	if v.State == jobCancelled {
		return flowRow{label: styles.IconSkipped + " skipped: cancelled, so the steps below did not happen", mark: markSkipped, note: true}
	}
	why := "the request failed"
	for _, s := range v.Steps {
		if s.Err != "" {
			why = string(s.Actor) + " refused (" + refusal(s.Err) + ")"
		}
	}
	return flowRow{label: styles.IconFail + " not done: " + why + ", so the steps below did not happen", mark: markFailed, note: true}
}

// hadDataKey reports whether a plaintext data key came to exist.
func hadDataKey(steps []actions.Step) bool {
	for _, s := range steps {
		switch s.Op {
		case keyflow.OpGenerateDataKey, keyflow.OpDecrypt, keyflow.OpDataKeyGenerated, keyflow.OpDataKeyUnwrapped:
			if s.Err == "" {
				return true
			}
		}
	}
	return false
}

// refusedBy is ": why" for a failed step, "" when it says nothing.
func refusedBy(s actions.Step) string {
	if s.Err == "" {
		return ""
	}
	return ": " + refusal(s.Err)
}

// refusal turns a step's error ("Code: message") into a few words.
func refusal(err string) string {
	code, msg, _ := strings.Cut(err, ": ")
	switch strings.TrimPrefix(code, "KMS.") {
	case "DisabledException":
		return "key disabled"
	case "KMSInvalidStateException":
		return "key not usable in its state"
	case "NotFoundException":
		return "key not found"
	case "AccessDeniedException", "AccessDenied":
		return "access denied"
	case "InvalidCiphertextException":
		return "ciphertext or context does not match"
	case "IncorrectKeyException":
		return "wrong KMS key"
	case "KeyUnavailableException":
		return "key unavailable"
	}
	if msg != "" && strings.ContainsAny(code, " ") {
		return err
	}
	return code
}

// errorAnswer is the failed response a job got, as its status and code.
func errorAnswer(err error) string {
	var ae *actions.Error
	if errors.As(err, &ae) && ae.Code != "" {
		if ae.Status > 0 {
			return fmt.Sprintf("error %d %s", ae.Status, ae.Code)
		}
		return "error " + ae.Code
	}
	return "error"
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

// flowCaption is the current step's sentence, wrapped in full, and the
// transfer's progress.
func flowCaption(st *styles.Styles, v flowView, w int) []string {
	var lines []string
	// A failed job's last step is told by its error, below.
	last := v.State == jobFailed && v.Err != nil && v.Shown == len(v.Steps) && v.Steps[len(v.Steps)-1].Err != ""
	if v.Shown > 0 && v.Shown <= len(v.Steps) && !last {
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
		lines = append(lines, strings.Split(wrap(head+st.Dim.Render(detail), w), "\n")...)
	}
	if v.State == jobRunning && v.Transfer {
		lines = append(lines, progressLine(st, v.Progress, w))
	}
	return lines
}

// flowStatus is the position, KMS counter, state and the legend of the
// marks shown, packed on as few lines as fit.
func flowStatus(st *styles.Styles, v flowView, frame, w int) []string {
	state := v.State.String()
	if v.State == jobRunning {
		state = spinner[frame%len(spinner)] + " running"
	}
	kms := 0
	for i, s := range v.Steps {
		if i < v.Shown && isKMSCall(s) {
			kms++
		}
	}
	parts := []string{st.Dim.Render(fmt.Sprintf("step %d of %d", v.Shown, len(v.Steps))), st.Dim.Render("←/→ replay"),
		st.KMS.Render(fmt.Sprintf("KMS calls %d", kms)), st.Dim.Render(state)}
	if hasDrawn(v.Steps) {
		parts = append(parts, st.ArrowDrawn.Render("* not observed"))
	}
	sep := st.Dim.Render(" · ")
	var lines []string
	line := ""
	for _, p := range parts {
		switch {
		case line == "":
			line = p
		case lipgloss.Width(line)+lipgloss.Width(sep)+lipgloss.Width(p) <= w:
			line += sep + p
		default:
			lines = append(lines, fit(line, w))
			line = p
		}
	}
	// The legend of ○ only where it fits: the dotted rows say it too.
	if legend := st.ArrowPending.Render(styles.IconPending + " not yet"); (v.State == jobRunning || v.Shown < len(v.Steps)) &&
		lipgloss.Width(line)+lipgloss.Width(sep)+lipgloss.Width(legend) <= w {
		line += sep + legend
	}
	return append(lines, fit(line, w))
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
