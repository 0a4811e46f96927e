package ui

import (
	"strings"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"github.com/s3crypt/s3crypt/modes"
	"github.com/s3crypt/s3crypt/ui/styles"
)

// fieldKind is how a form field is edited.
type fieldKind int

// The field kinds.
const (
	fieldText   fieldKind = iota // free text
	fieldChoice                  // one of a few options, ←/→ to change
)

// field is one line of a form. The form's builder keeps the *field it
// gets back and reads it when the form is submitted: fields have no ids.
type field struct {
	label    string
	kind     fieldKind
	input    textinput.Model
	options  []string // labels of a choice
	values   []string // values of a choice (labels when nil)
	sel      int
	hint     string
	hints    []string    // a choice's hint per option (overrides hint when set)
	file     bool        // ctrl+o browses for a file
	show     func() bool // nil: always shown
	selected bool        // the prefilled value is selected: typing replaces it
	// factsInstead: the form's mode facts replace the choice's hints.
	factsInstead bool
}

// currentHint is the hint for the field's current state: the selected
// option's own when it has one.
func (f *field) currentHint() string {
	if f.kind == fieldChoice && f.sel < len(f.hints) && f.hints[f.sel] != "" {
		return f.hints[f.sel]
	}
	return f.hint
}

// setOptions replaces a choice's options, keeping the value selected when
// it is still offered (else the first option).
func (f *field) setOptions(options, values []string) {
	cur := f.value()
	f.options, f.values, f.sel = options, values, 0
	for i, v := range values {
		if v == cur {
			f.sel = i
		}
	}
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

// visible reports whether the field is on the form now.
func (f *field) visible() bool { return f.show == nil || f.show() }

// answer is the value of a field the form shows, "" for a hidden one (a
// question the form did not ask).
func (f *field) answer() string {
	if !f.visible() {
		return ""
	}
	return f.value()
}

// prefill sets a text field's value and selects it, so that the first
// keystroke replaces it (as a path suggested in a GUI's save dialog).
func (f *field) prefill(v string) *field {
	f.input.SetValue(v)
	f.input.CursorEnd()
	f.selected = v != ""
	return f
}

// takeSelection applies a key or paste to a selected prefill: text
// replaces it, backspace or delete clears it, any other key keeps it
// and edits from there. It reports whether the message was used up.
func (f *field) takeSelection(msg tea.Msg) bool {
	if !f.selected {
		return false
	}
	f.selected = false
	switch msg := msg.(type) {
	case tea.PasteMsg:
		f.input.SetValue("")
	case tea.KeyPressMsg:
		switch {
		case msg.Code == tea.KeyBackspace || msg.Code == tea.KeyDelete:
			f.input.SetValue("")
			return true
		case msg.Text != "":
			f.input.SetValue("")
		}
	}
	return false
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
	submit  func() (tea.Msg, string)     // intent, or a validation error
	onPick  func(fl *field, path string) // a file was picked for fl
	picker  *filePicker                  // browsing for pickFor's file, when set
	pickFor *field
	// onKeys, when set, takes each KMS key list that arrives while the
	// form is open (a form opened before the keys loaded must not keep
	// offering only what it had).
	onKeys func(keys []KeyRow)
	// onEnc, when set, takes the objects' encryption read while the form
	// is open (a download asked for before its row's HEAD answered).
	onEnc func(msg encLoadedMsg)
	// mode, when set, is the encryption mode the form's fields choose now:
	// its facts (who holds the key, what it protects against, KMS requests,
	// cost) show below the fields.
	mode func() *modes.Mode
	w, h int
}

func newForm(c *Common, title, intro, button string) *form {
	return &form{c: c, title: title, intro: intro, button: button}
}

// text adds a text field; its placeholder is an example, drawn dim,
// italic and in ‹brackets› so that it never reads as a value.
func (f *form) text(label, value, placeholder, hint string) *field {
	in := textinput.New()
	in.Prompt = ""
	if placeholder != "" {
		in.Placeholder = "‹" + placeholder + "›"
	}
	in.SetValue(value)
	ts := textinput.DefaultStyles(f.c.Styles.IsDark)
	ts.Focused.Placeholder, ts.Blurred.Placeholder = f.c.Styles.Hint, f.c.Styles.Hint
	in.SetStyles(ts)
	fl := &field{label: label, kind: fieldText, input: in, hint: hint}
	f.fields = append(f.fields, fl)
	return fl
}

// choice adds a choice field.
func (f *form) choice(label string, options, values []string, sel int, hint string) *field {
	fl := &field{label: label, kind: fieldChoice, options: options, values: values, sel: sel, hint: hint}
	f.fields = append(f.fields, fl)
	return fl
}

// SetSize sets the space the dialog may use.
func (f *form) SetSize(w, h int) {
	f.w, f.h = w, h
	for _, fl := range f.fields {
		fl.input.SetWidth(max(10, f.innerWidth()-20))
	}
	if f.picker != nil {
		f.picker.SetSize(f.innerWidth(), pickerRows(h))
	}
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
		if f.fields[i].visible() {
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

// keyMap is the key map with the form's keys enabled for the focused
// field: ←/→ on a choice, ctrl+o on a file, enter runs on the last field.
func (f *form) keyMap() KeyMap {
	k := f.c.Keys
	fl := f.fields[f.focus]
	k.OptionPrev = enable(k.OptionPrev, fl.kind == fieldChoice)
	k.OptionNext = enable(k.OptionNext, fl.kind == fieldChoice)
	k.Browse = enable(k.Browse, fl.file)
	if f.lastVisible() {
		k.FormEnter = brief(k.FormEnter, f.button)
	}
	k.Submit = brief(k.Submit, f.button)
	return k
}

// Update handles keys: fields first, then movement and submit.
func (f *form) Update(msg tea.Msg) (dialog, tea.Cmd) {
	if kl, ok := msg.(keysLoadedMsg); ok {
		if f.onKeys != nil && kl.err == nil {
			f.onKeys(kl.rows)
		}
		return f, nil
	}
	if el, ok := msg.(encLoadedMsg); ok {
		if f.onEnc != nil {
			f.onEnc(el)
		}
		return f, nil
	}
	if f.picker != nil {
		return f.updatePicker(msg)
	}
	fl := f.fields[f.focus]
	km, ok := msg.(tea.KeyPressMsg)
	if !ok {
		if fl.kind == fieldText {
			// Only a paste edits: a cursor blink or any other tick
			// leaves the selected prefill selected.
			if _, paste := msg.(tea.PasteMsg); paste {
				fl.takeSelection(msg)
			}
			var cmd tea.Cmd
			fl.input, cmd = fl.input.Update(msg)
			return f, cmd
		}
		return f, nil
	}
	k := f.keyMap()
	switch {
	case key.Matches(km, k.Dismiss):
		return f, func() tea.Msg { return closeDialogMsg{} }
	case key.Matches(km, k.Submit), key.Matches(km, k.FormEnter) && f.lastVisible():
		return f, f.doSubmit()
	case key.Matches(km, k.FormEnter), key.Matches(km, k.NextField):
		f.move(1)
		return f, nil
	case key.Matches(km, k.PrevField):
		f.move(-1)
		return f, nil
	case key.Matches(km, k.Browse):
		return f, f.openPicker(fl)
	case key.Matches(km, k.OptionPrev):
		fl.sel = (fl.sel - 1 + len(fl.options)) % len(fl.options)
		return f, nil
	case key.Matches(km, k.OptionNext):
		fl.sel = (fl.sel + 1) % len(fl.options)
		return f, nil
	case fl.kind == fieldChoice:
		return f, nil
	}
	f.err = ""
	if fl.takeSelection(km) {
		return f, nil
	}
	var cmd tea.Cmd
	fl.input, cmd = fl.input.Update(msg)
	return f, cmd
}

func (f *form) lastVisible() bool {
	for j := len(f.fields) - 1; j >= 0; j-- {
		if f.fields[j].visible() {
			return j == f.focus
		}
	}
	return true
}

func (f *form) doSubmit() tea.Cmd {
	msg, errText := f.submit()
	if errText != "" {
		f.err = errText
		return nil
	}
	return tea.Sequence(func() tea.Msg { return closeDialogMsg{} }, func() tea.Msg { return msg })
}

// ShortHelp lists the keys that work on the focused field (or in the
// file picker).
func (f *form) ShortHelp() []key.Binding {
	if f.picker != nil {
		return f.picker.ShortHelp()
	}
	k := f.keyMap()
	return []key.Binding{k.NextField, k.PrevField, k.OptionNext, k.Browse, k.FormEnter, k.Submit, k.Dismiss}
}

// View draws the dialog box.
func (f *form) View() string {
	st := f.c.Styles
	w := f.innerWidth()
	var b strings.Builder
	b.WriteString(st.DialogTitle.Render(f.title) + "\n")
	if f.picker != nil {
		// The intro gives way to the list, so the picker fits the screen.
		b.WriteString("\n" + f.picker.View())
		return dialogBox(st, b.String(), w)
	}
	if f.intro != "" {
		b.WriteString(st.Hint.Render(wrap(f.intro, w)) + "\n")
	}
	b.WriteString("\n")
	for i, fl := range f.fields {
		if !fl.visible() {
			continue
		}
		b.WriteString(f.fieldView(fl, i == f.focus, w) + "\n")
	}
	b.WriteString(f.factsFitting(lipgloss.Height(b.String())+4, w))
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
	switch {
	case fl.kind == fieldChoice:
		var opts []string
		for j, o := range fl.options {
			if j == fl.sel {
				opts = append(opts, st.FieldFocused.Render("◉ "+o))
			} else {
				opts = append(opts, st.Dim.Render("○ "+o))
			}
		}
		line += wrapChoices(opts, w-19)
	case focused && fl.selected:
		// Reverse video marks the selection without colour too.
		line += st.FieldFocused.Reverse(true).Render(fit(fl.input.Value(), fl.input.Width()))
	default:
		line += fl.input.View()
	}
	h := fl.currentHint()
	if fl.factsInstead {
		h = "" // the form's mode facts say it, and more
	}
	if focused && fl.selected {
		h = strings.TrimPrefix(h+" · typing replaces the selected value, ←/→ edit it", " · ")
	}
	if focused && h != "" {
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

// factsFitting is the chosen mode's facts when the form has one, as many
// as fit beside used lines of the dialog on the screen: in full, one line
// each, or none.
func (f *form) factsFitting(used, w int) string {
	if f.mode == nil {
		return ""
	}
	m := f.mode()
	if m == nil {
		return ""
	}
	room := f.h - used - 1
	for _, compact := range []bool{false, true} {
		facts := modeFacts(f.c.Styles, m, w, compact)
		if lipgloss.Height(facts) <= room {
			return "\n" + facts + "\n"
		}
	}
	return ""
}

// modeFacts says, for mode m, who holds the key, what it protects against,
// the KMS requests per PUT and GET and what it costs (with where the
// figures come from), from the modes table.
// compact fits each on one line.
func modeFacts(st *styles.Styles, m *modes.Mode, w int, compact bool) string {
	cost := m.Cost
	if m.UsesKMS() {
		cost += " (" + modes.CostChecked + ")"
	}
	line := func(label, value string) string {
		if compact {
			return kv(st, w, label, value)
		}
		return kvWrapped(st, w, label, value)
	}
	head := st.Bold.Render(m.Name)
	if m.Hint != "" && !compact { // the Hint starts with the mode's name
		head = st.Hint.Render(wrap(m.Hint, w))
	}
	// The cost keeps its source and date even when compact.
	return head + "\n" + line("key held by", m.Holder) + "\n" + line("protects", m.Protects) +
		"\n" + line("KMS calls", m.KMSRequests) + "\n" + kvWrapped(st, w, "cost", cost)
}
