package actions_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/s3crypt/s3crypt/actions"
	"github.com/s3crypt/s3crypt/awsclient"
	s3c "github.com/s3crypt/s3crypt/crypto"
	"github.com/s3crypt/s3crypt/internal/sandboxtest"
)

// xferEnv is a sandbox backend with small transfer settings so multipart
// paths run on small files.
func xferEnv(t *testing.T) *actions.Env {
	t.Helper()
	return &actions.Env{Backend: sandboxtest.Backend(t), PartSize: 5 << 20, MultipartThreshold: 6 << 20, Concurrency: 4}
}

func xferBucket(t *testing.T, b *awsclient.Backend, name string, allowSSEC bool) {
	t.Helper()
	if _, err := b.S3.CreateBucket(context.Background(), &s3.CreateBucketInput{Bucket: aws.String(name)}); err != nil {
		t.Fatal(err)
	}
	if !allowSSEC {
		return
	}
	_, err := b.S3.PutBucketEncryption(context.Background(), &s3.PutBucketEncryptionInput{Bucket: aws.String(name),
		ServerSideEncryptionConfiguration: &s3types.ServerSideEncryptionConfiguration{Rules: []s3types.ServerSideEncryptionRule{{
			ApplyServerSideEncryptionByDefault: &s3types.ServerSideEncryptionByDefault{SSEAlgorithm: "AES256"},
			BlockedEncryptionTypes:             &s3types.BlockedEncryptionTypes{EncryptionType: []s3types.EncryptionType{"NONE"}}}}}})
	if err != nil {
		t.Fatal(err)
	}
}

func xferFile(t *testing.T, n int) (string, []byte) {
	t.Helper()
	data := make([]byte, n)
	_, _ = rand.Read(data)
	p := filepath.Join(t.TempDir(), "src.bin")
	if err := os.WriteFile(p, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return p, data
}

// collect runs a synchronously and returns its result, error and events.
func collect(t *testing.T, env *actions.Env, a actions.Action) (any, error, []actions.Event) { //nolint:staticcheck // ST1008: events last, as most callers drop them
	t.Helper()
	var evs []actions.Event
	res, err := actions.RunSync(context.Background(), env, a, func(e actions.Event) { evs = append(evs, e) })
	return res, err, evs
}

// mustRun runs a and fails the test on error.
func mustRun(t *testing.T, env *actions.Env, a actions.Action) (any, []actions.Event) {
	t.Helper()
	res, err, evs := collect(t, env, a)
	if err != nil {
		t.Fatalf("%s: %v", a.Describe(), err)
	}
	return res, evs
}

func stepOps(evs []actions.Event) string {
	var ops []string
	for _, e := range evs {
		if s, ok := e.(actions.StepEvent); ok {
			ops = append(ops, string(s.Step.Actor)+":"+string(s.Step.Op))
		}
	}
	return strings.Join(ops, " ")
}

// TestPutGetEveryMode round-trips single and multipart uploads in every
// mode through the actions, byte for byte.
func TestPutGetEveryMode(t *testing.T) {
	env := xferEnv(t)
	xferBucket(t, env.Backend, "rtrip", true)
	key, err := s3c.RandomKey(32)
	if err != nil {
		t.Fatal(err)
	}
	ssec := &actions.SSECKey{Key: key, File: "key.bin"}
	yes := true
	modes := map[string]func(*actions.Put){
		"default":   func(*actions.Put) {},
		"sse-s3":    func(p *actions.Put) { p.SSE = actions.SSES3 },
		"sse-kms":   func(p *actions.Put) { p.SSE = actions.SSEKMS },
		"bucketkey": func(p *actions.Put) { p.SSE = actions.SSEKMS; p.BucketKey = &yes },
		"dsse":      func(p *actions.Put) { p.SSE = actions.DSSEKMS },
		"sse-c":     func(p *actions.Put) { p.SSEC = ssec },
		"context":   func(p *actions.Put) { p.SSE = actions.SSEKMS; p.Context = map[string]string{"team": "blue"} },
	}
	want := map[string]string{"default": "SSE-S3", "sse-s3": "SSE-S3", "sse-kms": "SSE-KMS", "bucketkey": "SSE-KMS",
		"dsse": "DSSE-KMS", "sse-c": "SSE-C", "context": "SSE-KMS"}
	for name, f := range modes {
		for _, size := range []int{0, 1000, 11<<20 + 5} {
			src, data := xferFile(t, size)
			p := &actions.Put{File: src, Bucket: "rtrip", Key: name + "/" + strings.Repeat("x", size%7)}
			f(p)
			res, err, _ := collect(t, env, p)
			if err != nil {
				t.Fatalf("%s %d: %v", name, size, err)
			}
			pr := res.(actions.PutResult)
			if pr.Encryption.Mode() != want[name] || pr.Size != int64(size) {
				t.Fatalf("%s %d: result %+v", name, size, pr)
			}
			if size > 6<<20 && pr.Parts != 3 {
				t.Fatalf("%s: want 3 parts, got %d", name, pr.Parts)
			}
			dst := filepath.Join(t.TempDir(), "out.bin")
			g := &actions.Get{Bucket: "rtrip", Key: p.Key, File: dst}
			if name == "sse-c" {
				g.SSEC = ssec
			}
			gres, err, _ := collect(t, env, g)
			if err != nil {
				t.Fatalf("get %s %d: %v", name, size, err)
			}
			got, _ := os.ReadFile(dst)
			if !bytes.Equal(got, data) {
				t.Fatalf("%s %d: round trip differs", name, size)
			}
			if gr := gres.(actions.GetResult); gr.Encryption.Mode() != want[name] {
				t.Fatalf("get %s: %+v", name, gr)
			}
		}
	}
}

// TestSSEKMSUploadEvents checks the event stream of an SSE-KMS upload with
// and without a bucket key, in order.
func TestSSEKMSUploadEvents(t *testing.T) {
	env := xferEnv(t)
	xferBucket(t, env.Backend, "events", false)
	src, _ := xferFile(t, 100)
	_, err, evs := collect(t, env, &actions.Put{File: src, Bucket: "events", Key: "plain", SSE: actions.SSEKMS})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := evs[0].(actions.CommandEvent); !ok {
		t.Fatalf("first event %T, want the aws command", evs[0])
	}
	// The first use of aws/s3 creates it, as on AWS.
	want := "you:Request KMS:ManagedKeyCreated KMS:GenerateDataKey S3:EncryptData S3:DataKeyWiped S3:Stored S3:Response"
	if got := stepOps(evs); got != want {
		t.Fatalf("SSE-KMS steps\n got %s\nwant %s", got, want)
	}
	yes := true
	bk := func(k string) []actions.Event {
		_, err, evs := collect(t, env, &actions.Put{File: src, Bucket: "events", Key: k, SSE: actions.SSEKMS, BucketKey: &yes})
		if err != nil {
			t.Fatal(err)
		}
		return evs
	}
	want = "you:Request KMS:GenerateDataKey S3:BucketKeyCreated S3:DataKeyGenerated S3:EncryptData S3:DataKeyWiped S3:Stored S3:Response"
	if got := stepOps(bk("bk1")); got != want {
		t.Fatalf("bucket key, first upload\n got %s\nwant %s", got, want)
	}
	want = "you:Request S3:BucketKeyReused S3:DataKeyGenerated S3:EncryptData S3:DataKeyWiped S3:Stored S3:Response"
	if got := stepOps(bk("bk2")); got != want {
		t.Fatalf("bucket key, second upload\n got %s\nwant %s", got, want)
	}
}

// TestKMSCallsFor100Uploads counts the KMS requests S3 makes for 100
// SSE-KMS uploads with and without a bucket key, as the job results see them.
func TestKMSCallsFor100Uploads(t *testing.T) {
	env := xferEnv(t)
	xferBucket(t, env.Backend, "count", false)
	src, _ := xferFile(t, 64)
	count := func(bucketKey bool) int {
		total := 0
		for i := range 100 {
			res, err, _ := collect(t, env, &actions.Put{File: src, Bucket: "count", Key: "k" + string(rune('a'+i%26)) + strings.Repeat("z", i/26),
				SSE: actions.SSEKMS, BucketKey: &bucketKey})
			if err != nil {
				t.Fatal(err)
			}
			total += res.(actions.PutResult).KMSCalls
		}
		return total
	}
	without, with := count(false), count(true)
	t.Logf("KMS requests for 100 SSE-KMS uploads: %d without a bucket key, %d with", without, with)
	if without != 100 || with != 1 {
		t.Fatalf("want 100 without and 1 with a bucket key, got %d and %d", without, with)
	}
}

// TestCancelledUploadIsAborted cancels a multipart upload mid-way: the job
// ends cancelled and no upload or object is left behind.
func TestCancelledUploadIsAborted(t *testing.T) {
	env := xferEnv(t)
	env.Concurrency = 1
	xferBucket(t, env.Backend, "cancel", false)
	src, _ := xferFile(t, 30<<20)
	cancelMidUpload(t, env, &actions.Put{File: src, Bucket: "cancel", Key: "big", SSE: actions.SSEKMS})
}

// cancelMidUpload runs p on a worker, cancels it once 6 MiB are sent, and
// checks that it ends cancelled with no upload or object left behind.
func cancelMidUpload(t *testing.T, env *actions.Env, p *actions.Put) {
	t.Helper()
	w := actions.NewWorker(context.Background(), env, 2)
	id := w.Submit(p)
	var end actions.Event
	for e := range w.Events() {
		if pe, ok := e.(actions.ProgressEvent); ok && pe.Done > 6<<20 {
			w.Cancel(id)
		}
		switch e.(type) {
		case actions.DoneEvent, actions.FailedEvent, actions.CancelledEvent:
			end = e
		}
		if end != nil {
			break
		}
	}
	if _, ok := end.(actions.CancelledEvent); !ok {
		t.Fatalf("job ended with %#v, want cancelled", end)
	}
	ups, err := env.Backend.S3.ListMultipartUploads(context.Background(), &s3.ListMultipartUploadsInput{Bucket: aws.String(p.Bucket)})
	if err != nil || len(ups.Uploads) != 0 {
		t.Fatalf("uploads left after cancel: %v %d", err, len(ups.Uploads))
	}
	if _, err := env.Backend.S3.HeadObject(context.Background(), &s3.HeadObjectInput{Bucket: aws.String(p.Bucket), Key: aws.String(p.Key)}); err == nil {
		t.Fatal("a cancelled upload left an object")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := w.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
}

// TestTransferErrorsAreDiagnosed checks what the errors say.
func TestTransferErrorsAreDiagnosed(t *testing.T) {
	env := xferEnv(t)
	xferBucket(t, env.Backend, "diag", true)
	src, _ := xferFile(t, 10)
	k1, _ := s3c.RandomKey(32)
	k2, _ := s3c.RandomKey(32)
	if _, err, _ := collect(t, env, &actions.Put{File: src, Bucket: "diag", Key: "c", SSEC: &actions.SSECKey{Key: k1, File: "k1"}}); err != nil {
		t.Fatal(err)
	}
	dst := filepath.Join(t.TempDir(), "o")
	cases := []struct {
		name string
		a    actions.Action
		kind actions.Kind
		want []string
	}{
		{"sse-c without key", &actions.Get{Bucket: "diag", Key: "c", File: dst}, actions.KindSSECKeyRequired, []string{"encrypted with SSE-C", "--sse-c-key"}},
		{"sse-c head without key", &actions.Head{Bucket: "diag", Key: "c"}, actions.KindSSECKeyRequired, []string{"encrypted with SSE-C", "--sse-c-key"}},
		{"sse-c wrong key", &actions.Get{Bucket: "diag", Key: "c", File: dst, SSEC: &actions.SSECKey{Key: k2, File: "k2"}}, actions.KindSSECWrongKey, []string{"does not match", "same 32-byte key"}},
		{"missing bucket", &actions.Put{File: src, Bucket: "nope", Key: "x"}, actions.KindNoSuchBucket, []string{"does not exist", "s3crypt mb s3://nope"}},
		{"head in a missing bucket", &actions.Head{Bucket: "nope", Key: "x"}, actions.KindNoSuchBucket, []string{"does not exist", "s3crypt mb s3://nope"}},
		{"bad kms key", &actions.Put{File: src, Bucket: "diag", Key: "x", SSE: actions.SSEKMS, KMSKey: "aws/s3"}, actions.KindKMSKeyNotFound, []string{"alias/aws/s3"}},
		{"missing object", &actions.Get{Bucket: "diag", Key: "none", File: dst}, actions.KindNoSuchKey, []string{"does not exist", "s3crypt ls"}},
		{"head of a missing object", &actions.Head{Bucket: "diag", Key: "none"}, actions.KindNoSuchKey, []string{"does not exist"}},
	}
	for _, c := range cases {
		_, err, _ := collect(t, env, c.a)
		var ae *actions.Error
		if !errors.As(err, &ae) {
			t.Fatalf("%s: %T %v", c.name, err, err)
		}
		if ae.Kind != c.kind || actions.KindOf(err) != c.kind {
			t.Errorf("%s: kind %q, want %q (%v)", c.name, ae.Kind, c.kind, err)
		}
		for _, w := range c.want {
			if !strings.Contains(err.Error(), w) {
				t.Fatalf("%s: %q lacks %q", c.name, err.Error(), w)
			}
		}
		if strings.Contains(err.Error(), string(k1.Bytes())) {
			t.Fatalf("%s: key in error", c.name)
		}
	}
	if _, err := os.Stat(dst); !os.IsNotExist(err) {
		t.Fatal("a failed download left a file")
	}
	entries, _ := os.ReadDir(filepath.Dir(dst))
	if len(entries) != 0 {
		t.Fatalf("temporary files left: %v", entries)
	}
	// A disabled key.
	kc := env.Backend.KMS
	ck, err := kc.CreateKey(context.Background(), &kms.CreateKeyInput{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := kc.DisableKey(context.Background(), &kms.DisableKeyInput{KeyId: ck.KeyMetadata.KeyId}); err != nil {
		t.Fatal(err)
	}
	_, err, _ = collect(t, env, &actions.Put{File: src, Bucket: "diag", Key: "x", SSE: actions.SSEKMS, KMSKey: *ck.KeyMetadata.KeyId})
	if err == nil || !strings.Contains(err.Error(), "s3crypt kms enable-key") || actions.KindOf(err) != actions.KindKeyDisabled {
		t.Fatalf("disabled key: %v (kind %q)", err, actions.KindOf(err))
	}
	// A key pending deletion.
	if _, err := kc.ScheduleKeyDeletion(context.Background(), &kms.ScheduleKeyDeletionInput{KeyId: ck.KeyMetadata.KeyId, PendingWindowInDays: aws.Int32(7)}); err != nil {
		t.Fatal(err)
	}
	_, err, _ = collect(t, env, &actions.Put{File: src, Bucket: "diag", Key: "x", SSE: actions.SSEKMS, KMSKey: *ck.KeyMetadata.KeyId})
	if err == nil || !strings.Contains(err.Error(), "cancel-key-deletion") || actions.KindOf(err) != actions.KindKeyPendingDeletion {
		t.Fatalf("key pending deletion: %v (kind %q)", err, actions.KindOf(err))
	}
	// SSE-C blocked (a new bucket's default).
	mustRun(t, env, &actions.MakeBucket{Bucket: "diag-blocked"})
	_, err, _ = collect(t, env, &actions.Put{File: src, Bucket: "diag-blocked", Key: "c", SSEC: &actions.SSECKey{Key: k1, File: "k1"}})
	if actions.KindOf(err) != actions.KindSSECBlocked || !actions.RefusedByS3(err) {
		t.Fatalf("blocked SSE-C: %v (kind %q)", err, actions.KindOf(err))
	}
	// An RSA key for SSE-KMS.
	rsa, err := kc.CreateKey(context.Background(), &kms.CreateKeyInput{KeySpec: "RSA_2048", KeyUsage: "ENCRYPT_DECRYPT"})
	if err != nil {
		t.Fatal(err)
	}
	_, err, _ = collect(t, env, &actions.Put{File: src, Bucket: "diag", Key: "x", SSE: actions.SSEKMS, KMSKey: *rsa.KeyMetadata.KeyId})
	if actions.KindOf(err) != actions.KindInvalidKeyUsage {
		t.Fatalf("RSA key for SSE-KMS: %v (kind %q)", err, actions.KindOf(err))
	}
}

// TestAttachedBackendObservesSteps runs an upload through a backend
// attached to another "process" serving the data dir: S3's steps still
// arrive (over the trace stream) and the KMS count is right.
func TestAttachedBackendObservesSteps(t *testing.T) {
	dir := t.TempDir()
	owner := sandboxtest.BackendIn(t, dir)
	if owner.Sandbox.Attached() {
		t.Fatal("first backend should own the data dir")
	}
	b := sandboxtest.BackendIn(t, dir)
	if !b.Sandbox.Attached() {
		t.Fatal("second backend should attach")
	}
	env := &actions.Env{Backend: b}
	xferBucket(t, b, "attached", false)
	src, _ := xferFile(t, 1000)
	res, err, evs := collect(t, env, &actions.Put{File: src, Bucket: "attached", Key: "k", SSE: actions.SSEKMS})
	if err != nil {
		t.Fatal(err)
	}
	if got := stepOps(evs); !strings.Contains(got, "KMS:GenerateDataKey") || !strings.Contains(got, "S3:Stored S3:Response") {
		t.Fatalf("attached steps: %s", got)
	}
	if n := res.(actions.PutResult).KMSCalls; n != 1 {
		t.Fatalf("KMS calls seen through the stream: %d", n)
	}
}

// TestWorkerShutdownClosesEvents: after Shutdown, Events is closed and
// Submit refuses new work.
func TestWorkerShutdownClosesEvents(t *testing.T) {
	env := xferEnv(t)
	w := actions.NewWorker(context.Background(), env, 1)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := w.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	if _, ok := <-w.Events(); ok {
		t.Fatal("events still open after Shutdown")
	}
	if id := w.Submit(&actions.Get{Bucket: "b", Key: "k", File: "-"}); id != 0 {
		t.Fatalf("Submit after Shutdown returned job %d", id)
	}
}
