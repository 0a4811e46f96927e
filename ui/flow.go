package ui

import (
	"fmt"
	"strings"

	"charm.land/bubbles/v2/progress"
	"charm.land/lipgloss/v2"

	"github.com/s3crypt/s3crypt/actions"
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
	// KeyNames names KMS keys by ARN as the Keys view knows them, so the
	// legend says the alias of the key S3 reported.
	KeyNames map[string]string
	// Rows remembers drawn rows across frames (nil: draw them all).
	Rows *rowCache
	// KMS is the job's exact KMS request count, once it ended.
	KMS *actions.KMSRequests
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
		f.body = append(f.body, v.Rows.draw(st, ln, r, width)...)
	}
	if refused >= 0 {
		cur = refused
	}
	f.rows = len(f.body)
	if chips := flowChips(st, v, width); chips != "" {
		f.body = append(f.body, strings.Split(chips, "\n")...)
	}
	// The step's sentence and the progress (or, once a job failed, its
	// error) stay under the diagram while it scrolls, unless that leaves
	// it too little room; the sentence of a failed job scrolls with it.
	caption := flowCaption(st, v, width)
	if v.State == jobFailed && v.Err != nil {
		f.body = append(f.body, caption...)
		caption = strings.Split(renderError(st, v.Err, width), "\n")
	}
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

// flowCaption is the current step's sentence, wrapped in full, and the
// transfer's progress.
func flowCaption(st *styles.Styles, v flowView, w int) []string {
	var lines []string
	// A failed job's last step is told by its error, below.
	last := v.State == jobFailed && v.Err != nil && len(v.Steps) > 0 && v.Shown == len(v.Steps) && v.Steps[len(v.Steps)-1].Err != ""
	if v.Shown > 0 && v.Shown <= len(v.Steps) && !last {
		s := v.Steps[v.Shown-1]
		who := string(s.Actor)
		if s.To != "" && s.To != s.Actor {
			who += " → " + string(s.To)
		}
		head := st.StepTime.Render(s.Time.Format("15:04:05.000")) + " " + st.Bold.Render(who) + " "
		if strings.HasPrefix(strings.ToLower(s.Detail), strings.ToLower(string(s.Actor))+" ") {
			// The sentence names who acted ("S3 wiped …"): not twice.
			head = st.StepTime.Render(s.Time.Format("15:04:05.000")) + " "
		}
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
	kms := kmsCallsIn(v.Steps, v.Shown, v.KMS)
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
