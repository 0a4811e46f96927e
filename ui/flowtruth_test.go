package ui

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/golden"

	"github.com/s3crypt/s3crypt/actions"
	"github.com/s3crypt/s3crypt/crypto"
	"github.com/s3crypt/s3crypt/ui/styles"
)

// record rewrites testdata/recorded from real runs against the sandbox
// (go test ./ui -run TestRecord -record).
var record = flag.Bool("record", false, "record the flows of testdata/recorded from real sandbox runs")

// demoKeyID is the key id that replaces a run's random one in goldens.
const demoKeyID = "1f2e3d4c-0000-4000-8000-000000000001"

// kmsFixture is a sandbox with a customer key alias/demo and a bucket demo.
func kmsFixture(t *testing.T, env *actions.Env) (keyID string) {
	t.Helper()
	ctx := context.Background()
	res, err := actions.RunSync(ctx, env, &actions.CreateKey{Alias: "alias/demo"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := actions.RunSync(ctx, env, &actions.MakeBucket{Bucket: "demo"}, nil); err != nil {
		t.Fatal(err)
	}
	return res.(actions.CreateKeyResult).Key.KeyID
}

// normalize makes a real run's steps stable for a golden: the random key
// id becomes demoKeyID, local paths ".", and the times fixedNow + 1 ms a
// step (their order is kept; only the clock is made up).
func normalize(steps []actions.Step, keyID, dir string) []actions.Step {
	r := strings.NewReplacer(keyID, demoKeyID, dir, ".")
	out := make([]actions.Step, len(steps))
	for i, s := range steps {
		s.Time = fixedNow.Add(time.Duration(i) * time.Millisecond)
		s.Title, s.Detail, s.Err, s.KeyARN = r.Replace(s.Title), r.Replace(s.Detail), r.Replace(s.Err), r.Replace(s.KeyARN)
		ctx := map[string]string{}
		for k, v := range s.Context {
			ctx[k] = r.Replace(v)
		}
		s.Context = ctx
		out[i] = s
	}
	return out
}

// failedKMSDownload runs a real SSE-KMS download whose key was disabled
// after the upload, and returns its steps and error, normalized.
func failedKMSDownload(t *testing.T) ([]actions.Step, error) {
	t.Helper()
	b := sandboxBackend(t)
	env := &actions.Env{Backend: b}
	kid := kmsFixture(t, env)
	ctx := context.Background()
	dir := t.TempDir()
	file := filepath.Join(dir, "report.txt")
	if err := os.WriteFile(file, []byte("quarterly figures"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := actions.RunSync(ctx, env, &actions.Put{File: file, Bucket: "demo", Key: "report.txt", SSE: actions.SSEKMS, KMSKey: "alias/demo"}, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := actions.RunSync(ctx, env, &actions.DisableKey{KeyID: kid}, nil); err != nil {
		t.Fatal(err)
	}
	var steps []actions.Step
	_, err := actions.RunSync(ctx, env, &actions.Get{Bucket: "demo", Key: "report.txt", File: filepath.Join(dir, "out.txt")}, func(e actions.Event) {
		if s, ok := e.(actions.StepEvent); ok {
			steps = append(steps, s.Step)
		}
	})
	var ae *actions.Error
	if !errors.As(err, &ae) {
		t.Fatalf("download with a disabled key: err %v, want an actions.Error", err)
	}
	n := *ae
	r := strings.NewReplacer(kid, demoKeyID, dir, ".")
	n.Op, n.What, n.Why, n.Fix, n.Err = r.Replace(n.Op), r.Replace(n.What), r.Replace(n.Why), r.Replace(n.Fix), nil
	return normalize(steps, kid, dir), &n
}

// cancelledUpload runs a real multipart SSE-KMS upload and cancels it once
// S3 has encrypted a part; it returns the job's steps and how it ended.
func cancelledUpload(t *testing.T) ([]actions.Step, actions.Event) {
	t.Helper()
	b := sandboxBackend(t)
	env := &actions.Env{Backend: b, PartSize: 5 << 20, MultipartThreshold: 5 << 20, Concurrency: 1}
	kid := kmsFixture(t, env)
	dir := t.TempDir()
	file := filepath.Join(dir, "big.bin")
	if err := os.WriteFile(file, make([]byte, 40<<20), 0o600); err != nil {
		t.Fatal(err)
	}
	ctx, stop := context.WithCancel(context.Background())
	w := actions.NewWorker(ctx, env, 1)
	defer func() {
		stop()
		sctx, c := context.WithTimeout(context.Background(), 10*time.Second)
		defer c()
		_ = w.Shutdown(sctx)
	}()
	id := w.Submit(&actions.Put{File: file, Bucket: "demo", Key: "big.bin", SSE: actions.SSEKMS, KMSKey: "alias/demo"})
	var steps []actions.Step
	deadline := time.After(60 * time.Second)
	for {
		select {
		case e := <-w.Events():
			switch e := e.(type) {
			case actions.StepEvent:
				steps = append(steps, e.Step)
				if e.Step.Op == "EncryptData" {
					w.Cancel(id)
				}
			case actions.DoneEvent, actions.FailedEvent, actions.CancelledEvent:
				return normalize(steps, kid, dir), e
			}
		case <-deadline:
			t.Fatal("the upload did not end")
		}
	}
}

// recordedFlow is a real run's steps as testdata/recorded keeps them.
type recordedFlow struct {
	Steps []actions.Step `json:"steps"`
}

// TestRecordCancelledUpload cancels a real upload and checks what the
// flow says of it; with -record it saves the run for the goldens (the
// number of parts done before the cancel lands varies from run to run).
func TestRecordCancelledUpload(t *testing.T) {
	if testing.Short() {
		t.Skip("uploads 40 MiB to a sandbox")
	}
	steps, end := cancelledUpload(t)
	if _, ok := end.(actions.CancelledEvent); !ok {
		t.Fatalf("the upload ended with %T, want cancelled", end)
	}
	v := flowView{Spec: flowSpec{Mode: flowSSEKMS, Upload: true, Subject: "big.bin", KeyName: "alias/demo"}, Steps: steps,
		Shown: len(steps), State: jobCancelled, Scroll: -1}
	got := ansi.Strip(renderFlow(styles.New(true), v, 0, 200, 200))
	for _, want := range []string{"skipped: cancelled", "– store ciphertext", "– response", "cancelled"} {
		if !strings.Contains(got, want) {
			t.Errorf("the cancelled upload's flow lacks %q:\n%s", want, got)
		}
	}
	if strings.Contains(got, "○") {
		t.Errorf("a cancelled job shows steps still to come:\n%s", got)
	}
	if !*record {
		return
	}
	b, err := json.MarshalIndent(recordedFlow{Steps: steps}, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join("testdata", "recorded", "sse-kms-upload-cancelled.json"), append(b, '\n'), 0o644); err != nil {
		t.Fatal(err)
	}
}

func loadRecorded(t *testing.T, name string) []actions.Step {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "recorded", name+".json"))
	if err != nil {
		t.Fatalf("%v (make it with go test ./ui -run TestRecord -record)", err)
	}
	var r recordedFlow
	if err := json.Unmarshal(b, &r); err != nil {
		t.Fatal(err)
	}
	return r.Steps
}

// noColor renders s as a NO_COLOR terminal gets it: Bubble Tea's Ascii
// profile, colours dropped, bold and italic kept.
func noColor(t *testing.T, s string) string {
	t.Helper()
	var buf bytes.Buffer
	w := colorprofile.Writer{Forward: &buf, Profile: colorprofile.Ascii}
	if _, err := w.WriteString(s); err != nil {
		t.Fatal(err)
	}
	return buf.String()
}

// TestFlowTruthGoldens draws flows that did not complete, from real runs:
// a download whose KMS key is disabled (run now, against the sandbox) and
// a cancelled upload (recorded). The steps that did not happen read as not
// happened, in colour and without (go test ./ui -run TestFlowTruth -update).
func TestFlowTruthGoldens(t *testing.T) {
	down, err := failedKMSDownload(t)
	cases := []struct {
		name string
		v    flowView
	}{
		{"sse-kms-download-key-disabled", flowView{Spec: flowSpec{Mode: flowSSEKMS, Subject: "report.txt", KeyName: "alias/demo"},
			Steps: down, Shown: len(down), State: jobFailed, Err: err, Scroll: -1}},
		{"sse-kms-upload-cancelled", flowView{Spec: flowSpec{Mode: flowSSEKMS, Upload: true, Subject: "big.bin", KeyName: "alias/demo"},
			Steps: loadRecorded(t, "sse-kms-upload-cancelled"), State: jobCancelled, Scroll: -1}},
	}
	cases[1].v.Shown = len(cases[1].v.Steps)
	sizes := [][2]int{{60, 24}, {50, 14}}
	for _, c := range cases {
		for _, sz := range sizes {
			for _, theme := range []string{"dark", "light", "nocolor"} {
				t.Run(c.name+"_"+itoa(sz[0])+"x"+itoa(sz[1])+"_"+theme, func(t *testing.T) {
					out := renderFlow(styles.New(theme != "light"), c.v, 0, sz[0], sz[1])
					if theme == "nocolor" {
						out = noColor(t, out)
					}
					golden.RequireEqual(t, out)
				})
			}
		}
	}
}

// TestFlowFailedKMSStep: the KMS step that refused is drawn as refused,
// never with KMS's usual answer, and the steps after it as not done.
func TestFlowFailedKMSStep(t *testing.T) {
	steps, err := failedKMSDownload(t)
	v := flowView{Spec: flowSpec{Mode: flowSSEKMS}, Steps: steps, Shown: len(steps), State: jobFailed, Err: err, Scroll: -1}
	got := ansi.Strip(renderFlow(styles.New(true), v, 0, 200, 60))
	for _, want := range []string{"✗ refused: key disabled", "✗ not done: KMS refused (key disabled)", "– decrypt", "– no plaintext key to wipe",
		"✗ error 400 KMS.DisabledException"} {
		if !strings.Contains(got, want) {
			t.Errorf("missing %q in\n%s", want, got)
		}
	}
	if strings.Contains(got, kmsAnswer(flowSpec{Mode: flowSSEKMS}, "Decrypt")) {
		t.Errorf("a refused Decrypt is drawn as answered:\n%s", got)
	}
	// Replayed to before the refusal, the answer is not yet shown as failed.
	v.Shown = 1
	if got := ansi.Strip(renderFlow(styles.New(true), v, 0, 200, 60)); strings.Contains(got, "✗ refused") || !strings.Contains(got, "○ Decrypt") ||
		!strings.Contains(got, "○ refused: key disabled") || strings.Contains(got, kmsAnswer(flowSpec{Mode: flowSSEKMS}, "Decrypt")) {
		t.Errorf("replay at step 1:\n%s", got)
	}
}

// TestFlowFailedBeforeAnyStep: a job that failed before its first step
// (a download refused locally) draws its error, never a panic (the lesson
// 1 tape caught it: index -1 in flowCaption).
func TestFlowFailedBeforeAnyStep(t *testing.T) {
	v := flowView{Spec: flowSpec{Mode: flowSSES3}, State: jobFailed, Err: errors.New("hello.txt exists"), Scroll: -1}
	got := ansi.Strip(renderFlow(styles.New(true), v, 0, 200, 60))
	if !strings.Contains(got, "hello.txt exists") {
		t.Errorf("the error is not drawn:\n%s", got)
	}
}

// TestFlowScrolls: a flow taller than its pane says so, and scrolls with
// the keys (flow focused) and the mouse wheel.
func TestFlowScrolls(t *testing.T) {
	m := loaded(t, newFakeData(0), newFakeWorker(), 80, 24, true)
	openObjects(m)
	withUploadJob(m, 8, actions.DoneEvent{Job: 1})
	flow := func() string { return ansi.Strip(m.View().Content) }
	if s := flow(); !strings.Contains(s, "more above") || strings.Contains(s, "more below") {
		t.Fatalf("a finished flow shows its end, marked as scrolled:\n%s", s)
	}
	press(m, "w") // focus the flow
	if m.focus != paneFlow {
		t.Fatalf("focus %v", m.focus)
	}
	press(m, "g")
	if s := flow(); m.flowTop != 0 || strings.Contains(s, "more above") || !strings.Contains(s, "more below") || !strings.Contains(s, "PutObject") {
		t.Fatalf("top %d after g:\n%s", m.flowTop, s)
	}
	press(m, "down")
	if m.flowTop != 1 || !strings.Contains(flow(), "1 more above") {
		t.Fatalf("top %d after ↓:\n%s", m.flowTop, flow())
	}
	r := m.lay.flow
	m.Update(tea.MouseWheelMsg{X: r.x + 2, Y: r.y + 2, Button: tea.MouseWheelDown})
	if m.flowTop != 4 {
		t.Fatalf("top %d after the wheel, want 4", m.flowTop)
	}
	press(m, "G")
	end := m.flowTop
	press(m, "down")
	if m.flowTop != end || strings.Contains(flow(), "more below") {
		t.Fatalf("scrolled past the end: %d > %d", m.flowTop, end)
	}
	if !strings.Contains(m.helpLine(), "scroll up") {
		t.Fatalf("help lacks the scroll keys: %s", ansi.Strip(m.helpLine()))
	}
}

// TestFlowLabelsNeverCut: at any width a step's label and sentence are
// wrapped, never truncated with an ellipsis.
func TestFlowLabelsNeverCut(t *testing.T) {
	steps := kmsUploadSteps()
	for _, w := range []int{34, 46, 50, 60, 76} {
		v := flowView{Spec: flowSpec{Mode: flowSSEKMSBucketKey, Upload: true, KeyName: "alias/demo"}, Steps: steps, Shown: 2, State: jobDone, Scroll: -1}
		got := ansi.Strip(renderFlow(styles.New(true), v, 0, w, 200))
		if strings.Contains(got, "…") {
			t.Errorf("width %d: cut text\n%s", w, got)
		}
		for _, l := range strings.Split(got, "\n") {
			if ansi.StringWidth(l) > w {
				t.Errorf("width %d: line of %d cells: %q", w, ansi.StringWidth(l), l)
			}
		}
	}
}

// TestFlowWrongSSECKey: a real SSE-C download with another key stops at
// S3's check, drawn as refused, and decrypting is not done.
func TestFlowWrongSSECKey(t *testing.T) {
	b := sandboxBackend(t)
	env := &actions.Env{Backend: b}
	ctx := context.Background()
	if _, err := actions.RunSync(ctx, env, &actions.MakeBucket{Bucket: "demo"}, nil); err != nil {
		t.Fatal(err)
	}
	no := false
	if _, err := actions.RunSync(ctx, env, &actions.PutBucketEncryption{Bucket: "demo", BlockSSEC: &no}, nil); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	file := filepath.Join(dir, "secret.txt")
	if err := os.WriteFile(file, []byte("for your eyes"), 0o600); err != nil {
		t.Fatal(err)
	}
	right, wrong := bytes.Repeat([]byte{1}, 32), bytes.Repeat([]byte{2}, 32)
	if _, err := actions.RunSync(ctx, env, &actions.Put{File: file, Bucket: "demo", Key: "secret.txt",
		SSEC: &actions.SSECKey{Key: crypto.NewKey(right)}}, nil); err != nil {
		t.Fatal(err)
	}
	var steps []actions.Step
	_, err := actions.RunSync(ctx, env, &actions.Get{Bucket: "demo", Key: "secret.txt", File: filepath.Join(dir, "out"),
		SSEC: &actions.SSECKey{Key: crypto.NewKey(wrong)}}, func(e actions.Event) {
		if s, ok := e.(actions.StepEvent); ok {
			steps = append(steps, s.Step)
		}
	})
	if err == nil {
		t.Fatal("a download with the wrong SSE-C key succeeded")
	}
	v := flowView{Spec: flowSpec{Mode: flowSSEC}, Steps: steps, Shown: len(steps), State: jobFailed, Err: err, Scroll: -1}
	got := ansi.Strip(renderFlow(styles.New(true), v, 0, 200, 60))
	for _, want := range []string{"✗ key rejected", "✗ not done: S3 refused", "– decrypt"} {
		if !strings.Contains(got, want) {
			t.Errorf("missing %q in\n%s", want, got)
		}
	}
	if strings.Contains(got, "– check key") {
		t.Errorf("the check that rejected the key is drawn as not done:\n%s", got)
	}
}
