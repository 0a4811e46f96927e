package ui

import (
	"strings"

	"charm.land/bubbles/v2/key"
	"charm.land/lipgloss/v2"
)

// helpRows is how many lines the help bar takes at width w: below 100
// columns one line cannot hold a view's keys, so it takes two.
func helpRows(w int) int {
	if w < 100 {
		return 2
	}
	return 1
}

// keyMap is the key map with the global keys enabled for the session's
// state: job keys only with jobs, copy only once there is a command, esc
// only with a running job or a filter to clear.
func (m *Model) keyMap() KeyMap {
	k := m.c.Keys
	j := m.jobs.selected()
	_, logged := m.log.selected()
	_, esc := m.viewEsc()
	k.Copy = enable(k.Copy, logged)
	k.CancelJob = enable(k.CancelJob, esc != "" || j != nil && j.State == jobRunning)
	if esc != "" {
		k.CancelJob = brief(k.CancelJob, esc)
	}
	k.PrevJob, k.NextJob = enable(k.PrevJob, len(m.jobs.list) > 1), enable(k.NextJob, len(m.jobs.list) > 1)
	k.StepBack, k.StepFwd = enable(k.StepBack, j != nil && len(j.Steps) > 0), enable(k.StepFwd, j != nil && len(j.Steps) > 0)
	return k
}

// typingFilter reports whether keys go to the shown view's own input (the
// objects filter).
func (m *Model) typingFilter() bool {
	return m.capturing() && m.focus == paneList
}

// fitHelp lays the enabled bindings of hs out on the help bar's lines, in
// their order, and ends the last line with tail (help and quit). When
// they do not all fit, the last of hs give way first: callers put the
// view's own keys before the global ones, which full help (?) lists.
func (m *Model) fitHelp(hs, tail []key.Binding) string {
	rows := helpRows(m.w)
	var items []string
	for _, b := range hs {
		if b.Enabled() {
			items = append(items, m.help.ShortHelpView([]key.Binding{b}))
		}
	}
	end := m.help.ShortHelpView(tail)
	for n := len(items); n >= 0; n-- {
		if lines, ok := m.packHelp(items[:n], end, rows); ok {
			for len(lines) < rows {
				lines = append(lines, "")
			}
			for i := range lines {
				lines[i] = fit(lines[i], m.w)
			}
			return strings.Join(lines, "\n")
		}
	}
	return fit(end, m.w) + strings.Repeat("\n", rows-1)
}

// packHelp fills at most rows lines of m.w cells with items, then tail at
// the end of the last line, and reports whether they fit.
func (m *Model) packHelp(items []string, tail string, rows int) ([]string, bool) {
	sep := m.help.Styles.ShortSeparator.Render(m.help.ShortSeparator)
	lines := []string{""}
	add := func(s string) {
		cur := lines[len(lines)-1]
		switch {
		case cur == "":
			lines[len(lines)-1] = s
		case lipgloss.Width(cur+sep+s) <= m.w:
			lines[len(lines)-1] = cur + sep + s
		default:
			lines = append(lines, s)
		}
	}
	for _, it := range items {
		add(it)
	}
	if tail != "" {
		add(tail)
	}
	for _, l := range lines {
		if lipgloss.Width(l) > m.w {
			return nil, false
		}
	}
	return lines, len(lines) <= rows
}

// fullHelpBox is the full help (?) as a dialog box: the groups of
// fullHelpGroups as columns, wrapped into rows of columns so the box fits
// the screen (80 x 24 included).
func (m *Model) fullHelpBox() string {
	st := m.c.Styles
	w := min(m.w-8, 110)
	title := st.DialogTitle.Render("Help · "+m.cur().Tab()+" view") +
		st.Hint.Render("  (keys for the selection; "+m.viewNumbers()+" switch views)")
	const gap = "    "
	var rows []string
	cur := ""
	for _, g := range m.fullHelpGroups() {
		col := m.help.FullHelpView([][]key.Binding{g})
		switch {
		case col == "":
		case cur == "":
			cur = col
		case lipgloss.Width(cur)+len(gap)+lipgloss.Width(col) <= w:
			cur = lipgloss.JoinHorizontal(lipgloss.Top, cur, gap, col)
		default:
			rows = append(rows, cur)
			cur = col
		}
	}
	if cur != "" {
		rows = append(rows, cur)
	}
	return dialogBox(st, fit(title, w)+"\n\n"+strings.Join(rows, "\n\n"), w)
}

// viewNumbers lists the keys that show the views: "1, 2, 3".
func (m *Model) viewNumbers() string {
	if len(m.views) > 2 { // "1–5": a list would not fit the title at 80 columns
		return "1–" + itoa(len(m.views))
	}
	ns := make([]string, len(m.views))
	for i := range m.views {
		ns[i] = itoa(i + 1)
	}
	return strings.Join(ns, ", ")
}
