package actions_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/s3crypt/s3crypt/actions"
	s3c "github.com/s3crypt/s3crypt/crypto"
)

// sdkPut writes data through the SDK with metadata, a content type and
// the encryption in in (Bucket, Key, Body are set here).
func sdkPut(t *testing.T, env *actions.Env, bucket, key string, data []byte, in *s3.PutObjectInput) string {
	t.Helper()
	if in == nil {
		in = &s3.PutObjectInput{}
	}
	in.Bucket, in.Key, in.Body = &bucket, &key, bytes.NewReader(data)
	in.ContentType = aws.String("application/x-test")
	in.Metadata = map[string]string{"owner": "ops", "purpose": "reencrypt"}
	out, err := env.Backend.S3.PutObject(context.Background(), in)
	if err != nil {
		t.Fatalf("put %s: %v", key, err)
	}
	return aws.ToString(out.VersionId)
}

// readBack downloads the object (with its SSE-C key if any) and compares.
func readBack(t *testing.T, env *actions.Env, bucket, key, version string, ssec *actions.SSECKey, want []byte) {
	t.Helper()
	out := filepath.Join(t.TempDir(), "out")
	mustRun(t, env, &actions.Get{Bucket: bucket, Key: key, VersionID: version, File: out, SSEC: ssec})
	got, _ := os.ReadFile(out)
	if !bytes.Equal(got, want) {
		t.Fatalf("s3://%s/%s (%q) read back differs (%d bytes, want %d)", bucket, key, version, len(got), len(want))
	}
}

func sdkHead(t *testing.T, env *actions.Env, bucket, key string) *s3.HeadObjectOutput {
	t.Helper()
	out, err := env.Backend.S3.HeadObject(context.Background(), &s3.HeadObjectInput{Bucket: &bucket, Key: &key})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func keyARN(t *testing.T, env *actions.Env, id string) string {
	t.Helper()
	res, _ := mustRun(t, env, &actions.DescribeKey{KeyID: id})
	return res.(actions.KeyInfo).ARN
}

func reencrypt(t *testing.T, env *actions.Env, a *actions.Reencrypt) (actions.ReencryptResult, []actions.Event) {
	t.Helper()
	res, evs := mustRun(t, env, a)
	r := res.(actions.ReencryptResult)
	if !r.Verified {
		t.Fatalf("%s: not verified: %v", a.Describe(), r.Mismatch)
	}
	return r, evs
}

func pathStep(evs []actions.Event) string {
	for _, e := range evs {
		if s, ok := e.(actions.StepEvent); ok && s.Step.Op == actions.OpPathChosen {
			return s.Step.Title + ": " + s.Step.Detail
		}
	}
	return ""
}

// TestReencryptUpdatePathRewrapsWithoutRewriting: SSE-S3 → SSE-KMS (an
// alias, resolved to the key ARN), then another customer managed key with
// a bucket key, both by UpdateObjectEncryption: HEAD shows the new key,
// the ETag and version stay, the sandbox's at-rest blob is the same file
// with the same bytes, the data reads back byte for byte, and the flow
// says which path and why. Asking again changes nothing.
func TestReencryptUpdatePathRewrapsWithoutRewriting(t *testing.T) {
	env := xferEnv(t)
	xferBucket(t, env.Backend, "reenc", false)
	k1, k2 := newKey(t, env, "", "alias/re1"), newKey(t, env, "", "alias/re2")
	data := randomBytes(200000)
	sdkPut(t, env, "reenc", "o", data, &s3.PutObjectInput{ServerSideEncryption: "AES256"})
	before, err := env.Backend.Local.Inspect(context.Background(), "reenc", "o", "")
	if err != nil {
		t.Fatal(err)
	}
	etag := aws.ToString(sdkHead(t, env, "reenc", "o").ETag)
	for i, step := range []struct {
		target actions.ReencryptTarget
		key    string
		why    string
	}{
		{actions.ReencryptTarget{SSE: actions.SSEKMS, KMSKey: "alias/re1"}, k1, "SSE-S3 to SSE-KMS"},
		{actions.ReencryptTarget{SSE: actions.SSEKMS, KMSKey: "alias/re2", BucketKey: true}, k2, "another KMS key"},
	} {
		r, evs := reencrypt(t, env, &actions.Reencrypt{Bucket: "reenc", Key: "o", Target: step.target})
		if r.Path != actions.PathUpdate || r.Rewrote || !strings.Contains(r.Why, step.why) || !strings.Contains(r.Why, "without rewriting the data") {
			t.Fatalf("step %d: path %s (%s)", i, r.Path, r.Why)
		}
		if p := pathStep(evs); !strings.Contains(p, "UpdateObjectEncryption") {
			t.Fatalf("step %d: the flow does not say the path: %q", i, p)
		}
		h := sdkHead(t, env, "reenc", "o")
		if h.ServerSideEncryption != "aws:kms" || aws.ToString(h.SSEKMSKeyId) != keyARN(t, env, step.key) || aws.ToBool(h.BucketKeyEnabled) != step.target.BucketKey {
			t.Fatalf("step %d: HEAD %s %s %v", i, h.ServerSideEncryption, aws.ToString(h.SSEKMSKeyId), aws.ToBool(h.BucketKeyEnabled))
		}
		if aws.ToString(h.ETag) != etag {
			t.Fatalf("step %d: ETag %s, was %s", i, aws.ToString(h.ETag), etag)
		}
		after, _ := env.Backend.Local.Inspect(context.Background(), "reenc", "o", "")
		if len(after.Parts) != 1 || after.Parts[0].Path != before.Parts[0].Path || after.Parts[0].FirstBytes != before.Parts[0].FirstBytes ||
			after.Parts[0].StreamNonce != before.Parts[0].StreamNonce || after.Mode != "aws:kms" {
			t.Fatalf("step %d: at-rest blob changed: %+v → %+v", i, before.Parts, after.Parts)
		}
		blob, _ := os.ReadFile(after.Parts[0].Path)
		if i == 0 {
			before.Format = string(blob) // remember the bytes
		} else if string(blob) != before.Format {
			t.Fatalf("step %d: the blob's bytes changed", i)
		}
		readBack(t, env, "reenc", "o", "", nil, data)
	}
	r, _ := reencrypt(t, env, &actions.Reencrypt{Bucket: "reenc", Key: "o", Target: actions.ReencryptTarget{SSE: actions.SSEKMS, KMSKey: keyARN(t, env, k2), BucketKey: true}})
	if r.Path != actions.PathNone {
		t.Fatalf("again: %s", r.Path)
	}
}

// TestReencryptCopyPaths: what UpdateObjectEncryption does not change is
// copied in place, keeping metadata and content type: an SSE-C object
// (with its key) to SSE-KMS, a DSSE-KMS object to SSE-S3 in a versioned
// bucket (a new version; the old one keeps its encryption), and an object
// above the part-copy threshold by UploadPartCopy. Each reads back byte
// for byte; HEAD shows the new encryption.
func TestReencryptCopyPaths(t *testing.T) {
	env := xferEnv(t)
	xferBucket(t, env.Backend, "copyp", true)
	kmsKey := newKey(t, env, "", "alias/cp")
	arn := keyARN(t, env, kmsKey)
	ssec := ssecKeyFile(t, "a.key")
	alg, k, md5 := s3c.SSECHeaders(ssec.Key)

	data := randomBytes(150000)
	sdkPut(t, env, "copyp", "ssec", data, &s3.PutObjectInput{SSECustomerAlgorithm: &alg, SSECustomerKey: &k, SSECustomerKeyMD5: &md5})
	// Without its key, the SSE-C object cannot be changed, and says why.
	res, err, _ := collect(t, env, &actions.Reencrypt{Bucket: "copyp", Key: "ssec", Target: actions.ReencryptTarget{SSE: actions.SSEKMS, KMSKey: "alias/cp"}})
	if err == nil || res.(actions.ReencryptResult).Path != actions.PathCannot || !strings.Contains(err.Error(), "SSE-C without its key") {
		t.Fatalf("SSE-C without key: %v %+v", err, res)
	}
	r, evs := reencrypt(t, env, &actions.Reencrypt{Bucket: "copyp", Key: "ssec", SourceSSEC: ssec, Target: actions.ReencryptTarget{SSE: actions.SSEKMS, KMSKey: "alias/cp"}})
	if r.Path != actions.PathCopy || !r.Rewrote || !strings.Contains(r.Why, "SSE-C objects are outside UpdateObjectEncryption") {
		t.Fatalf("SSE-C → SSE-KMS: %s (%s)", r.Path, r.Why)
	}
	if p := pathStep(evs); !strings.Contains(p, "CopyObject") || !strings.Contains(p, "rewrites the object") {
		t.Fatalf("flow path step: %q", p)
	}
	h := sdkHead(t, env, "copyp", "ssec")
	if h.ServerSideEncryption != "aws:kms" || aws.ToString(h.SSEKMSKeyId) != arn || aws.ToString(h.ContentType) != "application/x-test" || h.Metadata["owner"] != "ops" {
		t.Fatalf("after copy: %s %s %s %v", h.ServerSideEncryption, aws.ToString(h.SSEKMSKeyId), aws.ToString(h.ContentType), h.Metadata)
	}
	readBack(t, env, "copyp", "ssec", "", nil, data)

	mustRun(t, env, &actions.PutBucketVersioning{Bucket: "copyp", Status: actions.VersioningEnabled})
	dsse := randomBytes(90000)
	v1 := sdkPut(t, env, "copyp", "dsse", dsse, &s3.PutObjectInput{ServerSideEncryption: "aws:kms:dsse", SSEKMSKeyId: &arn})
	r, _ = reencrypt(t, env, &actions.Reencrypt{Bucket: "copyp", Key: "dsse", Target: actions.ReencryptTarget{SSE: actions.SSES3}})
	if r.Path != actions.PathCopy || r.VersionIDAfter == v1 || r.VersionIDBefore != v1 || r.AfterMode != "SSE-S3" {
		t.Fatalf("DSSE → SSE-S3 in a versioned bucket: %+v", r)
	}
	readBack(t, env, "copyp", "dsse", "", nil, dsse)
	readBack(t, env, "copyp", "dsse", v1, nil, dsse)
	old, _ := mustRun(t, env, &actions.Head{Bucket: "copyp", Key: "dsse", VersionID: v1})
	if old.(actions.HeadResult).Mode != "DSSE-KMS" {
		t.Fatalf("the old version's encryption changed: %s", old.(actions.HeadResult).Mode)
	}

	big := randomBytes(11 << 20)
	sdkPut(t, env, "copyp", "big", big, &s3.PutObjectInput{ServerSideEncryption: "AES256", StorageClass: s3types.StorageClassStandardIa})
	r, _ = reencrypt(t, env, &actions.Reencrypt{Bucket: "copyp", Key: "big", PartCopyAbove: 6 << 20, PartSize: 5 << 20, Copy: true,
		Target: actions.ReencryptTarget{SSE: actions.SSEKMS, KMSKey: arn, BucketKey: true}})
	if r.Path != actions.PathPartCopy || !strings.Contains(r.Why, "--copy") {
		t.Fatalf("big: %s (%s)", r.Path, r.Why)
	}
	h = sdkHead(t, env, "copyp", "big")
	if !aws.ToBool(h.BucketKeyEnabled) || len(atRestParts(t, env, "copyp", "big")) != 3 || h.StorageClass != s3types.StorageClassStandardIa ||
		aws.ToString(h.ContentType) != "application/x-test" || h.Metadata["purpose"] != "reencrypt" {
		t.Fatalf("big after part copy: bk %v parts %d class %s type %s meta %v", aws.ToBool(h.BucketKeyEnabled), aws.ToInt32(h.PartsCount), h.StorageClass, aws.ToString(h.ContentType), h.Metadata)
	}
	readBack(t, env, "copyp", "big", "", nil, big)
	// No multipart upload is left behind.
	ups, err := env.Backend.S3.ListMultipartUploads(context.Background(), &s3.ListMultipartUploadsInput{Bucket: aws.String("copyp")})
	if err != nil || len(ups.Uploads) != 0 {
		t.Fatalf("uploads left: %v %v", err, ups)
	}
}

func atRestParts(t *testing.T, env *actions.Env, bucket, key string) []string {
	t.Helper()
	at, err := env.Backend.Local.Inspect(context.Background(), bucket, key, "")
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, p := range at.Parts {
		out = append(out, p.Path)
	}
	return out
}

// TestBulkResumeRedoesWhatChangedSince: a journal (from an interrupted
// run) says two objects are done; one is as asked and is skipped, the
// other was overwritten since and is changed again. A dry run changes
// nothing; the plan's counts are what the run does.
func TestBulkResumeRedoesWhatChangedSince(t *testing.T) {
	env := xferEnv(t)
	xferBucket(t, env.Backend, "resume", false)
	kmsKey := newKey(t, env, "", "alias/resume")
	arn := keyARN(t, env, kmsKey)
	data := map[string][]byte{}
	for _, k := range []string{"a", "b", "c"} {
		data[k] = randomBytes(3000)
		sdkPut(t, env, "resume", k, data[k], &s3.PutObjectInput{ServerSideEncryption: "AES256"})
	}
	m := &actions.ReencryptMany{Bucket: "resume", Target: actions.ReencryptTarget{SSE: actions.SSEKMS, KMSKey: "alias/resume"},
		JournalDir: t.TempDir(), DryRun: true}
	res, _ := mustRun(t, env, m)
	plan := res.(actions.ReencryptPlan)
	if plan.Paths[actions.PathUpdate] != 3 || plan.Objects != 3 {
		t.Fatalf("plan: %+v", plan.Paths)
	}
	if h := sdkHead(t, env, "resume", "a"); h.ServerSideEncryption != "AES256" {
		t.Fatal("the dry run changed an object")
	}
	// An interrupted run did a and b; b was overwritten since.
	mustRun(t, env, &actions.Reencrypt{Bucket: "resume", Key: "a", Target: m.Target})
	journal := m.JournalPath(env)
	if err := os.MkdirAll(filepath.Dir(journal), 0o700); err != nil {
		t.Fatal(err)
	}
	lines := `{"Event":"start"}` + "\n" + `{"Event":"done","Key":"a","Path":"UpdateObjectEncryption"}` + "\n" +
		`{"Event":"done","Key":"b","Path":"UpdateObjectEncryption"}` + "\n" + `{"Event":"done","Key":"tor`
	if err := os.WriteFile(journal, []byte(lines), 0o600); err != nil {
		t.Fatal(err)
	}
	m.DryRun = false
	res, _ = mustRun(t, env, m)
	rep := res.(actions.ReencryptReport)
	if rep.Resumed != 1 || rep.Done[actions.PathUpdate] != 2 || rep.Verified != 2 || len(rep.Failed) != 0 {
		t.Fatalf("report: resumed %d, done %v, verified %d, failed %v", rep.Resumed, rep.Done, rep.Verified, rep.Failed)
	}
	for k, d := range data {
		if h := sdkHead(t, env, "resume", k); aws.ToString(h.SSEKMSKeyId) != arn {
			t.Errorf("%s: %s %s", k, h.ServerSideEncryption, aws.ToString(h.SSEKMSKeyId))
		}
		readBack(t, env, "resume", k, "", nil, d)
	}
	entries, err := actions.ReadJournal(journal)
	if err != nil || entries[len(entries)-1].Event != "finished" {
		t.Fatalf("journal: %v %+v", err, entries)
	}
}
