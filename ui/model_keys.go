package ui

import (
	"context"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
)

// handleKey routes a key: the dialog, full help and the quit question
// first, then global keys, then the focused pane.
func (m *Model) handleKey(msg tea.KeyPressMsg) tea.Cmd {
	k := m.c.Keys
	switch {
	case m.dialog != nil:
		var cmd tea.Cmd
		m.dialog, cmd = m.dialog.Update(msg)
		return cmd
	case m.fullHelp:
		m.fullHelp = false
		return nil
	case m.quitAsk:
		return m.answerQuit(msg)
	case m.typingFilter():
		return m.cur().Update(msg)
	case key.Matches(msg, k.Quit):
		if m.jobs.running() > 0 {
			m.quitAsk = true
			return nil
		}
		return tea.Quit
	}
	if cmd, ok := m.handleGlobalKey(msg); ok {
		return cmd
	}
	return m.routeKeyToFocus(msg)
}

// handleGlobalKey handles the keys that work in every view.
func (m *Model) handleGlobalKey(msg tea.KeyPressMsg) (tea.Cmd, bool) {
	k := m.keyMap()
	switch {
	case key.Matches(msg, k.Help):
		m.fullHelp = true
	case key.Matches(msg, k.NextView):
		return m.switchView((m.view + 1) % viewID(len(m.views))), true
	case key.Matches(msg, k.PrevView):
		return m.switchView((m.view + viewID(len(m.views)) - 1) % viewID(len(m.views))), true
	case key.Matches(msg, k.FocusNext):
		m.cycleFocus()
	case key.Matches(msg, k.Refresh):
		return m.refresh(refreshKeys | refreshBuckets | refreshObjects), true
	case key.Matches(msg, k.Copy):
		return m.copySelected(), true
	case key.Matches(msg, k.CancelJob):
		return m.cancelSelected(), true
	case key.Matches(msg, k.PrevJob), key.Matches(msg, k.NextJob):
		d := 1
		if key.Matches(msg, k.PrevJob) {
			d = -1
		}
		m.jobs.cycle(d)
		m.replay, m.flowTop = -1, -1
	case key.Matches(msg, k.StepBack), key.Matches(msg, k.StepFwd):
		m.step(key.Matches(msg, k.StepFwd))
	default:
		if cmd, ok := m.globalKey(msg); ok {
			return cmd, true
		}
		for i, b := range m.viewBindings() {
			if key.Matches(msg, b) {
				return m.switchView(viewID(i)), true
			}
		}
		return nil, false
	}
	return nil, true
}

// routeKeyToFocus hands a key to the focused pane.
func (m *Model) routeKeyToFocus(msg tea.Msg) tea.Cmd {
	var cmd tea.Cmd
	switch m.focus {
	case paneLog:
		if s, _ := m.side(); s != nil {
			return s.sideUpdate(msg)
		}
		m.log, cmd = m.log.Update(msg)
	case paneList:
		cmd = m.cur().Update(msg)
	case paneFlow:
		if k, ok := msg.(tea.KeyPressMsg); ok {
			m.flowKey(k)
		}
	}
	return cmd
}

// switchView shows view v, focused.
func (m *Model) switchView(v viewID) tea.Cmd {
	m.view = v
	m.focus = paneList
	if d, ok := m.cur().(detailer); ok && d.detailsFirst() && m.lay.compact && m.secondary == paneFlow {
		m.secondary = paneDetails
		m.resize(m.w, m.h)
	}
	if s, ok := m.cur().(shower); ok {
		return s.onShow()
	}
	return nil
}

// cycleFocus moves focus to the next pane on screen; on small screens it
// also changes which secondary pane is shown.
func (m *Model) cycleFocus() {
	if m.lay.compact {
		if m.focus == paneList {
			m.focus = m.secondary
			return
		}
		m.secondary = m.secondary%3 + 1 // flow → details → log → flow
		if m.secondary == paneFlow {
			m.focus = paneList
		} else {
			m.focus = m.secondary
		}
		m.resize(m.w, m.h)
		return
	}
	m.focus = (m.focus + 1) % 4
}

// step moves the replay of the selected job one step.
func (m *Model) step(fwd bool) {
	j := m.jobs.selected()
	if j == nil {
		return
	}
	pos := m.shownSteps(j)
	if fwd {
		pos++
	} else {
		pos--
	}
	pos = max(0, min(pos, len(j.Steps)))
	m.replay, m.flowTop = pos, -1
	if pos == len(j.Steps) {
		m.replay = -1
	}
}

func (m *Model) answerQuit(msg tea.KeyPressMsg) tea.Cmd {
	switch k := m.c.Keys; {
	case key.Matches(msg, k.Yes):
		for _, j := range m.jobs.list {
			if j.State == jobRunning {
				m.worker.Cancel(j.ID)
			}
		}
		return tea.Quit
	case key.Matches(msg, k.No):
		m.quitAsk = false
	}
	return nil
}

func (m *Model) copySelected() tea.Cmd {
	e, ok := m.log.selected()
	if !ok {
		return m.setStatus("no aws command yet: run an action first", true)
	}
	return tea.Batch(tea.SetClipboard(e.cmd.String()), m.setStatus("copied, with its global options: "+e.cmd.Short(), false))
}

func (m *Model) cancelSelected() tea.Cmd {
	if e, what := m.viewEsc(); what != "" {
		return e.esc()
	}
	j := m.jobs.selected()
	if j == nil || j.State != jobRunning {
		return nil
	}
	m.worker.Cancel(j.ID)
	return m.setStatus("cancelling #"+itoa(int(j.ID))+" "+j.Meta.Title+"…", false)
}

// handleMouse focuses the pane under a click (selecting the row clicked)
// and scrolls the pane under the wheel.
func (m *Model) handleMouse(msg tea.MouseMsg) tea.Cmd {
	if m.dialog != nil {
		var cmd tea.Cmd
		m.dialog, cmd = m.dialog.Update(msg)
		return cmd
	}
	mouse := msg.Mouse()
	for _, p := range []paneID{paneList, paneFlow, paneDetails, paneLog} {
		r := m.lay.rectOf(p)
		if !r.contains(mouse.X, mouse.Y) {
			continue
		}
		switch msg := msg.(type) {
		case tea.MouseClickMsg:
			m.focus = p
			if p == paneList {
				return m.clickRow(mouse.Y - r.y - 1)
			}
		case tea.MouseWheelMsg:
			return m.wheel(p, msg)
		}
		return nil
	}
	return nil
}

func (m *Model) wheel(p paneID, msg tea.MouseWheelMsg) tea.Cmd {
	switch p {
	case paneList:
		return m.cur().Update(msg)
	case paneLog:
		if s, _ := m.side(); s != nil {
			return s.sideUpdate(msg)
		}
		var cmd tea.Cmd
		m.log, cmd = m.log.Update(msg)
		return cmd
	case paneFlow:
		m.scrollFlow(wheelDelta(msg))
	}
	return nil
}

// clickRow selects the list row at body line y.
func (m *Model) clickRow(y int) tea.Cmd {
	if c, ok := m.cur().(clicker); ok {
		return c.clickRow(y)
	}
	return nil
}

// inspect loads an object's inspection.
func inspectCmd(d Data, bucket, key string) tea.Cmd {
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		in, err := d.Inspect(ctx, bucket, key)
		return inspectedMsg{in: in, err: err}
	}
}
