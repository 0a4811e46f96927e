package ui

import (
	"os"
	"path/filepath"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
)

// openPicker shows the file picker for field fl, starting in the
// directory of its current value.
func (f *form) openPicker(fl *field) tea.Cmd {
	p := newFilePicker(f.c, f.innerWidth(), pickerRows(f.h))
	f.picker, f.pickFor = p, fl
	return p.open(pickerStart(fl.value()))
}

// pickerStart is the directory to browse from for a path typed so far.
func pickerStart(v string) string {
	if v != "" {
		if st, err := os.Stat(v); err == nil && st.IsDir() {
			return v
		}
		if d := filepath.Dir(v); d != "" {
			return d
		}
	}
	return "."
}

// pickerRows is how many entries the picker lists in a screen h rows
// high: the rest of the dialog (borders, title, path, column header,
// footer) and a margin take 10.
func pickerRows(h int) int { return max(3, h-10) }

func (f *form) updatePicker(msg tea.Msg) (dialog, tea.Cmd) {
	if km, ok := msg.(tea.KeyPressMsg); ok && key.Matches(km, f.c.Keys.Dismiss) {
		f.picker, f.pickFor = nil, nil
		return f, nil
	}
	path, cmd := f.picker.Update(msg)
	if path != "" {
		fl := f.pickFor
		f.picker, f.pickFor = nil, nil
		fl.input.SetValue(path)
		fl.input.CursorEnd()
		fl.selected = false
		if f.onPick != nil {
			f.onPick(fl, path)
		}
	}
	return f, cmd
}

// confirm asks yes or no before a consequential action.
type confirm struct {
	c           *Common
	title, body string
	button      string
	danger      bool
	yes         tea.Msg
	w           int
}

func newConfirm(c *Common, title, body, button string, danger bool, yes tea.Msg) *confirm {
	return &confirm{c: c, title: title, body: body, button: button, danger: danger, yes: yes}
}

// SetSize sets the space the dialog may use.
func (d *confirm) SetSize(w, _ int) { d.w = min(max(w-4, 30), 64) }

// Update handles y/enter and n/esc.
func (d *confirm) Update(msg tea.Msg) (dialog, tea.Cmd) {
	km, ok := msg.(tea.KeyPressMsg)
	if !ok {
		return d, nil
	}
	closeIt := func() tea.Msg { return closeDialogMsg{} }
	switch k := d.c.Keys; {
	case key.Matches(km, k.Yes):
		yes := d.yes
		return d, tea.Sequence(closeIt, func() tea.Msg { return yes })
	case key.Matches(km, k.No):
		return d, closeIt
	}
	return d, nil
}

// View draws the question.
func (d *confirm) View() string {
	st := d.c.Styles
	btn := st.ButtonFocused
	if d.danger {
		btn = st.ButtonDanger
	}
	body := st.DialogTitle.Render(d.title) + "\n\n" + st.Value.Render(wrap(d.body, d.w)) + "\n\n" +
		btn.Render("y "+d.button) + "  " + st.Button.Render("n cancel")
	return dialogBox(st, body, d.w)
}

// ShortHelp lists the dialog's keys.
func (d *confirm) ShortHelp() []key.Binding {
	return []key.Binding{brief(d.c.Keys.Yes, d.button), d.c.Keys.No}
}

// info shows a scrollable text (an inspection, a data key, full help).
type info struct {
	c      *Common
	title  string
	lines  []string
	offset int
	w, h   int
	copy   string // what c copies, if anything
	onExit func() // wipes secrets the text was made from
}

func newInfo(c *Common, title, body string) *info {
	return &info{c: c, title: title, lines: strings.Split(body, "\n")}
}

// SetSize sets the space the dialog may use.
func (d *info) SetSize(w, h int) { d.w, d.h = min(max(w-4, 30), 100), max(h-6, 4) }

// Update scrolls, copies and closes.
func (d *info) Update(msg tea.Msg) (dialog, tea.Cmd) {
	k := d.c.Keys
	switch msg := msg.(type) {
	case tea.MouseWheelMsg:
		d.scroll(wheelDelta(msg))
	case tea.KeyPressMsg:
		switch {
		case key.Matches(msg, k.Close):
			if d.onExit != nil {
				d.onExit()
			}
			return d, func() tea.Msg { return closeDialogMsg{} }
		case key.Matches(msg, enable(k.Copy, d.copy != "")):
			text := d.copy
			return d, func() tea.Msg { return copyMsg{text: text, what: "copied"} }
		case key.Matches(msg, k.Up):
			d.scroll(-1)
		case key.Matches(msg, k.Down):
			d.scroll(1)
		case key.Matches(msg, k.PageUp):
			d.scroll(-d.h)
		case key.Matches(msg, k.PageDown):
			d.scroll(d.h)
		}
	}
	return d, nil
}

func (d *info) scroll(n int) {
	d.offset = max(0, min(d.offset+n, len(d.lines)-d.h))
}

// View draws the visible part of the text.
func (d *info) View() string {
	st := d.c.Styles
	h := max(d.h-3, 1)
	end := min(len(d.lines), d.offset+h)
	body := strings.Join(d.lines[d.offset:end], "\n")
	more := ""
	if len(d.lines) > h {
		more = st.Hint.Render("  ↑/↓ scroll")
	}
	foot := st.Hint.Render("esc close")
	if d.copy != "" {
		foot = st.Hint.Render("c copy · esc close")
	}
	return dialogBox(st, st.DialogTitle.Render(d.title)+more+"\n\n"+body+"\n\n"+foot, d.w)
}

// ShortHelp lists the dialog's keys.
func (d *info) ShortHelp() []key.Binding {
	k := d.c.Keys
	scrolls := len(d.lines) > max(d.h-3, 1)
	return []key.Binding{enable(k.Up, scrolls), enable(k.Down, scrolls), enable(k.PageDown, scrolls),
		enable(k.Copy, d.copy != ""), k.Close}
}
