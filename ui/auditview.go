package ui

import (
	"context"
	"fmt"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/s3crypt/s3crypt/actions"
)

// auditReader is a Data that can audit the buckets (the SDK's does, with
// the action `s3crypt audit` runs).
type auditReader interface {
	Audit(ctx context.Context, objects bool) (actions.AuditResult, error)
}

// Audit runs the posture audit over every bucket.
func (d sdkData) Audit(ctx context.Context, objects bool) (actions.AuditResult, error) {
	return runRead[actions.AuditResult](ctx, d, &actions.Audit{Objects: objects})
}

// auditLoadedMsg is an audit's result; sent by runAudit, handled by the
// Audit view (gen drops the answer of an audit started before another).
type auditLoadedMsg struct {
	gen     int
	objects bool
	res     actions.AuditResult
	err     error
}

// auditView lists the findings of `s3crypt audit`, worst first; the
// details pane gives each one's reason, fix and aws command. The audit
// runs when the view is first shown and on refresh (bucket settings
// only); o reads every object version too.
type auditView struct {
	c       *Common
	res     actions.AuditResult
	objects bool // the result shown read the objects
	cur     cursor
	running bool
	loaded  bool
	err     error
	gen     int
	cancel  context.CancelFunc
	w, h    int
}

func newAuditView(c *Common) *auditView { return &auditView{c: c} }

// run starts an audit (cancelling one still running).
func (v *auditView) run(objects bool) tea.Cmd {
	r, ok := v.c.Data.(auditReader)
	if !ok {
		return nil
	}
	if v.cancel != nil {
		v.cancel()
	}
	v.gen++
	v.running = true
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Minute)
	v.cancel = cancel
	gen := v.gen
	return func() tea.Msg {
		defer cancel()
		res, err := r.Audit(ctx, objects)
		return auditLoadedMsg{gen: gen, objects: objects, res: res, err: err}
	}
}

// onShow audits the first time the view is shown.
func (v *auditView) onShow() tea.Cmd {
	if v.loaded || v.running {
		return nil
	}
	return v.run(false)
}

// SetSize sets the body size.
func (v *auditView) SetSize(w, h int) {
	v.w, v.h = w, h
	v.cur.setHeight(h - 2)
}

// Update handles the view's keys and the audit's result.
func (v *auditView) Update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case tea.KeyPressMsg:
		if v.cur.handleKey(v.c.Keys, msg) {
			return nil
		}
		if key.Matches(msg, v.keyMap().AuditObjects) {
			return v.run(true)
		}
	case tea.MouseWheelMsg:
		v.cur.scroll(wheelDelta(msg))
	case auditLoadedMsg:
		if msg.gen != v.gen {
			return nil
		}
		v.running, v.loaded, v.err = false, true, msg.err
		if msg.err == nil {
			v.res, v.objects = msg.res, msg.objects
			v.cur.setLen(len(v.res.Findings))
		}
	case placeChangedMsg:
		if v.cancel != nil {
			v.cancel()
		}
		*v = auditView{c: v.c, w: v.w, h: v.h, cur: cursor{height: v.cur.height}, gen: v.gen + 1}
	case refreshMsg:
		if v.loaded && !v.running {
			return v.run(v.objects)
		}
	}
	return nil
}

// clickRow selects the finding clicked.
func (v *auditView) clickRow(y int) tea.Cmd {
	clickCursor(&v.cur, y, 2)
	return nil
}

func (v auditView) keyMap() KeyMap {
	k := v.c.Keys
	_, can := v.c.Data.(auditReader)
	k.AuditObjects = enable(k.AuditObjects, can && !v.running)
	return k
}

func (v auditView) selected() (actions.Finding, bool) {
	if v.cur.pos < 0 || v.cur.pos >= len(v.res.Findings) {
		return actions.Finding{}, false
	}
	return v.res.Findings[v.cur.pos], true
}

var auditColumns = []column{{title: "SEVERITY", width: 8}, {title: "FINDING", width: 28}, {title: "WHERE", width: 0}}

// summary is the line above the findings.
func (v auditView) summary() string {
	what := "bucket settings"
	if v.objects {
		what = fmt.Sprintf("bucket settings and %d object versions", v.res.Scanned)
	}
	counts := []string{}
	for s := actions.SeverityCritical; s >= actions.SeverityInfo; s-- {
		if n := v.res.Counts.Of(s); n > 0 {
			counts = append(counts, fmt.Sprintf("%d %s", n, s))
		}
	}
	found := "no findings"
	if len(counts) > 0 {
		found = strings.Join(counts, ", ")
	}
	return fmt.Sprintf("%d bucket(s), %s: %s", len(v.res.Buckets), what, found)
}

// View draws the findings.
func (v auditView) View(focused bool) string {
	st := v.c.Styles
	switch {
	case v.err != nil:
		return renderError(st, v.err, v.w)
	case !v.loaded && v.running:
		return st.Empty.Render("auditing your buckets…")
	case !v.loaded:
		return st.Empty.Render("the audit runs when this view is shown")
	}
	head := st.Dim.Render(fit(v.summary(), v.w))
	if v.running {
		head = st.Dim.Render(fit("auditing again…", v.w))
	}
	if len(v.res.Findings) == 0 {
		return head + "\n" + st.Empty.Render("nothing to fix")
	}
	return head + "\n" + renderTable(st, auditColumns, v.cur, v.w, focused, func(i int) []string {
		f := v.res.Findings[i]
		sev := f.Severity.String()
		switch {
		case f.Severity >= actions.SeverityHigh:
			sev = st.StatePending.Render(sev)
		case f.Severity == actions.SeverityMedium:
			sev = st.StateDisabled.Render(sev)
		}
		where := strings.TrimSpace(map[bool]string{true: "s3://" + f.Bucket}[f.Bucket != ""] + " " + v.keyName(f.KMSKey))
		if f.Count > 0 {
			where += fmt.Sprintf(" (%d)", f.Count)
		}
		return []string{sev, f.ID, where}
	})
}

// keyName is a key's alias when the Keys view knows one.
func (v auditView) keyName(arn string) string {
	if n := v.c.Catalog.Names[arn]; n != "" {
		return n
	}
	return arn
}

// Details shows the selected finding.
func (v auditView) Details(w int) string {
	st := v.c.Styles
	f, ok := v.selected()
	if !ok {
		return st.Empty.Render("o also reads every object version and the keys they use")
	}
	out := kv(st, w, "finding", f.ID, "severity", f.Severity.String(), "bucket", f.Bucket, "kms key", v.keyName(f.KMSKey),
		"examples", strings.Join(f.Examples, ", "), "same as", strings.Join(f.Maps, "; "))
	out += "\n" + st.Value.Render(wrap(f.Reason, w))
	out += "\n" + st.Hint.Render(wrap("fix: "+f.Fix, w))
	aws := "aws: " + f.FixAWS
	if f.FixAWSNeedsCLI != "" {
		aws += " (needs aws CLI " + f.FixAWSNeedsCLI + " or later)"
	}
	return out + "\n" + st.Dim.Render(wrap(aws, w))
}

// Tab names the view.
func (v auditView) Tab() string { return "Audit" }

// Place is where the person is.
func (v auditView) Place() string { return "encryption audit of your buckets" }

// Title is the pane title's detail.
func (v auditView) Title() string {
	if !v.loaded {
		return "audit"
	}
	return plural(len(v.res.Findings), "finding", "findings")
}

// ShortHelp lists the view's keys.
func (v auditView) ShortHelp() []key.Binding { return []key.Binding{v.keyMap().AuditObjects} }

// FullHelp groups the view's keys for the help screen.
func (v auditView) FullHelp() [][]key.Binding {
	k := v.keyMap()
	return [][]key.Binding{k.listHelp(), {k.AuditObjects}}
}
