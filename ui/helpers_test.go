package ui

import (
	"context"
	"fmt"
	"reflect"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/s3crypt/s3crypt/actions"
)

// fixedNow is the clock of every test.
var fixedNow = time.Date(2026, 5, 4, 12, 0, 0, 0, time.UTC)

const (
	demoARN  = "arn:aws:kms:us-east-1:000000000000:key/1f2e3d4c-0000-4000-8000-000000000001"
	awsS3ARN = "arn:aws:kms:us-east-1:000000000000:key/aaaa0000-0000-4000-8000-000000000002"
)

// fakeData is a deterministic Data for goldens and pure tests.
type fakeData struct {
	keys    []KeyRow
	buckets []BucketRow
	objects map[string][]ObjectRow // bucket → rows (folders first), listed flat by prefix ""
	mu      sync.Mutex
	lists   []string // "bucket/prefix@token" requested
	heads   int
	// encs are other keys' encryption; one whose KEY.instruction is in
	// instr is client-side only when that file is listed beside it.
	encs  map[string]ObjectEnc
	instr map[string]ObjectEnc
}

func newFakeData(nObjects int) *fakeData {
	d := &fakeData{objects: map[string][]ObjectRow{}}
	d.keys = []KeyRow{
		{ID: "1f2e3d4c-0000-4000-8000-000000000001", ARN: demoARN, Aliases: []string{"alias/demo"}, Spec: "SYMMETRIC_DEFAULT",
			Usage: "ENCRYPT_DECRYPT", State: "Enabled", Manager: "CUSTOMER", Rotation: "on", Description: "demo key",
			Created: fixedNow.Add(-48 * time.Hour)},
		{ID: "2b2b0000-0000-4000-8000-000000000003", ARN: "arn:aws:kms:us-east-1:000000000000:key/2b2b0000-0000-4000-8000-000000000003",
			Aliases: []string{"alias/old"}, Spec: "SYMMETRIC_DEFAULT", Usage: "ENCRYPT_DECRYPT", State: "PendingDeletion",
			Manager: "CUSTOMER", Rotation: "—", Created: fixedNow.Add(-96 * time.Hour), DeletionDate: fixedNow.Add(7 * 24 * time.Hour)},
		{ID: "3c3c0000-0000-4000-8000-000000000004", ARN: "arn:aws:kms:us-east-1:000000000000:key/3c3c0000-0000-4000-8000-000000000004",
			Aliases: []string{"alias/signer"}, Spec: "RSA_2048", Usage: "SIGN_VERIFY", State: "Disabled", Manager: "CUSTOMER", Rotation: "—"},
		{ID: "aaaa0000-0000-4000-8000-000000000002", ARN: awsS3ARN, Aliases: []string{"alias/aws/s3"}, Spec: "SYMMETRIC_DEFAULT",
			Usage: "ENCRYPT_DECRYPT", State: "Enabled", Manager: "AWS", Rotation: "on"},
		ownedKeyRow(),
	}
	d.buckets = []BucketRow{
		{Name: "my-bucket", Enc: BucketEncryption{Loaded: true, SSE: "aws:kms", KMSKey: demoARN, BucketKey: true, SSECBlocked: true}},
		{Name: "plain-bucket", Enc: BucketEncryption{Loaded: true, SSE: "AES256", SSECBlocked: true}},
		{Name: "legacy", Enc: BucketEncryption{Loaded: true, SSE: "AES256"}},
	}
	rows := []ObjectRow{{Key: "reports/2025/q1.csv", Size: 100, Modified: fixedNow.Add(-time.Hour)}}
	named := []ObjectRow{
		{Key: "reports/cse.json", Size: 9318, Modified: fixedNow.Add(-25 * time.Minute)},
		{Key: "reports/notes.txt", Size: 4096, Modified: fixedNow.Add(-2 * time.Hour)},
		{Key: "reports/report.pdf", Size: 2202009, Modified: fixedNow.Add(-4 * time.Minute)},
		{Key: "reports/secret.bin", Size: 1 << 20, Modified: fixedNow.Add(-40 * 24 * time.Hour)},
	}
	rows = append(rows, named...)
	for i := range nObjects {
		rows = append(rows, ObjectRow{Key: fmt.Sprintf("reports/obj-%06d.bin", i), Size: int64(i * 37), Modified: fixedNow.Add(-time.Duration(i) * time.Minute)})
	}
	d.objects["my-bucket"] = rows
	return d
}

func (d *fakeData) Identity(context.Context) (string, error) {
	return "sandbox account 000000000000 · access key AKIATEST", nil
}

func (d *fakeData) ListKeys(context.Context) ([]KeyRow, error) { return d.keys, nil }

func (d *fakeData) ListBuckets(context.Context) ([]BucketRow, error) { return d.buckets, nil }

func (d *fakeData) ListObjects(_ context.Context, bucket, prefix, token string, max int) (ObjectPage, error) {
	d.mu.Lock()
	d.lists = append(d.lists, bucket+"/"+prefix+"@"+token)
	d.mu.Unlock()
	var all []ObjectRow
	seen := map[string]bool{}
	for _, r := range d.objects[bucket] {
		rest, ok := strings.CutPrefix(r.Key, prefix)
		if !ok || rest == "" {
			continue
		}
		if i := strings.Index(rest, "/"); i >= 0 {
			if f := prefix + rest[:i+1]; !seen[f] {
				seen[f] = true
				all = append(all, ObjectRow{Key: f, Folder: true})
			}
			continue
		}
		all = append(all, r)
	}
	sort.SliceStable(all, func(i, j int) bool { return all[i].Folder && !all[j].Folder })
	start := 0
	if token != "" {
		_, _ = fmt.Sscanf(token, "%d", &start) // a token this fake made; a bad one starts at 0
	}
	end := min(start+max, len(all))
	page := ObjectPage{Bucket: bucket, Prefix: prefix, Rows: all[start:end]}
	if end < len(all) {
		page.Next = fmt.Sprint(end)
	}
	return page, nil
}

func (d *fakeData) HeadObjects(_ context.Context, _ string, keys, listed []string) ([]ObjectEnc, error) {
	d.mu.Lock()
	d.heads += len(keys)
	d.mu.Unlock()
	out := make([]ObjectEnc, len(keys))
	for i, k := range keys {
		e, ok := d.encs[k]
		if ie, iok := d.instr[k]; iok && slices.Contains(listed, k+actions.InstructionSuffix) {
			e, ok = ie, true
		}
		switch {
		case ok:
			out[i] = e
		case strings.HasSuffix(k, "report.pdf"):
			out[i] = ObjectEnc{Known: true, Mode: "SSE-KMS", KMSKey: demoARN, BucketKey: true}
		case strings.HasSuffix(k, "secret.bin"):
			out[i] = ObjectEnc{Known: true, Mode: "SSE-C", SSECKeyMD5: "Ym9ndXNtZDU9PQ=="}
		case strings.HasSuffix(k, "cse.json"):
			out[i] = ObjectEnc{Known: true, Mode: "SSE-S3", Client: "S3EC V3", ClientFormat: 3, ClientWrap: "kms+context"}
		case strings.HasSuffix(k, "0.bin"):
			out[i] = ObjectEnc{Known: true, Mode: "DSSE-KMS", KMSKey: demoARN}
		default:
			out[i] = ObjectEnc{Known: true, Mode: "SSE-S3"}
		}
	}
	return out, nil
}

func (d *fakeData) Inspect(_ context.Context, bucket, key string) (Inspection, error) {
	encs, _ := d.HeadObjects(context.Background(), bucket, []string{key}, []string{key + actions.InstructionSuffix})
	return Inspection{Bucket: bucket, Key: key, Enc: encs[0], Size: 37, ETag: `"abc"`}, nil
}

// fakeWorker records what the UI asks of it.
type fakeWorker struct {
	mu        sync.Mutex
	submitted []actions.Action
	cancelled []actions.JobID
	events    chan actions.Event
}

func newFakeWorker() *fakeWorker { return &fakeWorker{events: make(chan actions.Event, 64)} }

func (w *fakeWorker) Submit(a actions.Action) actions.JobID {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.submitted = append(w.submitted, a)
	return actions.JobID(len(w.submitted))
}

func (w *fakeWorker) Cancel(id actions.JobID) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.cancelled = append(w.cancelled, id)
}

func (w *fakeWorker) Events() <-chan actions.Event { return w.events }

// newTestModel is a model on fake data at a fixed size and theme.
func newTestModel(t testing.TB, d Data, w Worker, width, height int, dark bool) *Model {
	t.Helper()
	m := New(Options{Data: d, Worker: w, Now: func() time.Time { return fixedNow }, IsDark: &dark,
		Backend: BackendInfo{Label: "sandbox · us-east-1 · data ~/.local/share/s3crypt/sandbox", Sandbox: true, Region: "us-east-1"}})
	m.Update(tea.WindowSizeMsg{Width: width, Height: height})
	return m
}

// run executes cmd and returns the messages it produced, flattening
// batches and sequences; commands that do not finish within wait (ticks,
// the worker bridge) are dropped.
func run(cmd tea.Cmd, wait time.Duration) []tea.Msg {
	if cmd == nil {
		return nil
	}
	ch := make(chan tea.Msg, 1)
	go func() { ch <- cmd() }()
	var msg tea.Msg
	select {
	case msg = <-ch:
	case <-time.After(wait):
		return nil
	}
	if msg == nil {
		return nil
	}
	if b, ok := msg.(tea.BatchMsg); ok {
		return runAll([]tea.Cmd(b), wait)
	}
	if v := reflect.ValueOf(msg); v.Kind() == reflect.Slice && v.Type().Elem() == reflect.TypeOf(tea.Cmd(nil)) {
		cmds := make([]tea.Cmd, v.Len())
		for i := range cmds {
			cmds[i] = v.Index(i).Interface().(tea.Cmd)
		}
		var out []tea.Msg
		for _, c := range cmds { // a sequence: in order
			out = append(out, run(c, wait)...)
		}
		return out
	}
	return []tea.Msg{msg}
}

func runAll(cmds []tea.Cmd, wait time.Duration) []tea.Msg {
	var (
		mu  sync.Mutex
		out []tea.Msg
		wg  sync.WaitGroup
	)
	for i, c := range cmds {
		wg.Add(1)
		go func(i int, c tea.Cmd) {
			defer wg.Done()
			msgs := run(c, wait)
			mu.Lock()
			out = append(out, msgs...)
			mu.Unlock()
		}(i, c)
	}
	wg.Wait()
	// Deterministic order for tests: by type name, stable.
	sort.SliceStable(out, func(i, j int) bool {
		return fmt.Sprintf("%T", out[i]) < fmt.Sprintf("%T", out[j])
	})
	return out
}

// send feeds msg to m and then every message its commands produce, for
// up to rounds rounds.
func send(m *Model, msg tea.Msg, wait time.Duration, rounds int) []tea.Msg {
	var seen []tea.Msg
	queue := []tea.Msg{msg}
	for r := 0; r < rounds && len(queue) > 0; r++ {
		var next []tea.Msg
		for _, q := range queue {
			seen = append(seen, q)
			_, cmd := m.Update(q)
			next = append(next, run(cmd, wait)...)
		}
		queue = next
	}
	return seen
}

// key builds a key press.
func keyPress(s string) tea.KeyPressMsg {
	switch s {
	case "enter":
		return tea.KeyPressMsg{Code: tea.KeyEnter}
	case "esc":
		return tea.KeyPressMsg{Code: tea.KeyEscape}
	case "tab":
		return tea.KeyPressMsg{Code: tea.KeyTab}
	case "up":
		return tea.KeyPressMsg{Code: tea.KeyUp}
	case "down":
		return tea.KeyPressMsg{Code: tea.KeyDown}
	case "left":
		return tea.KeyPressMsg{Code: tea.KeyLeft}
	case "right":
		return tea.KeyPressMsg{Code: tea.KeyRight}
	case "end":
		return tea.KeyPressMsg{Code: tea.KeyEnd}
	case "ctrl+s":
		return tea.KeyPressMsg{Code: 's', Mod: tea.ModCtrl}
	case "ctrl+c":
		return tea.KeyPressMsg{Code: 'c', Mod: tea.ModCtrl}
	case "backspace":
		return tea.KeyPressMsg{Code: tea.KeyBackspace}
	}
	r := []rune(s)[0]
	return tea.KeyPressMsg{Code: r, Text: s}
}

// press sends keys one by one, running the commands they return.
func press(m *Model, keys ...string) {
	for _, k := range keys {
		send(m, keyPress(k), 150*time.Millisecond, 6)
	}
}

// typeText types s into whatever has focus.
func typeText(m *Model, s string) {
	for _, r := range s {
		send(m, tea.KeyPressMsg{Code: r, Text: string(r)}, 150*time.Millisecond, 4)
	}
}

// loaded is a model with its lists loaded.
func loaded(t testing.TB, d Data, w Worker, width, height int, dark bool) *Model {
	t.Helper()
	m := newTestModel(t, d, w, width, height, dark)
	for _, msg := range run(tea.Batch(m.loadKeys(), m.loadBuckets(), m.loadIdentity()), time.Second) {
		m.Update(msg)
	}
	return m
}
