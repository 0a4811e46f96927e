package ui

import (
	"context"
	"fmt"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/s3crypt/s3crypt/actions"
)

// keyUsageReader is a Data that can say what a KMS key encrypts (the
// SDK's does, by listing and HEADing every object version).
type keyUsageReader interface {
	KeyUsage(ctx context.Context, keyARN string, cache *actions.KeyUsageCache) (actions.KeyUsageResult, error)
}

// KeyUsage finds what the key encrypts, answering from cache when it can.
func (d sdkData) KeyUsage(ctx context.Context, keyARN string, cache *actions.KeyUsageCache) (actions.KeyUsageResult, error) {
	return runRead[actions.KeyUsageResult](ctx, d, &actions.KeyUsage{KeyID: keyARN, Cache: cache})
}

// keyUsageLoadedMsg is what a key encrypts; sent by loadKeyUsage, handled
// by the Keys view (pending keys still in use) and the usage dialogs.
type keyUsageLoadedMsg struct {
	arn   string
	usage actions.KeyUsageResult
	err   error
}

// loadKeyUsage reads what the key arn encrypts (nil when d cannot tell).
func loadKeyUsage(d Data, cache *actions.KeyUsageCache, arn string) tea.Cmd {
	r, ok := d.(keyUsageReader)
	if !ok || arn == "" {
		return nil
	}
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
		defer cancel()
		u, err := r.KeyUsage(ctx, arn, cache)
		return keyUsageLoadedMsg{arn: arn, usage: u, err: err}
	}
}

// usageText says what a key encrypts, for a dialog about to make it
// unusable.
func usageText(u actions.KeyUsageResult, err error) string {
	if err != nil {
		return "What it encrypts could not be read: " + err.Error()
	}
	n := u.Objects + u.Versions
	if !u.InUse() {
		return fmt.Sprintf("It encrypts nothing in your buckets (%d object versions read) and no bucket's default names it.", u.Scanned)
	}
	s := fmt.Sprintf("It encrypts %d object version(s), %s, in these buckets:", n, humanSize(u.Bytes))
	for _, b := range u.Buckets {
		if b.Objects+b.Versions > 0 {
			s += fmt.Sprintf("\n  s3://%s  %d current, %d noncurrent", b.Bucket, b.Objects, b.Versions)
		}
	}
	if len(u.DefaultBuckets) > 0 {
		s += fmt.Sprintf("\nIt is the default key of %d bucket(s): new uploads there would fail.", len(u.DefaultBuckets))
	}
	return s
}

// usageDialog is a dialog about a key (disable, schedule deletion) whose
// text gains what the key encrypts once that is known.
type usageDialog struct {
	inner dialog
	arn   string
	set   func(text string)
}

// newUsageDialog wraps inner; set puts text into its body. known, when
// ok, is an answer from the session's cache.
func newUsageDialog(inner dialog, arn string, set func(string), known actions.KeyUsageResult, ok bool) *usageDialog {
	d := &usageDialog{inner: inner, arn: arn, set: set}
	if ok {
		set(usageText(known, nil))
	} else {
		set("Reading what it encrypts (every object version is listed and HEADed)…")
	}
	return d
}

// Update takes the usage when it arrives and passes the rest on.
func (d *usageDialog) Update(msg tea.Msg) (dialog, tea.Cmd) {
	if m, ok := msg.(keyUsageLoadedMsg); ok {
		if m.arn == d.arn {
			d.set(usageText(m.usage, m.err))
		}
		return d, nil
	}
	next, cmd := d.inner.Update(msg)
	if next != d.inner {
		return next, cmd
	}
	return d, cmd
}

// View draws the inner dialog.
func (d *usageDialog) View() string { return d.inner.View() }

// SetSize sizes the inner dialog.
func (d *usageDialog) SetSize(w, h int) { d.inner.SetSize(w, h) }

// ShortHelp is the inner dialog's.
func (d *usageDialog) ShortHelp() []key.Binding { return d.inner.ShortHelp() }

// usageConfirm is the disable confirmation with the key's usage.
func usageConfirm(c *confirm, arn string, known actions.KeyUsageResult, ok bool) *usageDialog {
	base := c.body
	return newUsageDialog(c, arn, func(t string) { c.body = base + "\n\n" + t }, known, ok)
}

// usageForm is the schedule-deletion form with the key's usage.
func usageForm(f *form, arn string, known actions.KeyUsageResult, ok bool) *usageDialog {
	base := f.intro
	return newUsageDialog(f, arn, func(t string) { f.intro = base + "\n\n" + t }, known, ok)
}

// withUsage opens d (a confirm or a form about row's key) with what the
// key encrypts in its text: from the session's cache, or read now and
// filled in when it arrives. A Data that cannot tell opens d as it is.
func (v keysView) withUsage(d dialog, row KeyRow) tea.Cmd {
	if _, can := v.c.Data.(keyUsageReader); !can {
		return openDialog(d)
	}
	known, ok := v.usage.Get(row.ARN)
	switch in := d.(type) {
	case *confirm:
		d = usageConfirm(in, row.ARN, known, ok)
	case *form:
		d = usageForm(in, row.ARN, known, ok)
	}
	if ok {
		return openDialog(d)
	}
	return tea.Sequence(openDialog(d), loadKeyUsage(v.c.Data, v.usage, row.ARN))
}

// checkPending reads what each customer key pending deletion still
// encrypts, so that one in use is flagged: once a session per key (a scan
// lists every object version, which on a large account takes a while).
func (v *keysView) checkPending() tea.Cmd {
	var cmds []tea.Cmd
	for _, r := range v.rows {
		if _, known := v.inUse[r.ARN]; known {
			continue
		}
		if r.State == "PendingDeletion" && r.Manager == "CUSTOMER" && !r.Owned {
			cmds = append(cmds, loadKeyUsage(v.c.Data, v.usage, r.ARN))
		}
	}
	return tea.Batch(cmds...)
}

// usageDetails is the details pane's line on a pending key still in use.
func (v keysView) usageDetails(r KeyRow, w int) string {
	u, ok := v.inUse[r.ARN]
	if r.State != "PendingDeletion" || !ok || !u.InUse() {
		return ""
	}
	return "\n" + v.c.Styles.StatePending.Render(wrap("still in use: "+u.Summary()+" — they become unreadable on deletion", w))
}
