package ui

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/s3crypt/s3crypt/actions"
	"github.com/s3crypt/s3crypt/internal/fakeendpoint"
)

// TestEndpointWithoutDefaultRule runs the real model, its data loader and
// a real worker against an endpoint that keeps no default encryption rule
// (as MinIO without KMS): the bucket reads "no default encryption", never
// SSE-S3, and an upload with the bucket default ends labelled unencrypted.
func TestEndpointWithoutDefaultRule(t *testing.T) {
	ep := fakeendpoint.Start(t, sandboxBackend(t).Sandbox, fakeendpoint.Options{NoDefaultEncryption: true})
	b := ep.Backend(t)
	ctx, cancel := context.WithCancel(context.Background())
	env := &actions.Env{Backend: b}
	if _, err := actions.RunSync(ctx, env, &actions.MakeBucket{Bucket: "plain"}, nil); err != nil {
		t.Fatal(err)
	}
	w := actions.NewWorker(ctx, env, 2)
	t.Cleanup(func() {
		cancel()
		sctx, c := context.WithTimeout(context.Background(), 10*time.Second)
		defer c()
		_ = w.Shutdown(sctx)
	})
	dark := true
	m := New(Options{Data: NewData(b), Worker: tappedWorker{w}, IsDark: &dark, Now: func() time.Time { return fixedNow },
		Backend: BackendInfoOf(b)})
	m.Update(tea.WindowSizeMsg{Width: 120, Height: 36})
	for _, msg := range run(m.loadBuckets(), 10*time.Second) {
		send(m, msg, 5*time.Second, 4)
	}
	row := ""
	for _, line := range strings.Split(ansi.Strip(m.View().Content), "\n") {
		if strings.Contains(line, "▸ plain") {
			row = line
		}
	}
	if !strings.Contains(row, "no default encryption") || strings.Contains(row, "SSE-S3") {
		t.Fatalf("bucket row %q; screen:\n%s", row, ansi.Strip(m.View().Content))
	}

	file := filepath.Join(t.TempDir(), "note.txt")
	if err := os.WriteFile(file, []byte("stored as sent"), 0o600); err != nil {
		t.Fatal(err)
	}
	send(m, openBucketMsg{bucket: "plain"}, 5*time.Second, 4)
	send(m, startJobMsg{action: &actions.Put{File: file, Bucket: "plain", Key: "note.txt"},
		meta: jobMeta{Title: "upload note.txt", Transfer: true, Refresh: refreshObjects,
			Flow: flowSpec{Mode: flowOf(bucketDefault(m.buckets.rows[0].Enc)), Upload: true, Subject: "note.txt"}}}, time.Second, 2)
	j := m.jobs.selected()
	until(t, m, w, func() bool { return j.State != jobRunning }, 30*time.Second)
	if j.State != jobDone {
		t.Fatalf("job %v: %v", j.State, j.Err)
	}
	if got := doneText(j); !strings.Contains(got, "· no encryption") || strings.Contains(got, "SSE-S3") {
		t.Fatalf("done text %q", got)
	}
}

// TestDoneTextSaysWhatTheEndpointIgnored: the status line of a finished
// job carries what the endpoint ignored, and "not reported" encryption.
func TestDoneTextSaysWhatTheEndpointIgnored(t *testing.T) {
	j := &job{Meta: jobMeta{Title: "upload a"}, State: jobDone, Result: actions.PutResult{EncryptionUnknown: true,
		Ignored: []string{"asked for a bucket key, the endpoint ignored it"}}}
	if got := doneText(j); !strings.Contains(got, "· encryption not reported · asked for a bucket key, the endpoint ignored it") {
		t.Fatalf("done text %q", got)
	}
	j.Result = actions.BucketEncryptionResult{Ignored: []string{"asked to block SSE-C writes, the endpoint ignored it"}}
	if got := doneText(j); !strings.Contains(got, "asked to block SSE-C writes, the endpoint ignored it") {
		t.Fatalf("done text %q", got)
	}
}
