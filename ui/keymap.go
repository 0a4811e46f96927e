package ui

import "charm.land/bubbles/v2/key"

// KeyMap is every key binding of the UI, declared as data with its help
// text. Views pick the ones that apply to them for the help bar.
type KeyMap struct {
	// Global.
	// (The keys 1, 2, 3, … that show each view come from the views:
	// Model.viewBindings.)
	Quit, Help, NextView, PrevView                        key.Binding
	FocusNext, Copy, Refresh, CancelJob, PrevJob, NextJob key.Binding
	StepBack, StepFwd                                     key.Binding
	// The flow panel (focused), besides the list keys pgup/pgdn/g/G.
	FlowUp, FlowDown key.Binding

	// Lists.
	Up, Down, PageUp, PageDown, Home, End, Open, Back key.Binding

	// Keys view.
	NewKey, ToggleKey, ScheduleDelete, CancelDelete, DataKey, EncryptFile, DecryptFile key.Binding

	// Buckets view.
	NewBucket, DeleteBucket, EditEncryption key.Binding
	// Versioning reads a bucket's versioning and offers to flip it.
	Versioning key.Binding
	// RotateKey rotates a key's material now (keys view).
	RotateKey key.Binding
	// Reencrypt changes an object's encryption (objects view).
	Reencrypt key.Binding
	// Versions lists the selected object's versions (objects view).
	Versions key.Binding
	// ReencryptAll plans, then runs, the re-encryption of everything
	// under the objects view's prefix (the wizard).
	ReencryptAll key.Binding

	// CheckEndpoint runs the endpoint check (buckets view).
	CheckEndpoint key.Binding

	// Objects view.
	Upload, Download, Inspect, DeleteObject, Filter key.Binding

	// Audit view: audit the objects too.
	AuditObjects key.Binding

	// Learn view (Hint, NextStep, PrevStep and LeaveLesson work from every
	// view while a lesson is open).
	Hint, NextStep, PrevStep, LeaveLesson, ResetLesson key.Binding

	// Dialogs.
	Submit, Dismiss, NextField, PrevField, Browse key.Binding
	// FormEnter moves to the next field, or runs the form on the last one.
	FormEnter key.Binding
	// OptionPrev and OptionNext change a choice field.
	OptionPrev, OptionNext key.Binding
	// Yes and No answer a confirm dialog and the quit question.
	Yes, No key.Binding
	// Close closes a text dialog (an inspection, a data key).
	Close key.Binding

	// Objects filter: keep it and go back to the list, or clear it.
	FilterKeep, FilterClear key.Binding
}

// DefaultKeyMap returns s3crypt's key bindings.
func DefaultKeyMap() KeyMap {
	b := func(keys []string, k, desc string) key.Binding {
		return key.NewBinding(key.WithKeys(keys...), key.WithHelp(k, desc))
	}
	ks := func(k ...string) []string { return k }
	return KeyMap{
		Quit:      b(ks("q", "ctrl+c"), "q", "quit"),
		Help:      b(ks("?"), "?", "help"),
		NextView:  b(ks("tab"), "tab", "next view"),
		PrevView:  b(ks("shift+tab"), "shift+tab", "previous view"),
		FocusNext: b(ks("w"), "w", "switch pane"),
		Copy:      b(ks("c"), "c", "copy aws command"),
		Refresh:   b(ks("r", "ctrl+r"), "r", "refresh"),
		CancelJob: b(ks("esc"), "esc", "cancel job"),
		PrevJob:   b(ks("["), "[", "previous job"),
		NextJob:   b(ks("]"), "]", "next job"),
		StepBack:  b(ks("left"), "←", "step back"),
		StepFwd:   b(ks("right"), "→", "step forward"),
		FlowUp:    b(ks("up", "k"), "↑/k", "scroll up"),
		FlowDown:  b(ks("down", "j"), "↓/j", "scroll down"),

		Up:       b(ks("up", "k"), "↑/k", "up"),
		Down:     b(ks("down", "j"), "↓/j", "down"),
		PageUp:   b(ks("pgup", "ctrl+u"), "pgup", "page up"),
		PageDown: b(ks("pgdown", "ctrl+d"), "pgdn", "page down"),
		Home:     b(ks("home", "g"), "g", "top"),
		End:      b(ks("end", "G"), "G", "bottom"),
		Open:     b(ks("enter"), "enter", "open"),
		Back:     b(ks("backspace", "h"), "⌫", "up a level"),

		NewKey:         b(ks("n"), "n", "new key"),
		ToggleKey:      b(ks("e"), "e", "enable/disable"),
		ScheduleDelete: b(ks("x", "delete"), "x", "schedule deletion"),
		CancelDelete:   b(ks("u"), "u", "cancel deletion"),
		DataKey:        b(ks("d"), "d", "data key"),
		EncryptFile:    b(ks("E"), "E", "encrypt file"),
		DecryptFile:    b(ks("D"), "D", "decrypt file"),

		NewBucket:      b(ks("n"), "n", "new bucket"),
		DeleteBucket:   b(ks("x", "delete"), "x", "delete bucket"),
		EditEncryption: b(ks("e"), "e", "edit encryption"),
		Versioning:     b(ks("v"), "v", "versioning on/off"),
		RotateKey:      b(ks("o"), "o", "rotate key now"),
		Reencrypt:      b(ks("e"), "e", "change encryption"),
		Versions:       b(ks("V"), "V", "versions"),
		ReencryptAll:   b(ks("E"), "E", "re-encrypt all here"),

		CheckEndpoint: b(ks("C"), "C", "check endpoint"),

		Upload:       b(ks("u"), "u", "upload"),
		Download:     b(ks("d"), "d", "download"),
		Inspect:      b(ks("i"), "i", "inspect"),
		DeleteObject: b(ks("x", "delete"), "x", "delete"),
		Filter:       b(ks("/"), "/", "filter"),
		AuditObjects: b(ks("o"), "o", "audit objects too"),

		Hint:        b(ks("H"), "H", "hint"),
		NextStep:    b(ks("N"), "N", "next step"),
		PrevStep:    b(ks("P"), "P", "previous step"),
		LeaveLesson: b(ks("L"), "L", "leave lesson"),
		ResetLesson: b(ks("R"), "R", "reset lesson"),

		Submit:    b(ks("ctrl+s"), "ctrl+s", "run"),
		Dismiss:   b(ks("esc"), "esc", "close"),
		NextField: b(ks("tab", "down"), "tab/↓", "next field"),
		PrevField: b(ks("shift+tab", "up"), "shift+tab/↑", "previous field"),
		Browse:    b(ks("ctrl+o"), "ctrl+o", "browse files"),

		FormEnter:  b(ks("enter"), "enter", "next field"),
		OptionPrev: b(ks("left", "h"), "←", "previous option"),
		OptionNext: b(ks("right", "l", "space"), "←/→", "change"),
		Yes:        b(ks("y", "enter"), "y/enter", "yes"),
		No:         b(ks("n", "esc"), "n/esc", "cancel"),
		Close:      b(ks("esc", "enter", "q"), "esc", "close"),

		FilterKeep:  b(ks("enter", "down", "up"), "enter", "keep filter"),
		FilterClear: b(ks("esc"), "esc", "clear filter"),
	}
}

// brief is b with another description: the help bar says less than the
// full help, or says what the key does to the selection ("disable").
func brief(b key.Binding, desc string) key.Binding {
	b.SetHelp(b.Help().Key, desc)
	return b
}

// enable is b enabled when on holds; a disabled binding matches no key
// and is left out of every help.
func enable(b key.Binding, on bool) key.Binding {
	b.SetEnabled(on)
	return b
}

// listHelp is the movement help every list shares.
func (k KeyMap) listHelp() []key.Binding {
	return []key.Binding{k.Up, k.Down, k.PageUp, k.PageDown, k.Home, k.End}
}
