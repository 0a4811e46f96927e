package ui

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
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

// info shows a scrollable text (an inspection, a data key).
type info struct {
	c      *Common
	title  string
	body   string
	lines  []string // body wrapped to the width
	rows   int      // body lines shown at once
	offset int
	w      int
	copy   string // what c copies, if anything
	copyIs string // what that is, for the help ("copy the encrypted key"); "copy" when empty
	onExit func() // wipes secrets the text was made from
	// build, when set, lays the text out again for the width the dialog
	// gets.
	build func(w int) string
}

func newInfo(c *Common, title, body string) *info {
	d := &info{c: c, title: title, body: body}
	d.SetSize(120, 36)
	return d
}

// SetSize sets the space the dialog may use: the box keeps clear of the
// help bar, and the text is wrapped to its width here, so what scrolls
// is what shows.
func (d *info) SetSize(w, h int) {
	d.w = min(max(w-4, 30), 100)
	// Centred, a box of h-2r rows leaves the r help lines below it; the
	// borders, title and footer take 6.
	d.rows = max(h-2*helpRows(w)-6, 3)
	if d.build != nil {
		d.body = d.build(d.w)
	}
	d.lines = d.lines[:0]
	for _, l := range strings.Split(d.body, "\n") {
		d.lines = append(d.lines, strings.Split(ansi.Wrap(l, d.w, ""), "\n")...)
	}
	d.scroll(0)
}

// Update scrolls, copies and closes.
func (d *info) Update(msg tea.Msg) (dialog, tea.Cmd) {
	k := d.keyMap()
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
		case key.Matches(msg, k.Copy):
			text := d.copy
			return d, func() tea.Msg { return copyMsg{text: text, what: "copied"} }
		case key.Matches(msg, k.Up):
			d.scroll(-1)
		case key.Matches(msg, k.Down):
			d.scroll(1)
		case key.Matches(msg, k.PageUp):
			d.scroll(-d.rows)
		case key.Matches(msg, k.PageDown):
			d.scroll(d.rows)
		}
	}
	return d, nil
}

// keyMap enables scrolling only for a text longer than the box, and c
// only when there is something to copy.
func (d *info) keyMap() KeyMap {
	k := d.c.Keys
	long := len(d.lines) > d.rows
	k.Up, k.Down, k.PageUp, k.PageDown = enable(k.Up, long), enable(k.Down, long), enable(k.PageUp, long), enable(k.PageDown, long)
	k.Copy = enable(k.Copy, d.copy != "")
	k.Copy = brief(k.Copy, "copy")
	if d.copyIs != "" {
		k.Copy = brief(k.Copy, d.copyIs)
	}
	return k
}

func (d *info) scroll(n int) {
	d.offset = max(0, min(d.offset+n, len(d.lines)-d.rows))
}

// View draws the visible part of the text.
func (d *info) View() string {
	st := d.c.Styles
	end := min(len(d.lines), d.offset+d.rows)
	body := strings.Join(d.lines[d.offset:end], "\n")
	more := ""
	if len(d.lines) > d.rows {
		more = st.Hint.Render(fmt.Sprintf("  ↑/↓ scroll · lines %d–%d of %d", d.offset+1, end, len(d.lines)))
	}
	foot := st.Hint.Render("esc close")
	if d.copy != "" {
		foot = st.Hint.Render("c copy · esc close")
	}
	return dialogBox(st, fit(st.DialogTitle.Render(d.title)+more, d.w)+"\n\n"+body+"\n\n"+foot, d.w)
}

// ShortHelp lists the dialog's keys.
func (d *info) ShortHelp() []key.Binding {
	k := d.keyMap()
	return []key.Binding{k.Up, k.Down, k.PageDown, k.Copy, k.Close}
}
