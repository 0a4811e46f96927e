package ui

import (
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/s3crypt/s3crypt/actions"
)

// logEntry is one aws CLI equivalent and the job that reported it.
type logEntry struct {
	job actions.JobID
	cmd actions.Command
}

// logPane lists the aws commands equivalent to what s3crypt did, newest
// last; the selected one is what c copies.
type logPane struct {
	c       *Common
	entries []logEntry
	sel     int // -1: follow the newest
	w, h    int
}

func newLogPane(c *Common) logPane { return logPane{c: c, sel: -1} }

// SetSize sets the body size.
func (p *logPane) SetSize(w, h int) { p.w, p.h = w, h }

// add appends a command.
func (p *logPane) add(job actions.JobID, c actions.Command) {
	p.entries = append(p.entries, logEntry{job: job, cmd: c})
}

// selected returns the entry c copies.
func (p logPane) selected() (logEntry, bool) {
	if len(p.entries) == 0 {
		return logEntry{}, false
	}
	if p.sel < 0 || p.sel >= len(p.entries) {
		return p.entries[len(p.entries)-1], true
	}
	return p.entries[p.sel], true
}

// Update moves the selection.
func (p logPane) Update(msg tea.Msg) (logPane, tea.Cmd) {
	k := p.c.Keys
	d := 0
	switch msg := msg.(type) {
	case tea.KeyPressMsg:
		switch {
		case key.Matches(msg, k.Up):
			d = -1
		case key.Matches(msg, k.Down):
			d = 1
		case key.Matches(msg, k.End):
			p.sel = -1
			return p, nil
		}
	case tea.MouseWheelMsg:
		d = wheelDelta(msg) / 3
	}
	if d != 0 && len(p.entries) > 0 {
		cur := p.sel
		if cur < 0 {
			cur = len(p.entries) - 1
		}
		p.sel = max(0, min(cur+d, len(p.entries)-1))
	}
	return p, nil
}

// View draws the entries that fit, keeping the selected one in view.
func (p logPane) View(focused bool, selJob actions.JobID) string {
	st := p.c.Styles
	if len(p.entries) == 0 {
		return st.Empty.Render(wrap("The aws CLI commands equivalent to each action appear here; c copies one (runnable against this backend).", p.w))
	}
	cur := p.sel
	if cur < 0 {
		cur = len(p.entries) - 1
	}
	var blocks []string
	for i, e := range p.entries {
		mark := "  "
		style := st.Dim
		if e.job == selJob {
			style = st.Value
		}
		if i == cur {
			mark = st.FieldFocused.Render("▸ ")
		}
		// The whole command, global options included: it runs as shown.
		text := wrap("$ "+e.cmd.String(), max(p.w-2, 10))
		lines := strings.Split(text, "\n")
		for j := range lines {
			lines[j] = "  " + style.Render(lines[j])
		}
		lines[0] = mark + strings.TrimPrefix(lines[0], "  ")
		if note := e.cmd.Comment(); note != "" {
			lines = append(lines, "  "+st.Hint.Render(fit("# "+note, p.w-2)))
		}
		blocks = append(blocks, strings.Join(lines, "\n"))
	}
	// Where the credentials are, once, pinned atop the commands.
	var head []string
	if cred := p.c.Backend.Credentials; cred != "" && p.h > 2 {
		head = strings.Split(wrap("# "+cred, max(p.w, 10)), "\n")
		if n := max(p.h/3, 1); len(head) > n {
			head = head[:n]
			head[n-1] = fit(head[n-1]+" …", p.w)
		}
		for i := range head {
			head[i] = st.Hint.Render(head[i])
		}
	}
	// Show the blocks ending at the selected one, as many as fit.
	out := []string{}
	room := p.h - len(head)
	for i := cur; i >= 0; i-- {
		ls := strings.Split(blocks[i], "\n")
		if len(out)+len(ls) > room && len(out) > 0 {
			break
		}
		out = append(ls, out...)
	}
	return strings.Join(append(head, out...), "\n")
}

// Title is the pane title.
func (p logPane) Title() string {
	return fmt.Sprintf("aws equivalent · %d · c copies", len(p.entries))
}
