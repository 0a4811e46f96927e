package ui

import (
	"context"
	"crypto/rand"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/golden"
	"golang.org/x/sync/errgroup"

	"github.com/s3crypt/s3crypt/actions"
)

// TestSandboxReencryptWizard runs the bulk re-encryption wizard on a real
// sandbox: E opens the form, ctrl+s plans in a job, the plan dialog shows
// the counts per current encryption, the paths, the KMS estimate with its
// price source and the SSE-C object that cannot change (and why); y runs
// it as a job with a progress bar; the report says what was done; every
// object but the SSE-C one then HEADs as SSE-KMS, and a journal exists
// for a later run to resume from.
func TestSandboxReencryptWizard(t *testing.T) {
	state := t.TempDir()
	t.Setenv("XDG_STATE_HOME", state)
	m, b, w := sandboxModel(t, true)
	ctx := context.Background()
	env := &actions.Env{Backend: b}
	if _, err := actions.RunSync(ctx, env, &actions.MakeBucket{Bucket: "demo"}, nil); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	const n = 5
	for i := range n {
		file := filepath.Join(dir, fmt.Sprintf("f%d", i))
		if err := os.WriteFile(file, []byte(strings.Repeat("x", 1000+i)), 0o600); err != nil {
			t.Fatal(err)
		}
		if _, err := actions.RunSync(ctx, env, &actions.Put{File: file, Bucket: "demo", Key: fmt.Sprintf("data/f%d.txt", i), SSE: actions.SSES3}, nil); err != nil {
			t.Fatal(err)
		}
	}
	keyFile := filepath.Join(dir, "c.key")
	k := make([]byte, 32)
	_, _ = rand.Read(k)
	if err := os.WriteFile(keyFile, k, 0o600); err != nil {
		t.Fatal(err)
	}
	no := false
	if _, err := actions.RunSync(ctx, env, &actions.PutBucketEncryption{Bucket: "demo", SSE: actions.SSES3, BlockSSEC: &no}, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := actions.RunSync(ctx, env, &actions.PutSSEC{Put: actions.Put{File: filepath.Join(dir, "f0"), Bucket: "demo", Key: "data/secret.bin"},
		Source: actions.SSECFromFile, KeyFile: keyFile}, nil); err != nil {
		t.Fatal(err)
	}
	send(m, openBucketMsg{bucket: "demo"}, 5*time.Second, 4)
	press(m, "E")
	if _, ok := m.dialog.(*form); !ok {
		t.Fatalf("E opened %T, want the wizard's form", m.dialog)
	}
	send(m, keyPress("ctrl+s"), time.Second, 2)
	plan := m.jobs.selected()
	if plan == nil {
		t.Fatal("ctrl+s started no job")
	}
	until(t, m, w, func() bool { return plan.State != jobRunning }, 60*time.Second)
	if plan.State != jobDone {
		t.Fatalf("plan job %v: %v", plan.State, plan.Err)
	}
	until(t, m, w, func() bool { _, ok := m.dialog.(*planDialog); return ok }, 10*time.Second)
	view := ansi.Strip(m.View().Content)
	for _, want := range []string{fmt.Sprintf("%d objects", n+1), "SSE-S3", "KMS requests (estimate)", "Price source:", "Cannot be changed (1)", "data/secret.bin (SSE-C)", "y runs the plan"} {
		if !strings.Contains(view, want) {
			t.Errorf("the plan lacks %q:\n%s", want, view)
		}
	}
	send(m, keyPress("y"), time.Second, 3)
	run := m.jobs.selected()
	if run == nil || run == plan || !run.Meta.Transfer {
		t.Fatalf("y started %+v, want the run with a progress bar", run)
	}
	until(t, m, w, func() bool { return run.State != jobRunning }, 120*time.Second)
	if run.State != jobDone {
		t.Fatalf("run job %v: %v", run.State, run.Err)
	}
	until(t, m, w, func() bool { _, ok := m.dialog.(*info); return ok }, 10*time.Second)
	view = ansi.Strip(m.View().Content)
	for _, want := range []string{"Re-encrypted s3://demo/", fmt.Sprintf("%d verified by HEAD", n), "1 object(s) could not be changed", "Journal: " + state} {
		if !strings.Contains(view, want) {
			t.Errorf("the report lacks %q:\n%s", want, view)
		}
	}
	for i := range n {
		res, err := actions.RunSync(ctx, env, &actions.Head{Bucket: "demo", Key: fmt.Sprintf("data/f%d.txt", i)}, nil)
		if err != nil {
			t.Fatal(err)
		}
		if h := res.(actions.HeadResult); h.Mode != "SSE-KMS" {
			t.Errorf("data/f%d.txt is %s after the run, want SSE-KMS", i, h.Mode)
		}
	}
	res, err := actions.RunSync(ctx, env, &actions.Head{Bucket: "demo", Key: "data/secret.bin", KeyOptional: true}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if h := res.(actions.HeadResult); h.Mode != "SSE-C" {
		t.Errorf("the SSE-C object is %s after the run, want it untouched", h.Mode)
	}
}

func samplePlan() actions.ReencryptPlan {
	arn := "arn:aws:kms:us-east-1:000000000000:key/1111aaaa-2222-4333-8444-555566667777"
	return actions.ReencryptPlan{Bucket: "my-bucket", Prefix: "reports/", Target: "SSE-KMS alias/demo", TargetKMSKeyArn: arn, Versioning: "Enabled",
		Objects: 2003, Bytes: 131 << 20,
		Groups: []actions.PlanGroup{
			{Mode: "SSE-S3", Objects: 1500, Bytes: 96 << 20, Paths: map[string]int{actions.PathUpdate: 1500}},
			{Mode: "SSE-KMS", KMSKeyArn: arn, Objects: 500, Bytes: 32 << 20, Paths: map[string]int{actions.PathNone: 500}},
			{Mode: "SSE-C", Objects: 3, Bytes: 3 << 20, Paths: map[string]int{actions.PathCannot: 3}},
		},
		Paths:       map[string]int{actions.PathUpdate: 1500, actions.PathNone: 500, actions.PathCannot: 3},
		Cannot:      []actions.PlanItem{{Key: "reports/a.bin", Mode: "SSE-C", Why: "SSE-C without its key: S3 cannot read it to copy it"}},
		Items:       make([]actions.PlanItem, 2003),
		KMSRequests: 1501, KMSCostUSD: 0.0045, PriceSource: "AWS KMS pricing page, 2026-01",
		OlderVersion: 12, OlderBytes: 1 << 20,
		Notes: []string{"versioning enabled: only current versions are re-encrypted; the 12 older version(s) keep their encryption and keys"}}
}

// TestReencryptWizardScreens: goldens of the wizard's form, its plan and
// its report.
func TestReencryptWizardScreens(t *testing.T) {
	for _, sc := range []struct {
		name  string
		setup func(m *Model)
	}{
		{"wizard-form", func(m *Model) { openObjects(m); press(m, "E") }},
		{"wizard-plan", func(m *Model) {
			openObjects(m)
			p := samplePlan()
			send(m, jobEndedMsg{state: jobDone, result: reencryptPlanned{Run: actions.ReencryptMany{Bucket: p.Bucket, Prefix: p.Prefix}, Plan: p}}, 200*time.Millisecond, 3)
		}},
		{"wizard-report", func(m *Model) {
			openObjects(m)
			r := actions.ReencryptReport{Plan: samplePlan(), Done: map[string]int{actions.PathUpdate: 1400}, Resumed: 100, Verified: 1400,
				Cannot: samplePlan().Cannot, Bytes: 90 << 20, Duration: 12.5, ObjectsPerS: 112, BytesPerS: 7.2e6, KMSRequests: 1400,
				Failed: []actions.FailedObject{}, Unverified: []actions.FailedObject{}, Journal: "/home/me/.local/state/s3crypt/reencrypt/j.jsonl"}
			send(m, jobEndedMsg{state: jobDone, result: reencryptDone{r}}, 200*time.Millisecond, 3)
		}},
	} {
		t.Run(sc.name, func(t *testing.T) {
			m := loaded(t, newFakeData(0), newFakeWorker(), 120, 36, true)
			sc.setup(m)
			golden.RequireEqual(t, m.View().Content)
		})
	}
}

// TestSandboxReencryptWizardCancelResumes: esc cancels the wizard's run
// part way; E, plan and y again resume from the journal: the objects the
// first run finished are counted as done by an earlier run and not
// redone, the rest are changed, and every object ends DSSE-KMS.
func TestSandboxReencryptWizardCancelResumes(t *testing.T) {
	t.Setenv("XDG_STATE_HOME", t.TempDir())
	m, b, w := sandboxModel(t, true)
	ctx := context.Background()
	env := &actions.Env{Backend: b}
	if _, err := actions.RunSync(ctx, env, &actions.MakeBucket{Bucket: "demo"}, nil); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "f")
	if err := os.WriteFile(file, []byte(strings.Repeat("y", 32<<10)), 0o600); err != nil {
		t.Fatal(err)
	}
	const n = 200
	var g errgroup.Group
	g.SetLimit(8)
	for i := range n {
		g.Go(func() error {
			_, err := actions.RunSync(ctx, env, &actions.Put{File: file, Bucket: "demo", Key: fmt.Sprintf("o%03d", i), SSE: actions.SSES3}, nil)
			return err
		})
	}
	if err := g.Wait(); err != nil {
		t.Fatal(err)
	}
	send(m, openBucketMsg{bucket: "demo"}, 5*time.Second, 4)
	planAndRun := func() *job {
		t.Helper()
		press(m, "E", "right") // DSSE-KMS: copies in place, slow enough for the cancel to land mid-run
		send(m, keyPress("ctrl+s"), time.Second, 2)
		plan := m.jobs.selected()
		until(t, m, w, func() bool { return plan.State != jobRunning }, 60*time.Second)
		until(t, m, w, func() bool { _, ok := m.dialog.(*planDialog); return ok }, 10*time.Second)
		send(m, keyPress("y"), time.Second, 3)
		return m.jobs.selected()
	}
	first := planAndRun()
	// Read the worker's events straight off (feeding the model each one
	// is slower than the run) until the run reports progress, then esc.
	deadline := time.After(60 * time.Second)
wait:
	for {
		select {
		case ev := <-w.Events():
			if p, ok := ev.(actions.ProgressEvent); ok && p.Done > 0 {
				break wait
			}
			if _, ok := ev.(actions.ProgressEvent); !ok {
				send(m, workerEventMsg{ev: ev}, 0, 1)
			}
			if first.State != jobRunning {
				break wait
			}
		case <-deadline:
			t.Fatal("no progress from the run")
		}
	}
	send(m, keyPress("esc"), time.Second, 2)
	until(t, m, w, func() bool { return first.State != jobRunning }, 60*time.Second)
	changed := 0
	for i := range n {
		res, err := actions.RunSync(ctx, env, &actions.Head{Bucket: "demo", Key: fmt.Sprintf("o%03d", i)}, nil)
		if err != nil {
			t.Fatal(err)
		}
		if res.(actions.HeadResult).Mode == "DSSE-KMS" {
			changed++
		}
	}
	t.Logf("first run %v with %d of %d objects changed", first.State, changed, n)
	send(m, keyPress("esc"), time.Second, 2) // a report dialog, if the run beat the cancel
	m.dialog = nil
	second := planAndRun()
	until(t, m, w, func() bool { return second.State != jobRunning }, 120*time.Second)
	if second.State != jobDone {
		t.Fatalf("second run %v: %v", second.State, second.Err)
	}
	r, ok := second.Result.(reencryptDone)
	if !ok {
		t.Fatalf("second run's result %T", second.Result)
	}
	switch first.State {
	case jobCancelled:
		// What the cancelled run finished is not redone: journalled, it
		// counts as resumed; changed as the cancel landed (not yet
		// journalled), the plan's HEAD finds it as asked (Unchanged).
		if r.Resumed == 0 || r.Resumed+r.Done[actions.PathNone] != changed || r.Done[actions.PathCopy] != n-changed {
			t.Fatalf("second run: resumed %d + unchanged %d (want %d, some resumed), done %v (want CopyObject %d)",
				r.Resumed, r.Done[actions.PathNone], changed, r.Done, n-changed)
		}
	case jobDone:
		// The run beat the cancel: a new run finds nothing to do.
		if r.Done[actions.PathNone] != n || r.Done[actions.PathCopy] != 0 {
			t.Fatalf("second run after a finished one: done %v, want all %d unchanged", r.Done, n)
		}
	default:
		t.Fatalf("first run %v: %v", first.State, first.Err)
	}
	for i := range n {
		res, err := actions.RunSync(ctx, env, &actions.Head{Bucket: "demo", Key: fmt.Sprintf("o%03d", i)}, nil)
		if err != nil {
			t.Fatal(err)
		}
		if h := res.(actions.HeadResult); h.Mode != "DSSE-KMS" {
			t.Fatalf("o%03d is %s after the resumed run", i, h.Mode)
		}
	}
}
