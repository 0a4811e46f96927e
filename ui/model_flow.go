package ui

import (
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
)

// flowViewOf is what the flow panel shows of j: the replay position and
// the scroll.
func (m *Model) flowViewOf(j *job) flowView {
	return flowView{Spec: j.Meta.Flow, Steps: j.Steps, Shown: m.shownSteps(j), State: j.State,
		Transfer: j.Meta.Transfer, Progress: j.Progress, Err: j.Err, Scroll: m.flowTop, KeyNames: m.c.Catalog.Names, Rows: m.flowRows, KMS: j.KMS}
}

// flowKey scrolls the focused flow panel.
func (m *Model) flowKey(msg tea.KeyPressMsg) {
	k := m.c.Keys
	page := max(m.lay.flow.h-6, 1)
	switch {
	case key.Matches(msg, k.FlowUp):
		m.scrollFlow(-1)
	case key.Matches(msg, k.FlowDown):
		m.scrollFlow(1)
	case key.Matches(msg, k.PageUp):
		m.scrollFlow(-page)
	case key.Matches(msg, k.PageDown):
		m.scrollFlow(page)
	case key.Matches(msg, k.Home):
		m.scrollFlow(-1 << 20)
	case key.Matches(msg, k.End):
		m.scrollFlow(1 << 20)
	}
}

// scrollFlow moves the flow panel's body by d lines, from where it is
// (following the current step until the first scroll).
func (m *Model) scrollFlow(d int) {
	j := m.jobs.selected()
	r := m.lay.flow
	if j == nil || r.w == 0 {
		return
	}
	// The pane's inside, less the jobs line (see flowPane).
	f := layoutFlow(m.c.Styles, m.flowViewOf(j), m.frame, r.w-4, r.h-3)
	top := m.flowTop
	if top < 0 {
		top = f.follow
	}
	m.flowTop = max(0, min(top+d, f.maxScroll()))
}
