package ui

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/s3crypt/s3crypt/actions"
	s3c "github.com/s3crypt/s3crypt/crypto"
)

// TestSSECPutRefusedRemovesNewKey uploads with SSE-C to a bucket that
// blocks it (the 2026 default): the key generated for the upload protects
// nothing, so its file is removed and a retry can use the same name; a key
// file the person brought is kept. The error's fix names the UI's keys.
func TestSSECPutRefusedRemovesNewKey(t *testing.T) {
	b := sandboxBackend(t)
	env := &actions.Env{Backend: b}
	ctx := context.Background()
	if _, err := actions.RunSync(ctx, env, &actions.MakeBucket{Bucket: "blocked"}, nil); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	file := filepath.Join(dir, "a.txt")
	if err := os.WriteFile(file, []byte("secret"), 0o600); err != nil {
		t.Fatal(err)
	}
	put := actions.Put{File: file, Bucket: "blocked", Key: "a.txt"}

	keyFile := filepath.Join(dir, "new.key")
	p := &actions.PutSSEC{Put: put, Source: actions.SSECGenerate, KeyFile: keyFile}
	if d := p.Describe(); !strings.HasSuffix(d, "with SSE-C") {
		t.Errorf("Describe() = %q, want it to name SSE-C", d)
	}
	_, err := actions.RunSync(ctx, env, p, nil)
	var ae *actions.Error
	if !errors.As(err, &ae) || ae.Status != 403 || !strings.HasPrefix(ae.What, "SSE-C writes are blocked on bucket blocked") {
		t.Fatalf("err = %v, want the blocked-SSE-C refusal", err)
	}
	if _, serr := os.Stat(keyFile); !errors.Is(serr, os.ErrNotExist) {
		t.Errorf("the unused generated key file is still there (stat: %v)", serr)
	}
	if _, _, fix := explainError(err); !strings.HasPrefix(fix, "Allow them: press 2, select the bucket, e") {
		t.Errorf("fix = %q, want the UI's keys", fix)
	}

	own := filepath.Join(dir, "own.key")
	k, err := s3c.RandomKey(32)
	if err != nil {
		t.Fatal(err)
	}
	if err := s3c.WriteKeyFile(own, k, s3c.KeyFileRaw, false); err != nil {
		t.Fatal(err)
	}
	k.Wipe()
	if _, err := actions.RunSync(ctx, env, &actions.PutSSEC{Put: put, Source: actions.SSECFromFile, KeyFile: own}, nil); err == nil {
		t.Fatal("an SSE-C upload to a blocking bucket succeeded")
	}
	if _, err := os.Stat(own); err != nil {
		t.Errorf("the person's own key file was touched: %v", err)
	}
}

// TestExplainErrorKeepsOtherFixes leaves fixes the UI has no keys for as
// the actions package wrote them.
func TestExplainErrorKeepsOtherFixes(t *testing.T) {
	err := &actions.Error{Op: "download a", What: "the SSE-C key does not match", Fix: "Use the same 32-byte key file"}
	what, _, fix := explainError(err)
	if what != "download a: the SSE-C key does not match" || fix != "Use the same 32-byte key file" {
		t.Fatalf("explainError = %q, %q", what, fix)
	}
}

// TestReloadKeepsTheSelectedObject reloads a listing in which a new object
// sorts in above the cursor (as after an upload): the cursor stays on the
// object it was on, so d and i still act on it.
func TestReloadKeepsTheSelectedObject(t *testing.T) {
	d := newFakeData(0)
	m := loaded(t, d, newFakeWorker(), 120, 36, true)
	openObjects(m)
	press(m, "j", "j") // 2025/, cse.json, notes.txt
	if r, _ := m.objects.selected(); r.Key != "reports/notes.txt" {
		t.Fatalf("selected %q before the reload", r.Key)
	}
	rows := d.objects["my-bucket"]
	d.objects["my-bucket"] = append([]ObjectRow{rows[0], {Key: "reports/a-new.txt", Size: 1}}, rows[1:]...)
	for _, msg := range run(m.refresh(refreshObjects), time.Second) {
		send(m, msg, time.Second, 4)
	}
	if len(m.objects.rows) != 6 {
		t.Fatalf("%d rows after the reload, want 6", len(m.objects.rows))
	}
	if r, _ := m.objects.selected(); r.Key != "reports/notes.txt" {
		t.Fatalf("selected %q after the reload, want reports/notes.txt", r.Key)
	}
}

// TestSandboxJobsUseOnePartPerCore: on the sandbox the server encrypts on
// this machine, so uploads send no more parts at once than there are
// cores (at least 2).
func TestSandboxJobsUseOnePartPerCore(t *testing.T) {
	env := workerEnv(sandboxBackend(t))
	if want := max(2, runtime.GOMAXPROCS(0)); env.Concurrency != want {
		t.Fatalf("Concurrency = %d, want %d", env.Concurrency, want)
	}
}

// TestTUIFixFollowsTheKind: the fixes the UI gives with its own keys
// depend on the error's kind, not on its wording.
func TestTUIFixFollowsTheKind(t *testing.T) {
	cases := []struct {
		kind actions.Kind
		want string
	}{
		{actions.KindSSECBlocked, "Allow them: press 2, select the bucket, e"},
		{actions.KindKeyDisabled, "Enable it: press 1, select the key, e"},
		{actions.KindKeyPendingDeletion, "Cancel the deletion: press 1, select the key, u"},
	}
	for _, c := range cases {
		// Words that say nothing of the cause: only the kind tells.
		err := &actions.Error{Op: "upload a", What: "refused", Why: "because", Fix: "the CLI's fix", Kind: c.kind}
		if _, _, fix := explainError(err); !strings.HasPrefix(fix, c.want) {
			t.Errorf("%s: fix %q, want %q", c.kind, fix, c.want)
		}
	}
	// The wording the actions package uses, without the kind, is not
	// enough: the CLI's fix stays.
	err := &actions.Error{Op: "upload a", What: "SSE-C writes are blocked on bucket b", Why: "the KMS key is scheduled for deletion",
		Code: "KMS.DisabledException", Fix: "the CLI's fix"}
	if _, _, fix := explainError(err); fix != "the CLI's fix" {
		t.Errorf("fix %q for an error of no kind", fix)
	}
}
