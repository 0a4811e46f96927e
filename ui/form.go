package ui

import (
	"strings"

	"charm.land/bubbles/v2/filepicker"
	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"github.com/s3crypt/s3crypt/ui/styles"
)

// fieldKind is how a form field is edited.
type fieldKind int

// The field kinds.
const (
	fieldText   fieldKind = iota // free text
	fieldChoice                  // one of a few options, ←/→ to change
)

// field is one line of a form.
type field struct {
	id, label string
	kind      fieldKind
	input     textinput.Model
	options   []string // labels of a choice
	values    []string // values of a choice (labels when nil)
	sel       int
	hint      string
	hints     []string           // a choice's hint per option (overrides hint when set)
	file      bool               // ctrl+o browses for a file
	show      func(f *form) bool // nil: always shown
}

// currentHint is the hint for the field's current state: the selected
// option's own when it has one.
func (f *field) currentHint() string {
	if f.kind == fieldChoice && f.sel < len(f.hints) && f.hints[f.sel] != "" {
		return f.hints[f.sel]
	}
	return f.hint
}

// selectedLabel is a choice's selected option as shown ("" for text).
func (f *field) selectedLabel() string {
	if f.kind != fieldChoice || f.sel >= len(f.options) {
		return ""
	}
	return f.options[f.sel]
}

// value is the field's current value.
func (f *field) value() string {
	if f.kind == fieldText {
		return strings.TrimSpace(f.input.Value())
	}
	if len(f.options) == 0 {
		return ""
	}
	if f.values != nil {
		return f.values[f.sel]
	}
	return f.options[f.sel]
}

// form is a dialog of fields with a submit function that turns the
// values into an intent. Submit is pure: it validates and builds a
// message, the root does the work.
type form struct {
	c       *Common
	title   string
	intro   string
	fields  []*field
	focus   int
	button  string
	danger  bool
	err     string
	submit  func(f *form) (tea.Msg, string) // intent, or a validation error
	onPick  func(f *form, id, path string)  // a file was picked for field id
	picker  filepicker.Model
	picking bool
	pickFor string
	w, h    int
}

func newForm(c *Common, title, intro, button string) *form {
	return &form{c: c, title: title, intro: intro, button: button}
}

// text adds a text field.
func (f *form) text(id, label, value, placeholder, hint string) *field {
	in := textinput.New()
	in.Prompt = ""
	in.Placeholder = placeholder
	in.SetValue(value)
	in.SetStyles(textinput.DefaultStyles(f.c.Styles.IsDark))
	fl := &field{id: id, label: label, kind: fieldText, input: in, hint: hint}
	f.fields = append(f.fields, fl)
	return fl
}

// choice adds a choice field.
func (f *form) choice(id, label string, options, values []string, sel int, hint string) *field {
	fl := &field{id: id, label: label, kind: fieldChoice, options: options, values: values, sel: sel, hint: hint}
	f.fields = append(f.fields, fl)
	return fl
}

// get returns the field with id.
func (f *form) get(id string) *field {
	for _, fl := range f.fields {
		if fl.id == id {
			return fl
		}
	}
	return nil
}

// val returns the value of field id ("" if hidden or absent).
func (f *form) val(id string) string {
	fl := f.get(id)
	if fl == nil || !f.visible(fl) {
		return ""
	}
	return fl.value()
}

func (f *form) visible(fl *field) bool { return fl.show == nil || fl.show(f) }

// SetSize sets the space the dialog may use.
func (f *form) SetSize(w, h int) {
	f.w, f.h = w, h
	for _, fl := range f.fields {
		fl.input.SetWidth(max(10, f.innerWidth()-20))
	}
	f.picker.SetHeight(max(4, h-8))
}

func (f *form) innerWidth() int { return min(max(f.w-4, 30), 76) }

// init focuses the first field.
func (f *form) init() *form {
	f.focus = -1
	f.move(1)
	return f
}

// move focuses the next visible field in direction d.
func (f *form) move(d int) {
	if len(f.fields) == 0 {
		return
	}
	i := f.focus
	for range f.fields {
		i = (i + d + len(f.fields)) % len(f.fields)
		if f.visible(f.fields[i]) {
			break
		}
	}
	for j, fl := range f.fields {
		if fl.kind != fieldText {
			continue
		}
		if j == i {
			fl.input.Focus()
		} else {
			fl.input.Blur()
		}
	}
	f.focus = i
}

// Update handles keys: fields first, then movement and submit.
func (f *form) Update(msg tea.Msg) (dialog, tea.Cmd) {
	if f.picking {
		return f.updatePicker(msg)
	}
	km, ok := msg.(tea.KeyPressMsg)
	if !ok {
		if f.focus >= 0 && f.fields[f.focus].kind == fieldText {
			var cmd tea.Cmd
			f.fields[f.focus].input, cmd = f.fields[f.focus].input.Update(msg)
			return f, cmd
		}
		return f, nil
	}
	k := f.c.Keys
	fl := f.fields[f.focus]
	switch {
	case key.Matches(km, k.Dismiss):
		return f, func() tea.Msg { return closeDialogMsg{} }
	case key.Matches(km, k.Submit) || km.String() == "enter" && f.lastVisible():
		return f, f.doSubmit()
	case km.String() == "enter" || key.Matches(km, k.NextField):
		f.move(1)
		return f, nil
	case key.Matches(km, k.PrevField):
		f.move(-1)
		return f, nil
	case key.Matches(km, k.Browse) && fl.file:
		return f, f.openPicker(fl)
	case fl.kind == fieldChoice:
		f.updateChoice(fl, km)
		return f, nil
	}
	var cmd tea.Cmd
	fl.input, cmd = fl.input.Update(msg)
	f.err = ""
	return f, cmd
}

func (f *form) lastVisible() bool {
	for j := len(f.fields) - 1; j >= 0; j-- {
		if f.visible(f.fields[j]) {
			return j == f.focus
		}
	}
	return true
}

func (f *form) updateChoice(fl *field, km tea.KeyPressMsg) {
	switch km.String() {
	case "left", "h":
		fl.sel = (fl.sel - 1 + len(fl.options)) % len(fl.options)
	case "right", "l", "space":
		fl.sel = (fl.sel + 1) % len(fl.options)
	}
}

func (f *form) doSubmit() tea.Cmd {
	msg, errText := f.submit(f)
	if errText != "" {
		f.err = errText
		return nil
	}
	return tea.Sequence(func() tea.Msg { return closeDialogMsg{} }, func() tea.Msg { return msg })
}

// ShortHelp lists the dialog's keys.
func (f *form) ShortHelp() []key.Binding {
	k := f.c.Keys
	if f.picking {
		return []key.Binding{k.Up, k.Down, key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "pick")), k.Dismiss}
	}
	hs := []key.Binding{k.NextField, k.PrevField}
	if f.focus >= 0 && f.fields[f.focus].kind == fieldChoice {
		hs = append(hs, key.NewBinding(key.WithKeys("left", "right"), key.WithHelp("←/→", "change")))
	}
	if f.focus >= 0 && f.fields[f.focus].file {
		hs = append(hs, k.Browse)
	}
	return append(hs, k.Submit, k.Dismiss)
}

// View draws the dialog box.
func (f *form) View() string {
	st := f.c.Styles
	w := f.innerWidth()
	var b strings.Builder
	b.WriteString(st.DialogTitle.Render(f.title) + "\n")
	if f.intro != "" {
		b.WriteString(st.Hint.Render(wrap(f.intro, w)) + "\n")
	}
	b.WriteString("\n")
	if f.picking {
		b.WriteString(st.Label.Render("pick a file in "+f.picker.CurrentDirectory) + "\n" + f.picker.View())
		return dialogBox(st, b.String(), w)
	}
	for i, fl := range f.fields {
		if !f.visible(fl) {
			continue
		}
		b.WriteString(f.fieldView(fl, i == f.focus, w) + "\n")
	}
	b.WriteString("\n")
	if f.err != "" {
		b.WriteString(st.StatusError.Render(wrap(f.err, w)) + "\n")
	}
	btn := st.ButtonFocused
	if f.danger {
		btn = st.ButtonDanger
	}
	b.WriteString(btn.Render(f.button) + "  " + st.Hint.Render("ctrl+s or enter on the last field · esc cancels"))
	return dialogBox(st, b.String(), w)
}

func (f *form) fieldView(fl *field, focused bool, w int) string {
	st := f.c.Styles
	label := st.FieldLabel
	marker := "  "
	if focused {
		label = st.FieldFocused
		marker = st.FieldFocused.Render("▸ ")
	}
	line := marker + label.Render(fit(fl.label, 16)) + " "
	if fl.kind == fieldChoice {
		var opts []string
		for j, o := range fl.options {
			if j == fl.sel {
				opts = append(opts, st.FieldFocused.Render("◉ "+o))
			} else {
				opts = append(opts, st.Dim.Render("○ "+o))
			}
		}
		line += wrapChoices(opts, w-19)
	} else {
		line += fl.input.View()
	}
	if h := fl.currentHint(); focused && h != "" {
		pad := strings.Repeat(" ", 19)
		for _, l := range strings.Split(wrap(h, w-19), "\n") {
			line += "\n" + pad + st.Hint.Render(l)
		}
	}
	return line
}

// wrapChoices lays options out in rows of w cells.
func wrapChoices(opts []string, w int) string {
	var lines []string
	cur := ""
	for _, o := range opts {
		if cur != "" && lipgloss.Width(cur)+2+lipgloss.Width(o) > w {
			lines = append(lines, cur)
			cur = ""
		}
		if cur != "" {
			cur += "  "
		}
		cur += o
	}
	lines = append(lines, cur)
	return strings.Join(lines, "\n"+strings.Repeat(" ", 19))
}

// dialogBox draws a bordered box around body, w cells inside.
func dialogBox(st *styles.Styles, body string, w int) string {
	return st.Dialog.Width(w + 4).Render(body)
}
