package ui

import (
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"github.com/s3crypt/s3crypt/ui/styles"
)

// resize lays the panes out for w × h and sizes the children.
func (m *Model) resize(w, h int) {
	m.w, m.h = max(w, 40), max(h, 12)
	m.lay = computeLayout(m.w, m.h, m.secondary)
	in := func(r rect) (int, int) { return max(r.w-4, 1), max(r.h-2, 1) }
	lw, lh := in(m.lay.list)
	for _, v := range m.views {
		v.SetSize(lw, lh)
	}
	m.log.SetSize(in(m.lay.log))
	m.help.SetWidth(m.w)
	if m.dialog != nil {
		m.dialog.SetSize(m.w, m.h)
	}
}

// View draws the screen: header, panes, status and help; an open dialog
// or the full help floats over them.
func (m *Model) View() tea.View {
	v := tea.NewView(m.render())
	v.AltScreen = true
	v.MouseMode = tea.MouseModeCellMotion
	v.WindowTitle = "s3crypt · " + m.c.Backend.Label
	if j := m.jobs.selected(); j != nil && j.State == jobRunning && j.Meta.Transfer && j.Progress.Total > 0 {
		v.ProgressBar = tea.NewProgressBar(tea.ProgressBarDefault, int(100*j.Progress.Done/j.Progress.Total))
	}
	return v
}

// render is the screen as a string (what goldens hold).
func (m *Model) render() string {
	var panes []string
	for _, p := range []paneID{paneList, paneFlow, paneDetails, paneLog} {
		r := m.lay.rectOf(p)
		if r.w == 0 {
			continue
		}
		panes = append(panes, m.drawPaneAt(p, r))
	}
	screen := m.header() + "\n" + m.placePanes(panes) + "\n" + m.statusLine() + "\n" + m.helpLine()
	switch {
	case m.dialog != nil:
		return overlay(screen, m.dialog.View(), m.w, m.h)
	case m.fullHelp:
		return overlay(screen, m.fullHelpBox(), m.w, m.h)
	}
	return screen
}

// placePanes joins the pane strings by their rects (rows of panes side by
// side).
func (m *Model) placePanes(panes []string) string {
	l := m.lay
	join := func(a, b string) string { return lipgloss.JoinHorizontal(lipgloss.Top, a, b) }
	var rows []string
	var rs []rect
	for _, p := range []paneID{paneList, paneFlow, paneDetails, paneLog} {
		if r := l.rectOf(p); r.w > 0 {
			rs = append(rs, r)
		}
	}
	for i := 0; i < len(panes); i++ {
		if i+1 < len(panes) && rs[i+1].y == rs[i].y {
			rows = append(rows, join(panes[i], panes[i+1]))
			i++
			continue
		}
		rows = append(rows, panes[i])
	}
	return strings.Join(rows, "\n")
}

func (m *Model) drawPaneAt(p paneID, r rect) string {
	st := m.c.Styles
	focused := m.focus == p
	iw, ih := r.w-4, r.h-2
	switch p {
	case paneList:
		return drawPane(st, m.listTitle(r.w-6), m.cur().View(focused), r, focused)
	case paneFlow:
		title, body := m.flowPane(iw, ih)
		return drawPane(st, m.secondaryTitle(p, title), body, r, focused)
	case paneDetails:
		return drawPane(st, m.secondaryTitle(p, "Details"), m.cur().Details(iw), r, focused)
	}
	if s, title := m.side(); s != nil {
		return drawPane(st, m.secondaryTitle(p, title), s.sideView(iw, ih, focused), r, focused)
	}
	var sel uint64
	if j := m.jobs.selected(); j != nil {
		sel = uint64(j.ID)
	}
	return drawPane(st, m.secondaryTitle(p, m.log.Title()), m.log.View(focused, jobIDOf(sel)), r, focused)
}

// secondaryTitle adds, on small screens, the other panes w switches to.
func (m *Model) secondaryTitle(p paneID, title string) string {
	if !m.lay.compact {
		return title
	}
	next := map[paneID]string{paneFlow: "details", paneDetails: "aws log", paneLog: "flow"}[p]
	if s, _ := m.side(); s != nil && p == paneDetails {
		next = "lesson"
	}
	return title + " · w: " + next
}

// listTitle is the tab bar and the view's context ("3 buckets") in w
// columns. When the full labels and the context do not fit, the tabs not
// shown keep only their numbers ("1 2 Buckets 3 4 5 · 3 buckets"), so the
// context stays whole; only when even that does not fit does the pane cut
// the context.
func (m *Model) listTitle(w int) string {
	st := m.c.Styles
	ctx := " · " + m.cur().Title()
	tabs := func(short bool) string {
		parts := make([]string, len(m.views))
		for i, v := range m.views {
			tab := itoa(i + 1)
			if viewID(i) == m.view {
				parts[i] = st.TabActive.Render(tab + " " + v.Tab())
				continue
			}
			if !short {
				tab += " " + v.Tab()
			}
			parts[i] = st.Tab.Render(tab)
		}
		return strings.Join(parts, " ")
	}
	bar := tabs(false)
	if lipgloss.Width(bar)+lipgloss.Width(ctx) > w {
		bar = tabs(true)
	}
	return bar + st.Dim.Render(ctx)
}

// flowPane is the flow of the selected job, at the replay position.
func (m *Model) flowPane(w, h int) (string, string) {
	st := m.c.Styles
	j := m.jobs.selected()
	if j == nil {
		return "Flow", renderFlow(st, flowView{}, m.frame, w, h)
	}
	jl := jobsLine(st, m.jobs, m.frame, w)
	body := renderFlow(st, m.flowViewOf(j), m.frame, w, h-1)
	return "Flow · " + j.Meta.Flow.Title(), jl + "\n" + body
}

// shownSteps is how many of j's steps are lit: all while following, else
// the replay position.
func (m *Model) shownSteps(j *job) int {
	if m.replay < 0 || m.replay > len(j.Steps) {
		return len(j.Steps)
	}
	return m.replay
}

func (m *Model) header() string {
	st := m.c.Styles
	left := st.Logo.Render("s3crypt") + " "
	if m.c.Backend.Lesson != "" {
		left += st.LessonBadge.Render(m.c.Backend.Lesson+"'s own sandbox") + " "
	}
	left += st.HeaderText.Render(m.c.Backend.Label)
	if m.identity != "" {
		left += st.HeaderDim.Render(" · " + m.identity)
	}
	right := st.KMS.Render(fmt.Sprintf("KMS calls %d", m.jobs.kmsTotal(m.c.Backend.OwnKMS)))
	if n := m.jobs.running(); n > 0 {
		right += st.HeaderDim.Render(" · ") + st.JobRunning.Render(fmt.Sprintf("%s %d running", spinner[m.frame%len(spinner)], n))
	}
	right += st.HeaderDim.Render(" · ? help")
	gap := m.w - lipgloss.Width(right) - 1
	return fit(left, gap) + " " + right
}

func (m *Model) statusLine() string {
	st := m.c.Styles
	switch {
	case m.quitAsk:
		return fit(st.StatusError.Render(fmt.Sprintf("%d job(s) still running: quit and cancel them? y/n", m.jobs.running())), m.w)
	case m.status != "" && m.statusErr:
		return fit(st.StatusError.Render(styles.IconFail+" "+m.status), m.w)
	case m.status != "":
		return fit(st.StatusOK.Render(m.status), m.w)
	}
	return fit(st.Status.Render(m.cur().Place()), m.w)
}

func (m *Model) helpLine() string {
	if m.dialog != nil {
		return m.fitHelp(m.dialog.ShortHelp(), nil)
	}
	k := m.keyMap()
	switch {
	case m.quitAsk:
		return m.fitHelp([]key.Binding{brief(k.Yes, "quit, cancelling them"), brief(k.No, "keep running")}, nil)
	case m.typingFilter():
		return m.fitHelp(m.cur().ShortHelp(), nil) // every other key types into the input
	}
	var hs []key.Binding
	switch m.focus {
	case paneFlow:
		hs = []key.Binding{k.StepBack, k.StepFwd, k.FlowUp, k.FlowDown, k.PrevJob, k.NextJob, k.CancelJob}
	case paneLog:
		hs = []key.Binding{k.Up, k.Down, k.Copy}
		if s, _ := m.side(); s != nil {
			hs = append([]key.Binding{k.Up, k.Down}, m.globalHelp()...)
		}
	case paneDetails: // the details pane takes no keys of its own
		hs = []key.Binding{k.CancelJob}
	default:
		hs = append(m.cur().ShortHelp(), k.CancelJob) // esc: cancel the running job, or the view's own (clear a kept filter)
	}
	hs = append(hs, k.NextView, k.FocusNext)
	return m.fitHelp(hs, []key.Binding{k.Help, k.Quit})
}

func (m *Model) fullHelpGroups() [][]key.Binding {
	g := m.cur().FullHelp()
	k := m.keyMap()
	nav := append(append([]key.Binding{k.NextView, k.PrevView}, m.viewBindings()...), k.FocusNext, k.Refresh)
	if _, own := m.cur().(globalKeyer); !own && len(m.globalHelp()) > 0 { // the view that has them lists them already
		gh := m.globalHelp()
		g = append(g, gh)
	}
	return append(g, nav,
		[]key.Binding{k.StepBack, k.StepFwd, k.FlowUp, k.FlowDown, k.PrevJob, k.NextJob, k.CancelJob}, []key.Binding{k.Copy, k.Help, k.Quit})
}

// overlay centres box over screen.
func overlay(screen, box string, w, h int) string {
	bw, bh := lipgloss.Width(box), lipgloss.Height(box)
	x, y := max(0, (w-bw)/2), max(0, (h-bh)/2)
	return lipgloss.NewCompositor(lipgloss.NewLayer(screen), lipgloss.NewLayer(box).X(x).Y(y).Z(1)).Render()
}
