package ui

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"

	"github.com/s3crypt/s3crypt/actions"
)

// TestSessionKMSCounterIsExact drives a session on the sandbox through the
// model (data key, KMS encrypt and decrypt of a file, SSE-KMS and SSE-C
// from a KMS data key uploads, the key list, downloads) and checks that
// the header's KMS count is the sandbox's own count of the KMS requests it
// served, by everyone (S3 on your behalf included).
func TestSessionKMSCounterIsExact(t *testing.T) {
	m, b, w := sandboxModel(t, true)
	m.c.Backend.OwnKMS = b.Recorder.KMSTotal
	ctx := context.Background()
	dir := t.TempDir()
	file := func(name, data string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(data), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	job := func(a actions.Action, spec flowSpec) {
		t.Helper()
		// The job's own events only: what they would reload is left out, so
		// that no request is still in flight when the counts are compared.
		m.Update(startJobMsg{action: a, meta: jobMeta{Title: a.Describe(), Flow: spec}})
		j := m.jobs.selected()
		deadline := time.After(30 * time.Second)
		for j.State == jobRunning {
			select {
			case ev := <-w.Events():
				m.Update(workerEventMsg{ev: ev})
			case <-deadline:
				t.Fatalf("%s: still running", a.Describe())
			}
		}
		if j.State != jobDone {
			t.Fatalf("%s: %v %v", a.Describe(), j.State, j.Err)
		}
	}
	check := func(after string) {
		t.Helper()
		want, err := b.Local.KMSCalls(ctx)
		if err != nil {
			t.Fatal(err)
		}
		got := m.jobs.kmsTotal(m.c.Backend.OwnKMS)
		if got != want {
			t.Fatalf("after %s: the session counts %d KMS requests, the sandbox served %d", after, got, want)
		}
		if head := ansi.Strip(m.View().Content); !strings.Contains(strings.SplitN(head, "\n", 2)[0], "KMS calls "+itoa(want)) {
			t.Fatalf("after %s: the header does not say KMS calls %d:\n%q", after, want, strings.SplitN(head, "\n", 2)[0])
		}
	}

	job(&actions.CreateKey{Alias: "alias/count"}, flowSpec{Mode: flowKMS, Upload: true, Subject: "CreateKey"})
	check("create-key")
	for _, msg := range run(m.loadKeys(), 10*time.Second) { // the key list: ListKeys, DescribeKey, rotation, aliases
		send(m, msg, 10*time.Second, 4)
	}
	check("the key list")
	job(&actions.GenerateDataKey{KeyID: "alias/count", Out: filepath.Join(dir, "dk.bin")}, flowSpec{Mode: flowKMS, Upload: true})
	small := file("small.txt", "a small secret")
	job(&actions.KMSEncrypt{KeyID: "alias/count", In: small, Out: filepath.Join(dir, "small.enc")}, flowSpec{Mode: flowKMS, Upload: true})
	job(&actions.KMSDecrypt{In: filepath.Join(dir, "small.enc"), Out: filepath.Join(dir, "small.out")}, flowSpec{Mode: flowKMS, Upload: true})
	check("data key, encrypt, decrypt")

	allow := false
	job(&actions.MakeBucket{Bucket: "count"}, flowSpec{Mode: flowS3, Upload: true})
	job(&actions.PutBucketEncryption{Bucket: "count", SSE: actions.SSES3, BlockSSEC: &allow}, flowSpec{Mode: flowS3, Upload: true})
	body := file("report.txt", "hello sandbox")
	f := false
	job(&actions.Put{File: body, Bucket: "count", Key: "kms.txt", SSE: actions.SSEKMS, KMSKey: "alias/count", BucketKey: &f},
		flowSpec{Mode: flowSSEKMS, Upload: true})
	job(&actions.PutSSEC{Put: actions.Put{File: body, Bucket: "count", Key: "ssec.txt"}, Source: actions.SSECFromKMS,
		KeyFile: filepath.Join(dir, "ssec.key.enc"), KMSKey: "alias/count"}, flowSpec{Mode: flowSSEC, Upload: true})
	check("SSE-KMS and SSE-C from a KMS data key uploads")
	job(&actions.Get{Bucket: "count", Key: "kms.txt", File: filepath.Join(dir, "kms.out")}, flowSpec{Mode: flowSSEKMS})
	job(&actions.GetSSEC{Get: actions.Get{Bucket: "count", Key: "ssec.txt", File: filepath.Join(dir, "ssec.out")},
		KeyFile: filepath.Join(dir, "ssec.key.enc"), FromKMS: true}, flowSpec{Mode: flowSSEC})
	check("downloads")
	if n, _ := b.Local.KMSCalls(ctx); n < 8 {
		t.Fatalf("the session made only %d KMS requests: the test no longer exercises what it says", n)
	}
}
