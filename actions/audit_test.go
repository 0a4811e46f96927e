package actions_test

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/md5"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	kmstypes "github.com/aws/aws-sdk-go-v2/service/kms/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/s3crypt/s3crypt/actions"
	"github.com/s3crypt/s3crypt/awsclient"
	"github.com/s3crypt/s3crypt/internal/fakeendpoint"
	"github.com/s3crypt/s3crypt/internal/sandboxtest"
)

// postureFixture is a sandbox prepared with one finding of each kind the
// sandbox can show, each in its own bucket (or on its own key), beside a
// bucket with none.
type postureFixture struct {
	b                                     *awsclient.Backend
	good, noRot, unused, disabled, pendng string // key ARNs
}

// setDefault writes a bucket's default rule; blocked says whether SSE-C
// is blocked.
func setDefault(t *testing.T, b *awsclient.Backend, bucket, sse, key string, bucketKey, blocked bool) {
	t.Helper()
	rule := s3types.ServerSideEncryptionRule{ApplyServerSideEncryptionByDefault: &s3types.ServerSideEncryptionByDefault{SSEAlgorithm: s3types.ServerSideEncryption(sse)},
		BucketKeyEnabled: aws.Bool(bucketKey), BlockedEncryptionTypes: &s3types.BlockedEncryptionTypes{EncryptionType: []s3types.EncryptionType{"NONE"}}}
	if blocked {
		rule.BlockedEncryptionTypes.EncryptionType = []s3types.EncryptionType{"SSE-C"}
	}
	if key != "" {
		rule.ApplyServerSideEncryptionByDefault.KMSMasterKeyID = &key
	}
	mustFn(t)(b.S3.PutBucketEncryption(context.Background(), &s3.PutBucketEncryptionInput{Bucket: &bucket,
		ServerSideEncryptionConfiguration: &s3types.ServerSideEncryptionConfiguration{Rules: []s3types.ServerSideEncryptionRule{rule}}}))
}

// cleanBucket makes a bucket with nothing to find: SSE-KMS under good
// with a bucket key, SSE-C blocked, versioning on, TLS required.
func (f postureFixture) cleanBucket(t *testing.T, name string) {
	t.Helper()
	ctx := context.Background()
	createBucket(t, f.b, name, "", "", true)
	setDefault(t, f.b, name, "aws:kms", f.good, true, true)
	doc := actions.ReadyPolicy{RequireTLS: true}.Document(name)
	mustFn(t)(f.b.S3.PutBucketPolicy(ctx, &s3.PutBucketPolicyInput{Bucket: &name, Policy: &doc}))
}

func newPostureFixture(t *testing.T) postureFixture {
	t.Helper()
	ctx := context.Background()
	f := postureFixture{b: bkEnv(t).Backend}
	key := func(alias string, rotate bool) string {
		id, arn := createKey(t, f.b, alias)
		if rotate {
			mustFn(t)(f.b.KMS.EnableKeyRotation(ctx, &kms.EnableKeyRotationInput{KeyId: &id}))
		}
		return arn
	}
	f.good, f.noRot, f.unused = key("alias/good", true), key("alias/norot", false), key("alias/unused", true)
	f.disabled, f.pendng = key("alias/disabled", true), key("alias/pending", true)
	body := []byte("posture")

	f.cleanBucket(t, "clean")
	put(t, f.b, "clean", "a", body, s3.PutObjectInput{})
	put(t, f.b, "clean", "b", body, s3.PutObjectInput{ServerSideEncryption: s3types.ServerSideEncryptionAwsKmsDsse, SSEKMSKeyId: &f.good})

	f.cleanBucket(t, "s3default") // bucket-default-not-kms
	setDefault(t, f.b, "s3default", "AES256", "", false, true)

	f.cleanBucket(t, "nobk") // bucket-key-off
	setDefault(t, f.b, "nobk", "aws:kms", f.good, false, true)

	// bucket-sse-c-allowed, and an object-sse-c.
	f.cleanBucket(t, "ssec")
	setDefault(t, f.b, "ssec", "aws:kms", f.good, true, false)
	k := make([]byte, 32)
	_, _ = rand.Read(k)
	sum := md5.Sum(k)
	put(t, f.b, "ssec", "secret.bin", body, s3.PutObjectInput{SSECustomerAlgorithm: aws.String("AES256"),
		SSECustomerKey: aws.String(base64.StdEncoding.EncodeToString(k)), SSECustomerKeyMD5: aws.String(base64.StdEncoding.EncodeToString(sum[:]))})

	f.cleanBucket(t, "nover") // bucket-versioning-off; its object is under the key without rotation
	mustFn(t)(f.b.S3.PutBucketVersioning(ctx, &s3.PutBucketVersioningInput{Bucket: aws.String("nover"),
		VersioningConfiguration: &s3types.VersioningConfiguration{Status: s3types.BucketVersioningStatusSuspended}}))
	put(t, f.b, "nover", "o", body, s3.PutObjectInput{ServerSideEncryption: s3types.ServerSideEncryptionAwsKms, SSEKMSKeyId: &f.noRot})

	f.cleanBucket(t, "byalias") // bucket-default-key-by-alias
	setDefault(t, f.b, "byalias", "aws:kms", "alias/good", true, true)

	f.cleanBucket(t, "notls") // bucket-policy-no-tls
	mustFn(t)(f.b.S3.DeleteBucketPolicy(ctx, &s3.DeleteBucketPolicyInput{Bucket: aws.String("notls")}))

	// bucket-default-key-unusable and object-key-disabled.
	f.cleanBucket(t, "deadkey")
	setDefault(t, f.b, "deadkey", "aws:kms", f.disabled, true, true)
	put(t, f.b, "deadkey", "d1", body, s3.PutObjectInput{})
	put(t, f.b, "deadkey", "d2", body, s3.PutObjectInput{})
	mustFn(t)(f.b.KMS.DisableKey(ctx, &kms.DisableKeyInput{KeyId: &f.disabled}))

	// object-key-pending-deletion.
	f.cleanBucket(t, "pending")
	put(t, f.b, "pending", "p", body, s3.PutObjectInput{ServerSideEncryption: s3types.ServerSideEncryptionAwsKms, SSEKMSKeyId: &f.pendng})
	mustFn(t)(f.b.KMS.ScheduleKeyDeletion(ctx, &kms.ScheduleKeyDeletionInput{KeyId: &f.pendng, PendingWindowInDays: aws.Int32(7)}))

	// object-legacy-client-side: a real S3EC V2 object with CBC content.
	f.cleanBucket(t, "legacy")
	putLegacyCBC(t, f.b, "legacy", "old.bin", f.good)
	return f
}

// putLegacyCBC stores an S3 Encryption Client V2 object with AES-CBC
// content, as old clients wrote them.
func putLegacyCBC(t *testing.T, b *awsclient.Backend, bucket, key, kmsKey string) {
	t.Helper()
	ctx := context.Background()
	matdesc := map[string]string{"aws:x-amz-cek-alg": "AES/CBC/PKCS5Padding"}
	dk, err := b.KMS.GenerateDataKey(ctx, &kms.GenerateDataKeyInput{KeyId: &kmsKey, KeySpec: kmstypes.DataKeySpecAes256, EncryptionContext: matdesc})
	if err != nil {
		t.Fatal(err)
	}
	iv := make([]byte, 16)
	_, _ = rand.Read(iv)
	block, _ := aes.NewCipher(dk.Plaintext)
	ct := append([]byte("legacy object.."), 1) // 16 bytes, PKCS#5 padded
	cipher.NewCBCEncrypter(block, iv).CryptBlocks(ct, ct)
	meta := map[string]string{"x-amz-key-v2": base64.StdEncoding.EncodeToString(dk.CiphertextBlob), "x-amz-iv": base64.StdEncoding.EncodeToString(iv),
		"x-amz-matdesc": `{"aws:x-amz-cek-alg":"AES/CBC/PKCS5Padding"}`, "x-amz-wrap-alg": "kms+context", "x-amz-cek-alg": "AES/CBC/PKCS5Padding",
		"x-amz-unencrypted-content-length": "15"}
	put(t, b, bucket, key, ct, s3.PutObjectInput{Metadata: meta})
}

// findingKey names a finding by id and where: "id bucket" or "id key".
func findingKey(f actions.Finding) string {
	return strings.Join(strings.Fields(f.ID+" "+f.Bucket+" "+f.KMSKey), " ")
}

// TestAuditFindsEachKindOnce audits a sandbox prepared with one finding
// of each kind: every one is reported, with its severity and a fix that
// names the bucket or key, and nothing is found in the clean bucket.
func TestAuditFindsEachKindOnce(t *testing.T) {
	f := newPostureFixture(t)
	env := &actions.Env{Backend: f.b}
	res, _ := mustRun(t, env, &actions.Audit{Objects: true, Concurrency: 4})
	a := res.(actions.AuditResult)
	want := []string{
		"bucket-default-not-kms s3default", "bucket-key-off nobk",
		"bucket-sse-c-allowed ssec", "object-sse-c ssec",
		"bucket-versioning-off nover", "bucket-default-key-by-alias byalias", "bucket-policy-no-tls notls",
		"bucket-default-key-unusable deadkey " + f.disabled, "object-key-disabled deadkey " + f.disabled,
		"object-key-pending-deletion pending " + f.pendng, "object-legacy-client-side legacy",
		"key-rotation-off " + f.noRot, "key-unused " + f.unused,
	}
	var got []string
	for _, fd := range a.Findings {
		got = append(got, findingKey(fd))
		kind := slices.IndexFunc(actions.FindingKinds, func(k struct {
			ID       string
			Severity actions.Severity
			Maps     []string
		}) bool {
			return k.ID == fd.ID
		})
		if kind < 0 || actions.FindingKinds[kind].Severity != fd.Severity {
			t.Errorf("%s: severity %s", fd.ID, fd.Severity)
		}
		where := fd.KMSKey
		if where == "" {
			where = fd.Bucket
		}
		if fd.Reason == "" || !strings.Contains(fd.Fix, where) || !strings.HasPrefix(fd.FixAWS, "aws ") && fd.ID != actions.FindObjectLegacyClientSide {
			t.Errorf("%s: reason %q, fix %q, aws %q", findingKey(fd), fd.Reason, fd.Fix, fd.FixAWS)
		}
	}
	sort.Strings(got)
	sort.Strings(want)
	if !slices.Equal(got, want) {
		t.Errorf("findings:\n got %q\nwant %q", got, want)
	}
	for _, b := range a.Buckets {
		if b.Bucket == "clean" && (b.Objects == nil || b.Objects.Versions != 2 || b.Objects.ByMode["SSE-KMS"] != 1 || b.Objects.ByMode["DSSE-KMS"] != 1) {
			t.Errorf("clean bucket objects: %+v", b.Objects)
		}
	}
	checkFix := map[string]string{
		"bucket-sse-c-allowed ssec":                       "s3crypt bucket-encryption put s3://ssec --block-sse-c",
		"bucket-default-key-unusable deadkey":             "s3crypt kms enable-key --key-id " + f.disabled,
		"bucket-key-off nobk":                             "s3crypt bucket-encryption put s3://nobk --sse aws:kms --kms-key " + f.good + " --bucket-key",
		"object-key-pending-deletion pending " + f.pendng: "s3crypt kms cancel-key-deletion --key-id " + f.pendng + " && s3crypt kms enable-key --key-id " + f.pendng,
	}
	for _, fd := range a.Findings {
		if w, ok := checkFix[findingKey(fd)]; ok && fd.Fix != w {
			t.Errorf("%s: fix %q, want %q", findingKey(fd), fd.Fix, w)
		}
	}

	// Without --objects only the bucket findings remain.
	res, _ = mustRun(t, env, &actions.Audit{Buckets: []string{"clean", "ssec", "deadkey"}})
	a = res.(actions.AuditResult)
	got = got[:0]
	for _, fd := range a.Findings {
		got = append(got, findingKey(fd))
	}
	sort.Strings(got)
	if w := []string{"bucket-default-key-unusable deadkey " + f.disabled, "bucket-sse-c-allowed ssec"}; !slices.Equal(got, w) {
		t.Errorf("bucket findings only: %q, want %q", got, w)
	}

	// The aws fixes run as printed: after them, the audit finds nothing
	// more there.
	for _, fd := range a.Findings {
		if fd.FixAWSNeedsCLI != "" { // Debian's aws 2.9 cannot: s3crypt's fix instead
			if r := sandboxtest.CLI(t, append([]string{"--data", f.b.Sandbox.Dir()}, strings.Fields(strings.TrimPrefix(fd.Fix, "s3crypt "))...)...); r.Code != 0 {
				t.Fatalf("%s: %d %s", fd.Fix, r.Code, r.Stderr)
			}
			continue
		}
		if out, errOut, err := sandboxtest.Shell(t, f.b, t.TempDir(), fd.FixAWS); err != nil {
			t.Fatalf("%s: %v\n%s%s", fd.FixAWS, err, out, errOut)
		}
	}
	res, _ = mustRun(t, env, &actions.Audit{Buckets: []string{"clean", "ssec", "deadkey"}})
	if a := res.(actions.AuditResult); len(a.Findings) != 0 {
		t.Errorf("after the aws fixes: %+v", a.Findings)
	}
}

// TestAuditFindsNoDefaultAndUnencrypted: on an endpoint that keeps no
// default rule, the bucket without one and its unencrypted object are
// high findings.
func TestAuditFindsNoDefaultAndUnencrypted(t *testing.T) {
	env, _ := endpointEnv(t, fakeendpoint.Options{NoDefaultEncryption: true})
	put(t, env.Backend, "truth", "plain.txt", []byte("plain"), s3.PutObjectInput{})
	res := truthRun(t, env, &actions.Audit{Buckets: []string{"truth"}, Objects: true}).(actions.AuditResult)
	var got []string
	for _, f := range res.Findings {
		if f.Severity == actions.SeverityHigh {
			got = append(got, f.ID)
		}
	}
	sort.Strings(got)
	if w := []string{"bucket-no-default-encryption", "object-unencrypted"}; !slices.Equal(got, w) {
		t.Errorf("high findings %q, want %q", got, w)
	}
}

// TestAuditFindsMissingKeys: objects and a default under a key KMS no
// longer has (here: a KMS that never had it) are critical findings.
func TestAuditFindsMissingKeys(t *testing.T) {
	b := bkEnv(t).Backend
	_, arn := createKey(t, b, "alias/gone")
	createBucket(t, b, "orphans", "aws:kms", arn, true)
	put(t, b, "orphans", "o1", []byte("x"), s3.PutObjectInput{})
	other := sandboxtest.Backend(t)
	mixed := *b
	mixed.KMS = other.KMS // a KMS where the key does not exist
	res, _ := mustRun(t, &actions.Env{Backend: &mixed}, &actions.Audit{Buckets: []string{"orphans"}, Objects: true})
	var got []string
	for _, f := range res.(actions.AuditResult).Findings {
		if f.Severity == actions.SeverityCritical {
			got = append(got, f.ID)
		}
	}
	sort.Strings(got)
	if w := []string{"bucket-default-key-unusable", "object-key-missing"}; !slices.Equal(got, w) {
		t.Errorf("critical findings %q, want %q", got, w)
	}
}

// TestAuditJSON decodes the --json result into the documented fields.
func TestAuditJSON(t *testing.T) {
	b := bkEnv(t).Backend
	createBucket(t, b, "jsonb", "AES256", "", false)
	res, _ := mustRun(t, &actions.Env{Backend: b}, &actions.Audit{Objects: true})
	data, err := json.Marshal(res)
	if err != nil {
		t.Fatal(err)
	}
	var got struct {
		Buckets []struct {
			Bucket, DefaultEncryption, Versioning, Policy string
			SSECBlocked                                   bool
		}
		Findings []struct {
			Id, Severity, Bucket, Reason, Fix, FixAWS string
		}
		Counts      struct{ Critical, High, Medium, Low, Info int }
		ObjectsRead bool
	}
	if err := json.Unmarshal(data, &got); err != nil {
		t.Fatalf("%v\n%s", err, data)
	}
	if len(got.Buckets) != 1 || got.Buckets[0].Bucket != "jsonb" || got.Buckets[0].Versioning != "Off" || !got.ObjectsRead {
		t.Errorf("buckets: %+v", got.Buckets)
	}
	n := 0
	for _, f := range got.Findings {
		if _, err := actions.ParseSeverity(f.Severity); err != nil || f.Id == "" || f.Fix == "" || f.FixAWS == "" {
			t.Errorf("finding %+v", f)
		}
		n++
	}
	total := got.Counts.Critical + got.Counts.High + got.Counts.Medium + got.Counts.Low + got.Counts.Info
	if n == 0 || total != n {
		t.Errorf("%d findings, counts %v", n, got.Counts)
	}
}

// TestAuditFindsUnreadableObjects: an object version whose HEAD is
// refused (here by a bucket policy's Deny on s3:GetObject) is reported as
// unreadable, with its key, and not guessed at as any mode.
func TestAuditFindsUnreadableObjects(t *testing.T) {
	b := bkEnv(t).Backend
	ctx := context.Background()
	createBucket(t, b, "locked", "AES256", "", false)
	put(t, b, "locked", "open.txt", []byte("open"), s3.PutObjectInput{})
	put(t, b, "locked", "secret/a.txt", []byte("secret"), s3.PutObjectInput{})
	doc := `{"Version":"2012-10-17","Statement":[{"Sid":"NoReads","Effect":"Deny","Principal":"*",` +
		`"Action":"s3:GetObject","Resource":"arn:aws:s3:::locked/secret/*"}]}`
	mustFn(t)(b.S3.PutBucketPolicy(ctx, &s3.PutBucketPolicyInput{Bucket: aws.String("locked"), Policy: &doc}))
	res, _ := mustRun(t, &actions.Env{Backend: b}, &actions.Audit{Buckets: []string{"locked"}, Objects: true})
	var found *actions.Finding
	for _, f := range res.(actions.AuditResult).Findings {
		if f.ID == "object-unreadable" {
			found = &f
		}
	}
	if found == nil {
		t.Fatalf("no object-unreadable finding in %+v", res.(actions.AuditResult).Findings)
	}
	if found.Count != 1 || !slices.Equal(found.Examples, []string{"secret/a.txt"}) || found.Severity != actions.SeverityInfo {
		t.Errorf("object-unreadable = count %d, examples %q, severity %s; want 1, [secret/a.txt], info", found.Count, found.Examples, found.Severity)
	}
	if !strings.Contains(found.FixAWS, "head-object") || !strings.Contains(found.Fix, "s3crypt head s3://locked/secret/a.txt") {
		t.Errorf("fix %q / %q does not name the object", found.Fix, found.FixAWS)
	}
}
