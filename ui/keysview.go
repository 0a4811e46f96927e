package ui

import (
	"context"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/s3crypt/s3crypt/actions"
)

// keysView lists the KMS keys: customer managed, AWS managed and (on the
// sandbox) the AWS owned key S3 uses for SSE-S3.
type keysView struct {
	c       *Common
	rows    []KeyRow
	byARN   map[string]string // the first alias of each key, by ARN (names)
	cur     cursor
	loading bool
	err     error
	w, h    int
	want    string // a key id to select when it appears (just created)
	// usage keeps what keys encrypt for the session (keyusage.go); inUse
	// is that of each key pending deletion, to flag one still in use.
	usage *actions.KeyUsageCache
	inUse map[string]actions.KeyUsageResult
}

func newKeysView(c *Common) *keysView {
	return &keysView{c: c, loading: true, usage: actions.NewKeyUsageCache(), inUse: map[string]actions.KeyUsageResult{}}
}

// loadKeys lists the keys.
func loadKeys(d Data) tea.Cmd {
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		defer cancel()
		rows, err := d.ListKeys(ctx)
		return keysLoadedMsg{rows: rows, err: err}
	}
}

// SetSize sets the body size.
func (v *keysView) SetSize(w, h int) {
	v.w, v.h = w, h
	v.cur.setHeight(h - 1)
}

// setRows replaces the list, keeping the selected key if it remains.
func (v *keysView) setRows(rows []KeyRow, err error) {
	v.loading = false
	v.err = err
	if err != nil {
		return
	}
	sel := ""
	if s, ok := v.selected(); ok {
		sel = s.ID
	}
	v.rows, v.byARN = rows, aliasesByARN(rows)
	v.want = reselect(&v.cur, rows, func(r KeyRow) string { return r.ID }, sel, v.want)
	if v.c != nil {
		v.c.Catalog.Keys, v.c.Catalog.Names = v.rows, v.byARN
	}
}

// selected returns the selected key.
func (v keysView) selected() (KeyRow, bool) {
	if v.cur.pos < 0 || v.cur.pos >= len(v.rows) {
		return KeyRow{}, false
	}
	return v.rows[v.cur.pos], true
}

// aliasesByARN maps each key's ARN to its first alias.
func aliasesByARN(rows []KeyRow) map[string]string {
	m := make(map[string]string, len(rows))
	for _, r := range rows {
		if len(r.Aliases) > 0 && r.ARN != "" {
			m[r.ARN] = r.Aliases[0]
		}
	}
	return m
}

// Update handles the view's keys and its list, and returns intents for
// the root.
func (v *keysView) Update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case tea.KeyPressMsg:
		if v.cur.handleKey(v.c.Keys, msg) {
			return nil
		}
		return v.handleAction(msg)
	case tea.MouseWheelMsg:
		v.cur.scroll(wheelDelta(msg))
	case keysLoadedMsg:
		v.setRows(msg.rows, msg.err)
		return v.checkPending()
	case keyUsageLoadedMsg:
		if msg.err == nil {
			if v.inUse == nil {
				v.inUse = map[string]actions.KeyUsageResult{}
			}
			v.inUse[msg.arn] = msg.usage
		}
	case placeChangedMsg:
		*v = keysView{c: v.c, loading: true, w: v.w, h: v.h, cur: cursor{height: v.cur.height},
			usage: actions.NewKeyUsageCache(), inUse: map[string]actions.KeyUsageResult{}}
	case refreshMsg:
		if msg.what&refreshKeys != 0 {
			return loadKeys(v.c.Data)
		}
	case jobEndedMsg:
		v.usage.Forget() // objects may have been written or deleted
		if r, ok := msg.result.(actions.CreateKeyResult); ok {
			v.want = r.Key.KeyID // select the new key once the refresh brings it in
		}
	}
	return nil
}

// clickRow selects the key clicked.
func (v *keysView) clickRow(y int) tea.Cmd {
	clickCursor(&v.cur, y, 1)
	return nil
}

// keyMap is the key map with the view's keys enabled for what the
// selected key allows: a key that does not apply matches nothing and is
// left out of the help.
func (v keysView) keyMap() KeyMap {
	k := v.c.Keys
	row, ok := v.selected()
	usable := ok && !row.Owned // the AWS owned key belongs to S3: nobody can use it
	customer := usable && row.Manager == "CUSTOMER"
	pending := row.State == "PendingDeletion"
	k.ToggleKey = enable(k.ToggleKey, customer && (row.State == "Enabled" || row.State == "Disabled"))
	if row.State == "Enabled" {
		k.ToggleKey = brief(k.ToggleKey, "disable")
	} else {
		k.ToggleKey = brief(k.ToggleKey, "enable")
	}
	k.ScheduleDelete = enable(k.ScheduleDelete, customer && !pending)
	k.CancelDelete = enable(k.CancelDelete, customer && pending)
	// An asymmetric ENCRYPT_DECRYPT key is offered too: KMS refuses it a
	// data key (InvalidKeyUsageException), which lesson 2 has the learner
	// see, as the blog post's command does.
	k.DataKey = enable(k.DataKey, usable && (row.Symmetric() || row.Usage == "ENCRYPT_DECRYPT"))
	crypt := usable && row.Usage == "ENCRYPT_DECRYPT"
	k.EncryptFile, k.DecryptFile = enable(k.EncryptFile, crypt), enable(k.DecryptFile, crypt)
	k.RotateKey = enable(k.RotateKey, customer && row.Symmetric() && row.State == "Enabled")
	return k
}

// handleAction turns an action key into an intent.
func (v keysView) handleAction(msg tea.KeyPressMsg) tea.Cmd {
	k := v.keyMap()
	if key.Matches(msg, k.NewKey) {
		return openDialog(newCreateKeyForm(v.c))
	}
	row, ok := v.selected()
	if !ok {
		return nil
	}
	switch {
	case key.Matches(msg, k.ToggleKey):
		return v.toggle(row)
	case key.Matches(msg, k.ScheduleDelete):
		return v.withUsage(newScheduleDeletionForm(v.c, row), row)
	case key.Matches(msg, k.CancelDelete):
		return startJob(&actions.CancelKeyDeletion{KeyID: row.ID}, keyJob("cancel deletion of "+row.Name(), row))
	case key.Matches(msg, k.DataKey):
		return openDialog(newDataKeyForm(v.c, row))
	case key.Matches(msg, k.EncryptFile):
		return openDialog(newCryptForm(v.c, row, true))
	case key.Matches(msg, k.DecryptFile):
		return openDialog(newCryptForm(v.c, row, false))
	case key.Matches(msg, k.RotateKey):
		return rotateKeyDialog(v.c, row)
	}
	return nil
}

// toggle disables an enabled key (after asking) or enables a disabled one.
func (v keysView) toggle(row KeyRow) tea.Cmd {
	if row.State == "Enabled" {
		return v.withUsage(newConfirm(v.c, "Disable "+row.Name()+"?",
			"While it is disabled KMS refuses every request with it: S3 can neither write nor read objects encrypted under it.",
			"disable", true, startJobMsg{action: &actions.DisableKey{KeyID: row.ID}, meta: keyJob("disable "+row.Name(), row)}), row)
	}
	return startJob(&actions.EnableKey{KeyID: row.ID}, keyJob("enable "+row.Name(), row))
}

// keyJob is the meta of a job on one key.
func keyJob(title string, row KeyRow) jobMeta {
	return jobMeta{Title: title, Flow: flowSpec{Mode: flowKMS, Upload: true, Subject: row.Name(), KeyName: row.Name()}, Refresh: refreshKeys}
}

var keyColumns = []column{{title: "ALIAS", width: 0}, {title: "SPEC", width: 9}, {title: "USAGE", width: 8},
	{title: "STATE", width: 9}, {title: "MANAGER", width: 9}, {title: "ROT", width: 3}}

var keyColumnsNarrow = []column{{title: "ALIAS", width: 0}, {title: "SPEC", width: 9}, {title: "STATE", width: 9}}

// shortSpec, shortUsage, shortState and shortManager keep the key columns narrow.
func shortSpec(s string) string {
	switch s {
	case "SYMMETRIC_DEFAULT":
		return "AES-256"
	case "ECC_NIST_EDWARDS25519":
		return "Ed25519"
	case "ECC_SECG_P256K1":
		return "secp256k1"
	}
	if p, ok := strings.CutPrefix(s, "ECC_NIST_P"); ok {
		return "ECC P-" + p
	}
	if strings.HasPrefix(s, "ML_") {
		return strings.ReplaceAll(s, "_", "-") // ML-DSA-65, ML-KEM-768
	}
	return strings.ReplaceAll(s, "_", " ")
}

func shortUsage(s string) string {
	return map[string]string{"ENCRYPT_DECRYPT": "encrypt", "SIGN_VERIFY": "sign", "GENERATE_VERIFY_MAC": "mac",
		"KEY_AGREEMENT": "agree", "ENCAPSULATE_DECAPSULATE": "kem"}[s]
}

func shortState(s string) string {
	switch s {
	case "PendingDeletion":
		return "deleting"
	case "In use by S3":
		return "in S3"
	case "PendingImport":
		return "importing"
	}
	return s
}

func shortManager(s string) string {
	return map[string]string{"CUSTOMER": "customer", "AWS": "AWS", "AWS owned": "AWS owned"}[s]
}

// View draws the list.
func (v keysView) View(focused bool) string {
	st := v.c.Styles
	switch {
	case v.err != nil:
		return renderError(st, v.err, v.w)
	case v.loading:
		return st.Empty.Render("loading keys…")
	case len(v.rows) == 0:
		return st.Empty.Render("no KMS keys yet — press n to create one")
	}
	cols := keyColumns
	if v.w < 60 {
		cols = keyColumnsNarrow
	}
	return renderTable(st, cols, v.cur, v.w, focused, func(i int) []string {
		r := v.rows[i]
		name := r.Name()
		if r.Owned {
			name = st.S3.Render(name)
		}
		if r.State == "PendingDeletion" && v.inUse[r.ARN].InUse() {
			name = st.StatePending.Render("⚠ ") + name // still encrypts objects
		}
		state := st.StateEnabled.Render(shortState(r.State))
		switch r.State {
		case "Disabled":
			state = st.StateDisabled.Render(shortState(r.State))
		case "PendingDeletion":
			state = st.StatePending.Render(shortState(r.State))
		}
		if v.w < 60 {
			return []string{name, shortSpec(r.Spec), state}
		}
		return []string{name, shortSpec(r.Spec), shortUsage(r.Usage), state, shortManager(r.Manager), r.Rotation}
	})
}

// Tab names the view.
func (v keysView) Tab() string { return "Keys" }

// Place is where the person is.
func (v keysView) Place() string { return "KMS keys in " + v.c.Backend.Region }

// Details describes the selected key.
func (v keysView) Details(w int) string {
	if r, ok := v.selected(); ok {
		return keyDetails(v.c.Styles, r, w) + v.usageDetails(r, w)
	}
	return v.c.Styles.Empty.Render("nothing selected")
}

// Title is the pane title's detail.
func (v keysView) Title() string {
	if v.loading {
		return "KMS keys"
	}
	return plural(len(v.rows), "KMS key", "KMS keys")
}

// ShortHelp lists the keys that apply to the selected key, for the help
// bar.
func (v keysView) ShortHelp() []key.Binding {
	k := v.keyMap()
	return []key.Binding{k.NewKey, k.ToggleKey, k.ScheduleDelete, k.CancelDelete, k.DataKey,
		brief(k.EncryptFile, "encrypt"), brief(k.DecryptFile, "decrypt")}
}

// FullHelp groups the view's keys for the help screen.
func (v keysView) FullHelp() [][]key.Binding {
	k := v.keyMap()
	return [][]key.Binding{k.listHelp(),
		{k.NewKey, k.ToggleKey, k.ScheduleDelete, k.CancelDelete, k.DataKey, k.EncryptFile, k.DecryptFile, k.RotateKey}}
}

// wheelDelta is the rows a wheel event scrolls.
func wheelDelta(msg tea.MouseWheelMsg) int {
	switch msg.Button {
	case tea.MouseWheelUp:
		return -3
	case tea.MouseWheelDown:
		return 3
	}
	return 0
}

// Helpers that wrap intents in commands.

func openDialog(d dialog) tea.Cmd { return func() tea.Msg { return openDialogMsg{d: d} } }

func startJob(a actions.Action, meta jobMeta) tea.Cmd {
	return func() tea.Msg { return startJobMsg{action: a, meta: meta} }
}
