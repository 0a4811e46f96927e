package actions_test

import (
	"context"
	"crypto/rand"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/s3crypt/s3crypt/actions"
	s3c "github.com/s3crypt/s3crypt/crypto"
	"github.com/s3crypt/s3crypt/internal/fakeendpoint"
	"github.com/s3crypt/s3crypt/internal/sandboxtest"
)

// endpointEnv is an endpoint backend (--endpoint-url) on a fake endpoint
// in front of a fresh sandbox, with small multipart settings, and a bucket.
func endpointEnv(t *testing.T, opt fakeendpoint.Options) (*actions.Env, *fakeendpoint.Endpoint) {
	t.Helper()
	ep := fakeendpoint.Start(t, sandboxtest.Backend(t).Sandbox, opt)
	env := &actions.Env{Backend: ep.Backend(t), PartSize: 5 << 20, MultipartThreshold: 6 << 20, Concurrency: 4}
	truthRun(t, env, &actions.MakeBucket{Bucket: "truth"})
	return env, ep
}

// truthRun runs a and fails the test on error.
func truthRun(t *testing.T, env *actions.Env, a actions.Action) any {
	t.Helper()
	res, err := actions.RunSync(context.Background(), env, a, nil)
	if err != nil {
		t.Fatalf("%s: %v", a.Describe(), err)
	}
	return res
}

func randomFile(t *testing.T, size int) string {
	t.Helper()
	data := make([]byte, size)
	_, _ = rand.Read(data)
	p := filepath.Join(t.TempDir(), "data.bin")
	if err := os.WriteFile(p, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func hasPrefix(list []string, prefix string) bool {
	for _, s := range list {
		if strings.HasPrefix(s, prefix) {
			return true
		}
	}
	return false
}

// TestNoDefaultRuleIsNoDefaultEncryption: an endpoint that answers
// GetBucketEncryption with ServerSideEncryptionConfigurationNotFoundError
// has "no default encryption", never SSE-S3, and an upload that asks for
// nothing is labelled unencrypted when the answer names no encryption.
func TestNoDefaultRuleIsNoDefaultEncryption(t *testing.T) {
	env, _ := endpointEnv(t, fakeendpoint.Options{NoDefaultEncryption: true})
	ge := truthRun(t, env, &actions.GetBucketEncryption{Bucket: "truth"}).(actions.BucketEncryptionResult)
	if ge.Encryption != nil {
		t.Fatalf("read a rule %+v from an endpoint that has none", ge.Encryption)
	}
	for _, n := range ge.Notes {
		if strings.Contains(n, "SSE-S3") && !strings.Contains(n, "on AWS") {
			t.Fatalf("note claims SSE-S3 without saying it is AWS's: %q", n)
		}
	}
	file := randomFile(t, 1000)
	put := truthRun(t, env, &actions.Put{File: file, Bucket: "truth", Key: "plain.bin"}).(actions.PutResult)
	if put.Mode != "none" || put.EncryptionSummary() != "no encryption" || len(put.Ignored) != 0 {
		t.Fatalf("bucket-default upload to a bucket with no rule: mode %q, %q, ignored %q", put.Mode, put.EncryptionSummary(), put.Ignored)
	}
	// Asked for, SSE-S3 is reported, so the label comes from the answer.
	put = truthRun(t, env, &actions.Put{File: file, Bucket: "truth", Key: "s3.bin", SSE: actions.SSES3}).(actions.PutResult)
	if put.Mode != "SSE-S3" {
		t.Fatalf("SSE-S3 upload labelled %q", put.Mode)
	}
	// Deleting a rule on such an endpoint does not "reset it to SSE-S3".
	truthRun(t, env, &actions.PutBucketEncryption{Bucket: "truth", SSE: actions.SSES3})
	del := truthRun(t, env, &actions.DeleteBucketEncryption{Bucket: "truth"}).(actions.BucketEncryptionResult)
	if del.Encryption != nil || !hasPrefix(del.Notes, "the read-back shows no default encryption") {
		t.Fatalf("delete on an endpoint that keeps no rule: %+v, notes %q", del.Encryption, del.Notes)
	}
	mb := truthRun(t, env, &actions.MakeBucket{Bucket: "truth-2"}).(actions.MakeBucketResult)
	if !strings.HasPrefix(mb.DefaultEncryption(), "no default encryption") {
		t.Fatalf("mb says %q", mb.DefaultEncryption())
	}
}

// TestIgnoredBucketKeyIsReported: a bucket key the endpoint's answer does
// not confirm is reported as ignored; the sandbox, which honours it, gets
// no such report.
func TestIgnoredBucketKeyIsReported(t *testing.T) {
	on := true
	file := randomFile(t, 1000)
	put := &actions.Put{File: file, Bucket: "truth", Key: "bk.bin", SSE: actions.SSEKMS, BucketKey: &on}
	env, _ := endpointEnv(t, fakeendpoint.Options{IgnoreBucketKeys: true})
	res := truthRun(t, env, put).(actions.PutResult)
	if !hasPrefix(res.Ignored, "asked for a bucket key, the endpoint ignored it") || res.Mode != "SSE-KMS" {
		t.Fatalf("ignored %q, mode %q", res.Ignored, res.Mode)
	}
	if got := actions.Ignored(res); len(got) != len(res.Ignored) {
		t.Fatalf("actions.Ignored = %q", got)
	}
	rule := truthRun(t, env, &actions.PutBucketEncryption{Bucket: "truth", SSE: actions.SSEKMS, BucketKey: &on}).(actions.BucketEncryptionResult)
	if !hasPrefix(rule.Ignored, "asked for a bucket key, the endpoint ignored it") {
		t.Fatalf("rule ignored %q", rule.Ignored)
	}

	honest, _ := endpointEnv(t, fakeendpoint.Options{})
	if res := truthRun(t, honest, put).(actions.PutResult); len(res.Ignored) != 0 || !res.Encryption.BucketKey {
		t.Fatalf("an endpoint that uses the bucket key: ignored %q, %+v", res.Ignored, res.Encryption)
	}
}

// TestIgnoredSSECBlockIsReported: a PutBucketEncryption that blocks SSE-C
// whose read-back has no BlockedEncryptionTypes is reported as ignored.
func TestIgnoredSSECBlockIsReported(t *testing.T) {
	block := true
	pb := &actions.PutBucketEncryption{Bucket: "truth", SSE: actions.SSES3, BlockSSEC: &block}
	env, _ := endpointEnv(t, fakeendpoint.Options{IgnoreSSECBlock: true})
	res := truthRun(t, env, pb).(actions.BucketEncryptionResult)
	if !hasPrefix(res.Ignored, "asked to block SSE-C writes, the endpoint ignored it") {
		t.Fatalf("ignored %q", res.Ignored)
	}
	honest, _ := endpointEnv(t, fakeendpoint.Options{})
	if res := truthRun(t, honest, pb).(actions.BucketEncryptionResult); len(res.Ignored) != 0 || !res.Encryption.SSECBlocked() {
		t.Fatalf("an endpoint that blocks: ignored %q, %+v", res.Ignored, res.Encryption)
	}
}

// TestMultipartResultReportsEncryption: when CompleteMultipartUpload's
// answer names no encryption, the object is read back with HEAD; when the
// HEAD fails too, the result says "not reported".
func TestMultipartResultReportsEncryption(t *testing.T) {
	file := randomFile(t, 11<<20)
	put := &actions.Put{File: file, Bucket: "truth", Key: "big.bin", SSE: actions.SSEKMS}

	env, _ := endpointEnv(t, fakeendpoint.Options{SilentComplete: true})
	res := truthRun(t, env, put).(actions.PutResult)
	if res.Parts != 3 || res.Mode != "SSE-KMS" || res.Encryption.KMSKeyARN == "" || !hasPrefix(res.Notes, "CompleteMultipartUpload's answer named no encryption; read back with HeadObject") {
		t.Fatalf("parts %d, mode %q, %+v, notes %q", res.Parts, res.Mode, res.Encryption, res.Notes)
	}

	env, _ = endpointEnv(t, fakeendpoint.Options{SilentComplete: true, RefuseHead: true})
	res = truthRun(t, env, put).(actions.PutResult)
	if !res.EncryptionUnknown || res.EncryptionSummary() != "encryption not reported" || !hasPrefix(res.Notes, "encryption not reported") || len(res.Ignored) != 0 {
		t.Fatalf("unknown %v, %q, notes %q, ignored %q", res.EncryptionUnknown, res.EncryptionSummary(), res.Notes, res.Ignored)
	}

	env, _ = endpointEnv(t, fakeendpoint.Options{})
	res = truthRun(t, env, put).(actions.PutResult)
	if res.Mode != "SSE-KMS" || len(res.Notes) != 0 {
		t.Fatalf("Complete reported it: mode %q, notes %q", res.Mode, res.Notes)
	}
}

// TestSSECOverHTTPIsRefusedUnsent: whatever a plain-HTTP endpoint would
// accept, put, get and head with an SSE-C key are refused by s3crypt and
// the key never reaches the wire.
func TestSSECOverHTTPIsRefusedUnsent(t *testing.T) {
	env, ep := endpointEnv(t, fakeendpoint.Options{})
	key, err := s3c.RandomKey(32)
	if err != nil {
		t.Fatal(err)
	}
	k := &actions.SSECKey{Key: key, File: "object.key", Encoding: s3c.EncodingRaw}
	file := randomFile(t, 1000)
	for _, a := range []actions.Action{
		&actions.Put{File: file, Bucket: "truth", Key: "c.bin", SSEC: k},
		&actions.Put{File: randomFile(t, 7<<20), Bucket: "truth", Key: "c-big.bin", SSEC: k},
		&actions.Get{Bucket: "truth", Key: "c.bin", File: filepath.Join(t.TempDir(), "out"), SSEC: k},
		&actions.Head{Bucket: "truth", Key: "c.bin", SSEC: k},
	} {
		_, err := actions.RunSync(context.Background(), env, a, nil)
		var ae *actions.Error
		if !errors.Is(err, actions.ErrSSECOverHTTP) || !errors.As(err, &ae) || !strings.Contains(ae.What, "does not send an SSE-C key over http://") {
			t.Fatalf("%s: %v", a.Describe(), err)
		}
		if _, b64, _ := s3c.SSECHeaders(key); strings.Contains(err.Error(), b64) {
			t.Fatalf("%s: the error holds the key", a.Describe())
		}
	}
	// The last check before the wire catches a request the action itself
	// did not refuse (here: a backend that does not say its endpoint).
	blind := *env.Backend
	blind.Endpoint = ""
	benv := *env
	benv.Backend = &blind
	_, err = actions.RunSync(context.Background(), &benv, &actions.Put{File: file, Bucket: "truth", Key: "c.bin", SSEC: k}, nil)
	if !errors.Is(err, actions.ErrSSECOverHTTP) {
		t.Fatalf("the request guard let an SSE-C key go to http://: %v", err)
	}
	for _, r := range ep.Requests() {
		for name := range r.Header {
			if strings.Contains(strings.ToLower(name), "customer") {
				t.Fatalf("%s %s reached the endpoint with %s", r.Method, r.Path, name)
			}
		}
	}
}
