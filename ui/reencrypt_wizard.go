package ui

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/s3crypt/s3crypt/actions"
	"github.com/s3crypt/s3crypt/modes"
)

// This file is the TUI's bulk re-encryption wizard (the objects view's
// E), the same steps as `s3crypt reencrypt s3://B/PREFIX --recursive`:
// a form asks the new encryption (the re-encrypt form's mode fields);
// a job plans (actions.ReencryptMany with DryRun: a listing and a HEAD
// per object, in the background); a dialog shows the plan and asks; a
// second job runs it, reporting its bytes as a transfer does (the jobs
// area's bar with rate and ETA), journalled so that a cancelled run
// (esc) resumes without redoing what it finished; a dialog shows the
// report.

// reencryptTargetFields adds the new encryption's fields to f: the mode,
// its KMS key and bucket key (shown only when the mode uses them). The
// returned function reads the answer.
func reencryptTargetFields(f *form, keys []KeyRow) func() actions.ReencryptTarget {
	var names, apis []string
	for _, api := range modes.APIValues() {
		names, apis = append(names, modes.ByAPI(api, false).Short), append(apis, api)
	}
	sel := 0
	for i, a := range apis {
		if a == actions.SSEKMS {
			sel = i
		}
	}
	sse := f.choice("New encryption", names, apis, sel, "")
	labels, values := kmsKeyChoices(keys)
	kmsKey := f.choice("KMS key", labels, values, 0, "symmetric customer managed keys from the Keys view")
	kmsKey.show = func() bool { m := modes.ByAPI(sse.value(), false); return m != nil && m.UsesKMS() }
	bucketKey := f.choice("Bucket key", []string{"on", "off"}, []string{"on", "off"}, 1, "on: S3 caches a bucket-level key and calls KMS far less")
	bucketKey.show = func() bool { m := modes.ByAPI(sse.value(), true); return m != nil && m.BucketKey }
	f.mode = func() *modes.Mode { return modes.ByAPI(sse.value(), bucketKey.visible() && bucketKey.value() == "on") }
	return func() actions.ReencryptTarget {
		t := actions.ReencryptTarget{SSE: sse.answer()}
		if kmsKey.visible() {
			t.KMSKey = kmsKey.answer()
		}
		t.BucketKey = bucketKey.visible() && bucketKey.answer() == "on"
		return t
	}
}

// newReencryptWizard asks the new encryption of everything under
// bucket/prefix, then plans it (a job).
func newReencryptWizard(c *Common, bucket, prefix string, keys []KeyRow) *form {
	f := newForm(c, "Re-encrypt everything in s3://"+bucket+"/"+prefix,
		"First a plan (nothing changes): how many objects and bytes per current encryption, which path each takes, "+
			"the KMS requests and their cost, what cannot change and why. You confirm, then it runs; "+
			"esc cancels, and E again resumes from the journal.", "plan")
	target := reencryptTargetFields(f, keys)
	f.submit = func() (tea.Msg, string) {
		m := actions.ReencryptMany{Bucket: bucket, Prefix: prefix, Target: target()}
		return planJob(m, f.mode()), ""
	}
	return f.init()
}

// planReencrypt is ReencryptMany's dry run whose result (reencryptPlanned)
// opens the plan dialog.
type planReencrypt struct{ actions.ReencryptMany }

// reencryptPlanned is planReencrypt's result: the plan and what to run.
type reencryptPlanned struct {
	Run  actions.ReencryptMany
	Plan actions.ReencryptPlan
}

// Run implements actions.Action.
func (p *planReencrypt) Run(ctx context.Context, env *actions.Env, r *actions.Reporter) (any, error) {
	m := p.ReencryptMany
	m.DryRun = true
	res, err := m.Run(ctx, env, r)
	if err != nil {
		return nil, err
	}
	return reencryptPlanned{Run: p.ReencryptMany, Plan: res.(actions.ReencryptPlan)}, nil
}

func planJob(m actions.ReencryptMany, mode *modes.Mode) startJobMsg {
	return startJobMsg{action: &planReencrypt{m}, meta: jobMeta{Title: "plan: re-encrypt s3://" + m.Bucket + "/" + m.Prefix,
		Flow: flowSpec{Mode: flowOf(mode), Subject: "plan " + m.Prefix}}}
}

// runReencrypt is ReencryptMany's run; its progress is the job's bar.
type runReencrypt struct{ actions.ReencryptMany }

// reencryptDone is runReencrypt's result.
type reencryptDone struct{ actions.ReencryptReport }

// Run implements actions.Action.
func (a *runReencrypt) Run(ctx context.Context, env *actions.Env, r *actions.Reporter) (any, error) {
	m := a.ReencryptMany
	m.DryRun = false
	m.OnProgress = func(p actions.BulkProgress) { r.Progress(p.Bytes, p.TotalBytes) }
	res, err := m.Run(ctx, env, r)
	if err != nil {
		return nil, err
	}
	return reencryptDone{res.(actions.ReencryptReport)}, nil
}

// reencryptWizardResult opens the wizard's next dialog when one of its
// jobs ends: the plan (to confirm) or the report.
func reencryptWizardResult(c *Common, msg jobEndedMsg) (tea.Cmd, bool) {
	if msg.state != jobDone {
		return nil, false
	}
	switch r := msg.result.(type) {
	case reencryptPlanned:
		yes := startJobMsg{action: &runReencrypt{r.Run}, meta: jobMeta{Title: "re-encrypt s3://" + r.Run.Bucket + "/" + r.Run.Prefix,
			Transfer: true, Refresh: refreshObjects, Flow: flowSpec{Mode: flowOf(targetMode(r.Run.Target)), Upload: true, Subject: "re-encrypt " + r.Run.Prefix}}}
		d := &planDialog{info: newInfo(c, "Plan: s3://"+r.Plan.Bucket+"/"+r.Plan.Prefix+" → "+r.Plan.Target, planText(r.Plan)), yes: yes,
			can: len(r.Plan.Items) > len(r.Plan.Cannot)}
		return openDialog(d), true
	case reencryptDone:
		return openDialog(newInfo(c, "Re-encrypted s3://"+r.Plan.Bucket+"/"+r.Plan.Prefix+" → "+r.Plan.Target, reportText(r.ReencryptReport))), true
	}
	return nil, false
}

// targetMode is the mode a target names.
func targetMode(t actions.ReencryptTarget) *modes.Mode { return modes.ByAPI(t.SSE, t.BucketKey) }

// planDialog shows a plan (scrollable) and runs it on y.
type planDialog struct {
	*info
	yes tea.Msg
	can bool // something to change
}

// Update runs the plan on y, cancels on n or esc, and scrolls.
func (d *planDialog) Update(msg tea.Msg) (dialog, tea.Cmd) {
	if km, ok := msg.(tea.KeyPressMsg); ok {
		switch {
		case d.can && key.Matches(km, d.runKey()):
			yes := d.yes
			return d, tea.Sequence(func() tea.Msg { return closeDialogMsg{} }, func() tea.Msg { return yes })
		case key.Matches(km, d.c.Keys.No):
			return d, func() tea.Msg { return closeDialogMsg{} }
		}
	}
	_, cmd := d.info.Update(msg)
	return d, cmd
}

func (d *planDialog) runKey() key.Binding {
	return key.NewBinding(key.WithKeys("y"), key.WithHelp("y", "run the plan"))
}

// View draws the plan and the question.
func (d *planDialog) View() string { return d.info.View() }

// ShortHelp lists the dialog's keys.
func (d *planDialog) ShortHelp() []key.Binding {
	k := d.keyMap()
	return []key.Binding{enable(d.runKey(), d.can), brief(d.c.Keys.No, "cancel"), k.Down, k.PageDown}
}

// planText is a plan for people: counts and bytes per current encryption,
// the paths, KMS requests and their cost with its source, what cannot
// change and why, what happens to older versions.
func planText(p actions.ReencryptPlan) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d objects, %s (versioning %s)", p.Objects, humanSize(p.Bytes), strings.ToLower(p.Versioning))
	if p.Filtered > 0 {
		fmt.Fprintf(&b, "; %d left out by the filters", p.Filtered)
	}
	b.WriteString("\n\nNOW                                  OBJECTS      BYTES  PATHS\n")
	for _, g := range p.Groups {
		now := g.Mode
		if g.KMSKeyArn != "" {
			now += " " + shortKey(g.KMSKeyArn)
		}
		if g.BucketKey {
			now += " +bucket key"
		}
		fmt.Fprintf(&b, "%-36s %8d %10s  %s\n", fit(now, 36), g.Objects, humanSize(g.Bytes), pathCounts(g.Paths))
	}
	fmt.Fprintf(&b, "\nPaths: %s\n", pathCounts(p.Paths))
	fmt.Fprintf(&b, "KMS requests (estimate): %d, about $%.4f\n", p.KMSRequests, p.KMSCostUSD)
	if p.PriceSource != "" {
		fmt.Fprintf(&b, "Price source: %s\n", p.PriceSource)
	}
	if len(p.Cannot) > 0 {
		fmt.Fprintf(&b, "\nCannot be changed (%d), left untouched:\n", len(p.Cannot))
		for i, it := range p.Cannot {
			if i == 8 {
				fmt.Fprintf(&b, "  … and %d more (s3crypt reencrypt --recursive --dry-run lists them all)\n", len(p.Cannot)-i)
				break
			}
			fmt.Fprintf(&b, "  %s (%s): %s\n", it.Key, it.Mode, it.Why)
		}
	}
	for _, n := range p.Notes {
		b.WriteString("\n" + n + "\n")
	}
	if len(p.Items) > len(p.Cannot) {
		b.WriteString("\ny runs the plan (esc in the jobs area cancels; E again resumes from the journal) · n cancels")
	} else {
		b.WriteString("\nNothing to change. n closes")
	}
	return b.String()
}

// reportText is a run's report for people.
func reportText(r actions.ReencryptReport) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Done: %s; %d verified by HEAD", pathCounts(r.Done), r.Verified)
	if r.Resumed > 0 {
		fmt.Fprintf(&b, "; %d done by an earlier run, not redone", r.Resumed)
	}
	fmt.Fprintf(&b, "\n%s in %s: %.0f objects/s, %s\n", humanSize(r.Bytes), (time.Duration(r.Duration * float64(time.Second))).Round(time.Millisecond),
		r.ObjectsPerS, humanRate(r.BytesPerS))
	if r.KMSRequestsSeen {
		fmt.Fprintf(&b, "KMS requests made: %d (plan estimated %d)\n", r.KMSRequests, r.Plan.KMSRequests)
	} else {
		fmt.Fprintf(&b, "KMS requests you made: %d (S3's on your behalf are not visible on this backend; plan estimated %d)\n", r.KMSRequests, r.Plan.KMSRequests)
	}
	for _, f := range r.Failed {
		fmt.Fprintf(&b, "FAILED %s: %s\n", f.Key, f.Error)
	}
	for _, f := range r.Unverified {
		fmt.Fprintf(&b, "NOT AS ASKED %s: %s\n", f.Key, f.Error)
	}
	if len(r.Cannot) > 0 {
		fmt.Fprintf(&b, "%d object(s) could not be changed and were left untouched\n", len(r.Cannot))
	}
	fmt.Fprintf(&b, "Journal: %s", r.Journal)
	return b.String()
}

// pathCounts is "UpdateObjectEncryption 3, CopyObject 2" in a fixed order.
func pathCounts(m map[string]int) string {
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(m)) {
		if m[k] > 0 {
			parts = append(parts, fmt.Sprintf("%s %d", k, m[k]))
		}
	}
	if len(parts) == 0 {
		return "nothing"
	}
	return strings.Join(parts, ", ")
}

// shortKey is a KMS key ARN's id, or the alias.
func shortKey(arn string) string {
	if i := strings.LastIndex(arn, ":"); i >= 0 {
		arn = arn[i+1:]
	}
	return fit(arn, 20)
}
