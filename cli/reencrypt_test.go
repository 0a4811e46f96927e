package cli_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"golang.org/x/sync/errgroup"

	"github.com/s3crypt/s3crypt/actions"
	"github.com/s3crypt/s3crypt/awsclient"
	s3c "github.com/s3crypt/s3crypt/crypto"
	"github.com/s3crypt/s3crypt/internal/sandboxtest"
	"github.com/s3crypt/s3crypt/internal/testtool"
)

// bulkObject is one object of the bulk test and how it was written.
type bulkObject struct {
	data     []byte
	kind     string // sse-s3, sse-kms, dsse, ssec-a, ssec-b, client-side
	etag     string
	versions string
}

func openBackend(t *testing.T, dir string) *awsclient.Backend {
	t.Helper()
	b, err := awsclient.Open(context.Background(), awsclient.Options{DataDir: dir, Getenv: func(string) string { return "" }})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// writeBulk fills bucket "bulk" with n objects of mixed modes.
func writeBulk(t *testing.T, b *awsclient.Backend, n int, keyA, keyB *s3c.Key, k1 string) map[string]*bulkObject {
	t.Helper()
	ctx := context.Background()
	if _, err := b.S3.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("bulk")}); err != nil {
		t.Fatal(err)
	}
	_, err := b.S3.PutBucketEncryption(ctx, &s3.PutBucketEncryptionInput{Bucket: aws.String("bulk"),
		ServerSideEncryptionConfiguration: &s3types.ServerSideEncryptionConfiguration{Rules: []s3types.ServerSideEncryptionRule{{
			ApplyServerSideEncryptionByDefault: &s3types.ServerSideEncryptionByDefault{SSEAlgorithm: "AES256"},
			BlockedEncryptionTypes:             &s3types.BlockedEncryptionTypes{EncryptionType: []s3types.EncryptionType{"NONE"}}}}}})
	if err != nil {
		t.Fatal(err)
	}
	objs := map[string]*bulkObject{}
	var mu sync.Mutex
	var g errgroup.Group
	g.SetLimit(8)
	env := &actions.Env{Backend: b}
	tmp := t.TempDir()
	for i := range n {
		key := fmt.Sprintf("data/%04d.bin", i)
		kinds := []string{"sse-s3", "sse-s3", "sse-s3", "sse-kms", "sse-kms", "dsse", "ssec-a", "ssec-b"}
		kind := kinds[i%8]
		if kind == "ssec-b" && i%16 == 15 {
			kind = "client-side"
		}
		data := make([]byte, 1024+i%7*1000)
		_, _ = rand.Read(data)
		g.Go(func() error {
			in := &s3.PutObjectInput{Bucket: aws.String("bulk"), Key: &key, Body: bytes.NewReader(data), ContentType: aws.String("application/x-bulk"),
				Metadata: map[string]string{"n": fmt.Sprint(i)}}
			switch kind {
			case "sse-s3":
				in.ServerSideEncryption = "AES256"
			case "sse-kms":
				in.ServerSideEncryption, in.SSEKMSKeyId = "aws:kms", &k1
			case "dsse":
				in.ServerSideEncryption, in.SSEKMSKeyId = "aws:kms:dsse", &k1
			case "ssec-a", "ssec-b":
				k := keyA
				if kind == "ssec-b" {
					k = keyB
				}
				alg, kb, md5 := s3c.SSECHeaders(k)
				in.SSECustomerAlgorithm, in.SSECustomerKey, in.SSECustomerKeyMD5 = &alg, &kb, &md5
			case "client-side":
				p := filepath.Join(tmp, fmt.Sprint(i))
				if err := os.WriteFile(p, data, 0o600); err != nil {
					return err
				}
				if _, err := actions.RunSync(ctx, env, &actions.Put{File: p, Bucket: "bulk", Key: key, ClientSide: &actions.ClientSide{KMSKey: k1}}, nil); err != nil {
					return fmt.Errorf("client-side put %s: %w", key, err)
				}
				in = nil
			}
			if in != nil {
				if _, err := b.S3.PutObject(ctx, in); err != nil {
					return fmt.Errorf("put %s: %w", key, err)
				}
			}
			mu.Lock()
			objs[key] = &bulkObject{data: data, kind: kind}
			mu.Unlock()
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		t.Fatal(err)
	}
	return objs
}

func writeKey(t *testing.T, dir, name string) (*s3c.Key, string) {
	t.Helper()
	k, err := s3c.RandomKey(32)
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, k.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	return k, p
}

func journalDone(t *testing.T, path string) (done map[string]string, finished bool, starts []actions.JournalEntry) {
	t.Helper()
	entries, err := actions.ReadJournal(path)
	if err != nil {
		t.Fatal(err)
	}
	done = map[string]string{}
	for _, e := range entries {
		switch e.Event {
		case "done":
			if p, twice := done[e.Key]; twice {
				t.Errorf("journal: %s done twice (%s, then %s)", e.Key, p, e.Path)
			}
			done[e.Key] = e.Path
		case "failed":
			t.Errorf("journal: %s failed: %s", e.Key, e.Error)
		case "finished":
			finished = true
		case "start":
			starts = append(starts, e)
		}
	}
	return done, finished, starts
}

// TestBulkReencryptResumesAfterKill: 2,000 objects of mixed modes. The
// dry run's plan says 1,250 by UpdateObjectEncryption (SSE-S3 and SSE-KMS
// under another key), 500 copied (DSSE-KMS, and SSE-C with the key given),
// 250 that cannot change (SSE-C under another key, client-side), each with
// its reason. The built binary is SIGKILLed mid-run and started again: the
// second run resumes (the journal's start line says how many were done),
// no object is done twice, and the paths taken add up to the plan's
// (objects changed but not yet journalled when killed are found already
// done). Every object reads back byte for byte; the unchangeable ones are
// untouched; the changed ones are SSE-KMS under the new key with a bucket
// key, also as Debian's aws CLI's head-object shows it.
func TestBulkReencryptResumesAfterKill(t *testing.T) {
	if testing.Short() {
		t.Skip("2,000 objects and a built binary")
	}
	dir, tmp, state := t.TempDir(), t.TempDir(), t.TempDir()
	keyA, fileA := writeKey(t, tmp, "a.key")
	keyB, _ := writeKey(t, tmp, "b.key")
	b := openBackend(t, dir)
	env := &actions.Env{Backend: b}
	r1, err := actions.RunSync(context.Background(), env, &actions.CreateKey{Alias: "alias/k1"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	k1 := r1.(actions.CreateKeyResult).Key.ARN
	r2, err := actions.RunSync(context.Background(), env, &actions.CreateKey{Alias: "alias/k2"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	k2 := r2.(actions.CreateKeyResult).Key.ARN
	start := time.Now()
	objs := writeBulk(t, b, 2000, keyA, keyB, k1)
	t.Logf("wrote 2,000 objects in %s", time.Since(start))
	for key, o := range objs {
		h, err := b.S3.ListObjectVersions(context.Background(), &s3.ListObjectVersionsInput{Bucket: aws.String("bulk"), Prefix: aws.String(key)})
		if err != nil || len(h.Versions) != 1 {
			t.Fatal(err)
		}
		o.etag, o.versions = aws.ToString(h.Versions[0].ETag), aws.ToString(h.Versions[0].VersionId)
	}
	b.Close()

	bin := testtool.BuildBinary(t)
	args := []string{"--data", dir, "reencrypt", "s3://bulk/data/", "--recursive", "--sse", "aws:kms", "--kms-key", "alias/k2", "--bucket-key",
		"--source-sse-c-key", fileA, "--journal-dir", state}
	command := func(extra ...string) *exec.Cmd {
		c := exec.Command(bin, append(append([]string{}, args...), extra...)...)
		c.Env = append(os.Environ(), "AWS_ENDPOINT_URL=", "XDG_STATE_HOME="+state)
		return c
	}
	out, err := command("--dry-run", "--json").Output()
	if err != nil {
		t.Fatalf("dry run: %v\n%s", err, out)
	}
	var plan actions.ReencryptPlan
	if err := json.Unmarshal(out, &plan); err != nil {
		t.Fatal(err)
	}
	want := map[string]int{actions.PathUpdate: 1250, actions.PathCopy: 500, actions.PathCannot: 250}
	for p, n := range want {
		if plan.Paths[p] != n {
			t.Errorf("plan: %d %s, want %d (%v)", plan.Paths[p], p, n, plan.Paths)
		}
	}
	if plan.Objects != 2000 || len(plan.Cannot) != 250 || plan.KMSRequests == 0 || !strings.Contains(plan.PriceSource, "read 2026") {
		t.Fatalf("plan: %d objects, %d cannot, %d KMS requests, price %q", plan.Objects, len(plan.Cannot), plan.KMSRequests, plan.PriceSource)
	}
	planned := map[string]string{}
	for _, it := range plan.Items {
		planned[it.Key] = it.Path
	}
	for _, it := range plan.Cannot {
		kind := objs[it.Key].kind
		if (kind == "ssec-b" && !strings.Contains(it.Why, "SSE-C without its key")) || (kind == "client-side" && !strings.Contains(it.Why, "client-side")) ||
			(kind != "ssec-b" && kind != "client-side") {
			t.Errorf("cannot %s (%s): %s", it.Key, kind, it.Why)
		}
	}

	// The run, killed once a few hundred objects are journalled.
	journal := ""
	run := command("--concurrency", "2")
	var stderr bytes.Buffer
	run.Stderr = &stderr
	if err := run.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(2 * time.Minute)
	for time.Now().Before(deadline) {
		if journal == "" {
			m, _ := filepath.Glob(filepath.Join(state, "bulk-*.jsonl"))
			if len(m) == 1 {
				journal = m[0]
			}
		}
		if journal != "" {
			if data, _ := os.ReadFile(journal); bytes.Count(data, []byte(`"Event":"done"`)) >= 300 {
				break
			}
		}
		time.Sleep(5 * time.Millisecond)
	}
	_ = run.Process.Signal(syscall.SIGKILL)
	_ = run.Wait()
	if journal == "" {
		t.Fatalf("no journal under %s; stderr:\n%s", state, stderr.String())
	}
	first, finished, _ := journalDone(t, journal)
	if finished || len(first) < 300 || len(first) >= 1750 {
		t.Fatalf("killed run: %d done, finished %v: not killed mid-run", len(first), finished)
	}

	out, err = command("--json").Output()
	if err != nil {
		t.Fatalf("second run: %v\n%s", err, out)
	}
	var rep actions.ReencryptReport
	if err := json.Unmarshal(out, &rep); err != nil {
		t.Fatal(err)
	}
	if rep.Resumed != len(first) || len(rep.Failed) != 0 || len(rep.Unverified) != 0 {
		t.Fatalf("second run: resumed %d (journal had %d), failed %v, unverified %v", rep.Resumed, len(first), rep.Failed, rep.Unverified)
	}
	if m, _ := filepath.Glob(filepath.Join(state, "bulk-*.jsonl")); len(m) != 1 {
		t.Fatalf("journals %v: the second run did not find the first run's", m)
	}
	all, finished, starts := journalDone(t, journal)
	if !finished || len(all) != 1750 || len(starts) != 2 || starts[1].Resumed != len(first) {
		t.Fatalf("journal after the second run: %d done, finished %v, starts %+v", len(all), finished, starts)
	}
	// Paths add up to the plan's; "Unchanged" only for the objects in
	// flight at the kill (at most --concurrency), which were planned to
	// change.
	took := map[string]int{}
	for key, p := range all {
		took[p]++
		if p != planned[key] && !(p == actions.PathNone && planned[key] != actions.PathCannot) {
			t.Errorf("%s: took %s, planned %s", key, p, planned[key])
		}
	}
	if took[actions.PathNone] > 2 || took[actions.PathUpdate]+took[actions.PathCopy]+took[actions.PathNone] != 1750 ||
		took[actions.PathUpdate] > 1250 || took[actions.PathCopy] > 500 {
		t.Fatalf("paths taken %v, planned %v", took, plan.Paths)
	}
	if n := rep.Done[actions.PathUpdate] + rep.Done[actions.PathCopy] + rep.Done[actions.PathNone]; n != 1750-len(first) {
		t.Fatalf("second run did %d, want the %d left", n, 1750-len(first))
	}

	b = openBackend(t, dir)
	defer b.Close()
	checkBulk(t, b, objs, keyA, keyB, k2)
	// Debian's aws CLI sees the new encryption.
	e := &actions.Env{Backend: b}
	for _, key := range []string{"data/0000.bin", "data/0003.bin", "data/0005.bin", "data/0006.bin"} {
		stdout, stderrText, err := sandboxtest.AWS(t, b, actions.AWSCommand(e, "s3api", "head-object", "--bucket", "bulk", "--key", key).Full())
		if err != nil {
			t.Fatalf("aws head-object %s: %v\n%s", key, err, stderrText)
		}
		var h map[string]any
		if err := json.Unmarshal([]byte(stdout), &h); err != nil {
			t.Fatal(err)
		}
		if h["ServerSideEncryption"] != "aws:kms" || h["SSEKMSKeyId"] != k2 || h["BucketKeyEnabled"] != true {
			t.Errorf("aws head-object %s: %s", key, stdout)
		}
	}
}

// checkBulk reads every object back and checks its encryption.
func checkBulk(t *testing.T, b *awsclient.Backend, objs map[string]*bulkObject, keyA, keyB *s3c.Key, k2 string) {
	t.Helper()
	ctx := context.Background()
	env := &actions.Env{Backend: b}
	tmp := t.TempDir()
	var g errgroup.Group
	g.SetLimit(8)
	for key, o := range objs {
		g.Go(func() error {
			var got []byte
			if o.kind == "client-side" {
				p := filepath.Join(tmp, strings.ReplaceAll(key, "/", "_"))
				if _, err := actions.RunSync(ctx, env, &actions.Get{Bucket: "bulk", Key: key, File: p}, nil); err != nil {
					return fmt.Errorf("get %s: %w", key, err)
				}
				got, _ = os.ReadFile(p)
			} else {
				in := &s3.GetObjectInput{Bucket: aws.String("bulk"), Key: &key}
				if o.kind == "ssec-b" {
					alg, kb, md5 := s3c.SSECHeaders(keyB)
					in.SSECustomerAlgorithm, in.SSECustomerKey, in.SSECustomerKeyMD5 = &alg, &kb, &md5
				}
				out, err := b.S3.GetObject(ctx, in)
				if err != nil {
					return fmt.Errorf("get %s (%s): %w", key, o.kind, err)
				}
				got, _ = io.ReadAll(out.Body)
				out.Body.Close()
				changed := o.kind != "ssec-b"
				if changed && (out.ServerSideEncryption != "aws:kms" || aws.ToString(out.SSEKMSKeyId) != k2 || !aws.ToBool(out.BucketKeyEnabled)) {
					return fmt.Errorf("%s (%s): %s %s bucket key %v", key, o.kind, out.ServerSideEncryption, aws.ToString(out.SSEKMSKeyId), aws.ToBool(out.BucketKeyEnabled))
				}
				if changed && (aws.ToString(out.ContentType) != "application/x-bulk" || out.Metadata["n"] == "") {
					return fmt.Errorf("%s lost its content type or metadata: %q %v", key, aws.ToString(out.ContentType), out.Metadata)
				}
			}
			if !bytes.Equal(got, o.data) {
				return fmt.Errorf("%s (%s) reads back differently", key, o.kind)
			}
			if o.kind == "ssec-b" || o.kind == "client-side" {
				v, err := b.S3.ListObjectVersions(ctx, &s3.ListObjectVersionsInput{Bucket: aws.String("bulk"), Prefix: &key})
				if err != nil || len(v.Versions) != 1 || aws.ToString(v.Versions[0].ETag) != o.etag {
					return fmt.Errorf("%s (%s) was touched: %w", key, o.kind, err)
				}
			}
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		t.Fatal(err)
	}
	_ = keyA
}
