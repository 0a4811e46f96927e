package actions_test

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/s3crypt/s3crypt/actions"
	"github.com/s3crypt/s3crypt/internal/sandboxtest"
)

// bkCommands returns the commands an action reported.
func bkCommands(evs []actions.Event) []actions.Command {
	var out []actions.Command
	for _, e := range evs {
		if c, ok := e.(actions.CommandEvent); ok {
			out = append(out, c.Command)
		}
	}
	return out
}

// bkSteps renders the steps as "actor:op title" lines.
func bkSteps(evs []actions.Event) []string {
	var out []string
	for _, e := range evs {
		if s, ok := e.(actions.StepEvent); ok {
			out = append(out, string(s.Step.Actor)+":"+string(s.Step.Op)+" "+s.Step.Title)
		}
	}
	return out
}

// bkErr asserts err is an *actions.Error and returns it.
func bkErr(t *testing.T, err error) *actions.Error {
	t.Helper()
	var e *actions.Error
	if !errors.As(err, &e) {
		t.Fatalf("want *actions.Error, got %T %v", err, err)
	}
	return e
}

func bkEnv(t *testing.T) *actions.Env {
	t.Helper()
	return &actions.Env{Backend: sandboxtest.Backend(t)}
}

func TestMakeBucketShowsFreshDefaults(t *testing.T) {
	env := bkEnv(t)
	res, evs := mustRun(t, env, &actions.MakeBucket{Bucket: "fresh"})
	r := res.(actions.MakeBucketResult)
	want := actions.BucketEncryption{SSEAlgorithm: "AES256", Blocked: []string{"SSE-C"}}
	if r.Bucket != "fresh" || r.Region != "us-east-1" || r.Encryption == nil || !reflect.DeepEqual(*r.Encryption, want) {
		t.Fatalf("result %+v, encryption %+v", r, r.Encryption)
	}
	cmds := bkCommands(evs)
	if len(cmds) != 1 || cmds[0].String() != "aws s3 mb s3://fresh" {
		t.Fatalf("commands %+v", cmds)
	}
	if g := strings.Join(cmds[0].Global, " "); !strings.HasPrefix(g, "--endpoint-url https://127.0.0.1:") || !strings.Contains(g, "--ca-bundle") {
		t.Fatalf("global options %q", g)
	}
	steps := bkSteps(evs)
	if len(steps) < 2 || steps[0] != "you:Request CreateBucket" || steps[len(steps)-1] != "S3:Response 200 OK" {
		t.Fatalf("steps %q", steps)
	}

	_, err, _ := collect(t, env, &actions.MakeBucket{Bucket: "fresh"})
	if e := bkErr(t, err); e.Code != "BucketAlreadyOwnedByYou" || e.What != "you already own bucket fresh" {
		t.Fatalf("second mb: %+v", e)
	}
	_, err, _ = collect(t, env, &actions.MakeBucket{Bucket: "Bad_Name"})
	if e := bkErr(t, err); e.Code != "InvalidBucketName" || !strings.Contains(e.Why, "3 to 63 characters of lowercase letters") {
		t.Fatalf("bad name: %+v", e)
	}
}

func TestRemoveBucketOnlyWhenEmpty(t *testing.T) {
	env := bkEnv(t)
	mustRun(t, env, &actions.MakeBucket{Bucket: "full"})
	ctx := context.Background()
	if _, err := env.Backend.S3.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("full"), Key: aws.String("a"),
		Body: strings.NewReader("x")}); err != nil {
		t.Fatal(err)
	}
	_, err, _ := collect(t, env, &actions.RemoveBucket{Bucket: "full"})
	e := bkErr(t, err)
	if e.Code != "BucketNotEmpty" || e.Status != 409 || e.What != "bucket full is not empty" || !strings.HasPrefix(e.Fix, "Empty it first") {
		t.Fatalf("rb of a full bucket: %+v", e)
	}
	if _, err := env.Backend.S3.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String("full"), Key: aws.String("a")}); err != nil {
		t.Fatal(err)
	}
	res, evs := mustRun(t, env, &actions.RemoveBucket{Bucket: "full"})
	if res.(actions.RemoveBucketResult).Bucket != "full" || bkCommands(evs)[0].String() != "aws s3 rb s3://full" {
		t.Fatalf("rb: %+v %+v", res, bkCommands(evs))
	}
	_, err, _ = collect(t, env, &actions.RemoveBucket{Bucket: "full"})
	if e := bkErr(t, err); e.Code != "NoSuchBucket" || e.Fix != "Create it: s3crypt mb s3://full" {
		t.Fatalf("rb of a missing bucket: %+v", e)
	}
}

func TestBucketEncryptionPutGetDelete(t *testing.T) {
	env := bkEnv(t)
	mustRun(t, env, &actions.MakeBucket{Bucket: "enc"})
	yes, no := true, false

	res, evs := mustRun(t, env, &actions.PutBucketEncryption{Bucket: "enc", SSE: actions.SSEKMS, KMSKey: "alias/demo", BucketKey: &yes})
	got := res.(actions.BucketEncryptionResult).Encryption
	want := actions.BucketEncryption{SSEAlgorithm: "aws:kms", KMSKeyID: "alias/demo", BucketKey: true, Blocked: []string{"SSE-C"}}
	if got == nil || !reflect.DeepEqual(*got, want) {
		t.Fatalf("after put: %+v", got)
	}
	c := bkCommands(evs)[0]
	if c.String() != `aws s3api put-bucket-encryption --bucket enc --server-side-encryption-configuration '{"Rules":[{"ApplyServerSideEncryptionByDefault":{"SSEAlgorithm":"aws:kms","KMSMasterKeyID":"alias/demo"},"BucketKeyEnabled":true}]}'` || c.Note != "" {
		t.Fatalf("command %q note %q", c.String(), c.Note)
	}

	// Only --allow-sse-c: the current rule is kept.
	res, evs = mustRun(t, env, &actions.PutBucketEncryption{Bucket: "enc", BlockSSEC: &no})
	want.Blocked = []string{"NONE"}
	if got := res.(actions.BucketEncryptionResult).Encryption; !reflect.DeepEqual(*got, want) {
		t.Fatalf("after allow: %+v", got)
	}
	c = bkCommands(evs)[0]
	if !strings.Contains(c.String(), `"BlockedEncryptionTypes":{"EncryptionType":["NONE"]}`) || !strings.Contains(c.Note, "BlockedEncryptionTypes needs an aws CLI") {
		t.Fatalf("allow command %q note %q", c.String(), c.Note)
	}

	res, evs = mustRun(t, env, &actions.GetBucketEncryption{Bucket: "enc"})
	r := res.(actions.BucketEncryptionResult)
	if !reflect.DeepEqual(*r.Encryption, want) || bkCommands(evs)[0].String() != "aws s3api get-bucket-encryption --bucket enc" {
		t.Fatalf("get: %+v %v", r.Encryption, bkCommands(evs))
	}
	if !strings.Contains(strings.Join(r.Notes, "\n"), "SSE-C writes are allowed") {
		t.Fatalf("notes %q", r.Notes)
	}

	res, evs = mustRun(t, env, &actions.DeleteBucketEncryption{Bucket: "enc"})
	want = actions.BucketEncryption{SSEAlgorithm: "AES256", Blocked: []string{"NONE"}}
	if got := res.(actions.BucketEncryptionResult).Encryption; !reflect.DeepEqual(*got, want) {
		t.Fatalf("after delete: %+v", got)
	}
	if bkCommands(evs)[0].String() != "aws s3api delete-bucket-encryption --bucket enc" {
		t.Fatalf("delete command %v", bkCommands(evs))
	}

	_, err, _ := collect(t, env, &actions.PutBucketEncryption{Bucket: "enc", SSE: actions.SSES3, KMSKey: "alias/demo"})
	if e := bkErr(t, err); !strings.Contains(e.What, "a KMS key applies only to aws:kms or aws:kms:dsse") {
		t.Fatalf("AES256 with a key: %+v", e)
	}
	_, err, _ = collect(t, env, &actions.GetBucketEncryption{Bucket: "nope"})
	if e := bkErr(t, err); e.Code != "NoSuchBucket" || e.Fix != "Create it: s3crypt mb s3://nope" {
		t.Fatalf("missing bucket: %+v", e)
	}
}

// seedInline is the seed blog's "To Set KMS Key" JSON, as the shell passes
// it to --server-side-encryption-configuration.
const seedInline = `{
        "Rules": [
            {
                "ApplyServerSideEncryptionByDefault": {
                    "SSEAlgorithm": "aws:kms",
                    "KMSMasterKeyID": 12345 // Optional 
                }
            }
        ]
    }`

// seedFile is the seed blog's encrypt.json.
const seedFile = `{
                "ApplyServerSideEncryptionByDefault": {
                    "SSEAlgorithm": "aws:kms",
                    "KMSMasterKeyID": 12345 // Optional 
                }
   }
`

func TestParseEncryptionConfigSeedJSON(t *testing.T) {
	for _, c := range []struct {
		name, json string
		want       []string
	}{
		{"inline", seedInline, []string{
			"line 6, column 45: comments are not allowed in JSON ('// Optional'); remove the comment",
			`line 6, column 39: KMSMasterKeyID must be a quoted string (a key id, key ARN, alias/NAME or alias ARN, e.g. "alias/demo"), not the bare number 12345`}},
		{"encrypt.json", seedFile, []string{
			"line 4, column 45: comments are not allowed in JSON ('// Optional'); remove the comment",
			`line 4, column 39: KMSMasterKeyID must be a quoted string (a key id, key ARN, alias/NAME or alias ARN, e.g. "alias/demo"), not the bare number 12345`}},
		{"number only", `{"Rules":[{"ApplyServerSideEncryptionByDefault":{"SSEAlgorithm":"aws:kms","KMSMasterKeyID":12345}}]}`, []string{
			`line 1, column 92: KMSMasterKeyID must be a quoted string (a key id, key ARN, alias/NAME or alias ARN, e.g. "alias/demo"), not the bare number 12345`}},
		{"trailing comma", "{\"Rules\":[\n {\"ApplyServerSideEncryptionByDefault\":{\"SSEAlgorithm\":\"AES256\",}}]}", []string{
			"line 2, column 64: a trailing comma is not allowed in JSON; remove it"}},
		{"misspelt and unknown", `{"Rules":[{"applyServerSideEncryptionByDefault":{"SSEAlgorithm":"AES256"},"BucketKey":true}]}`, []string{
			`line 1, column 12: write "applyServerSideEncryptionByDefault" as ApplyServerSideEncryptionByDefault: field names are case-sensitive`,
			`line 1, column 75: unknown field "BucketKey" in the rule; the aws CLI would refuse it (allowed: ApplyServerSideEncryptionByDefault, BucketKeyEnabled, BlockedEncryptionTypes)`}},
		{"two rules", `{"Rules":[{"ApplyServerSideEncryptionByDefault":{"SSEAlgorithm":"AES256"}},{}]}`, []string{
			"line 1, column 10: Rules must hold exactly one rule, not 2 (S3 answers MalformedXML otherwise)"}},
		{"bad values", `{"ApplyServerSideEncryptionByDefault":{"SSEAlgorithm":"AES-256"},"BucketKeyEnabled":"true","BlockedEncryptionTypes":{"EncryptionType":"SSE-C"}}`, []string{
			`line 1, column 55: SSEAlgorithm must be "AES256", "aws:kms" or "aws:kms:dsse", not the string "AES-256"`,
			`line 1, column 85: BucketKeyEnabled must be true or false (no quotes), not the string "true"`,
			`line 1, column 135: EncryptionType must be a list, e.g. ["SSE-C"], not the string "SSE-C"`}},
	} {
		_, err := actions.ParseEncryptionConfig([]byte(c.json))
		var ce *actions.ConfigError
		if !errors.As(err, &ce) {
			t.Fatalf("%s: want *ConfigError, got %v", c.name, err)
		}
		var got []string
		for _, p := range ce.Problems {
			got = append(got, p.String())
		}
		if !reflect.DeepEqual(got, c.want) {
			t.Errorf("%s:\n got %q\nwant %q", c.name, got, c.want)
		}
	}
}

func TestParseEncryptionConfigForms(t *testing.T) {
	full, err := actions.ParseEncryptionConfig([]byte(`{"Rules":[{"ApplyServerSideEncryptionByDefault":{"SSEAlgorithm":"aws:kms","KMSMasterKeyID":"12345"},
		"BucketKeyEnabled":true,"BlockedEncryptionTypes":{"EncryptionType":["NONE"]}}]}`))
	want := actions.BucketEncryption{SSEAlgorithm: "aws:kms", KMSKeyID: "12345", BucketKey: true, Blocked: []string{"NONE"}}
	if err != nil || !reflect.DeepEqual(full.Rule, want) || !full.HasBlocked || len(full.Notes) != 0 {
		t.Fatalf("full form: %+v %v", full, err)
	}
	if _, err := actions.ParseEncryptionConfig([]byte("// encrypt.json, fixed\n" + strings.Replace(seedFile, "12345 // Optional", `"alias/demo"`, 1))); err == nil {
		t.Fatal("a comment line must be refused")
	}
	bare, err := actions.ParseEncryptionConfig([]byte(strings.Replace(seedFile, "12345 // Optional", `"alias/demo"`, 1)))
	if err != nil || !reflect.DeepEqual(bare.Rule, actions.BucketEncryption{SSEAlgorithm: "aws:kms", KMSKeyID: "alias/demo"}) || bare.HasBlocked {
		t.Fatalf("bare form: %+v %v", bare, err)
	}
	if len(bare.Notes) != 1 || !strings.Contains(bare.Notes[0], "the aws CLI would refuse it") || !strings.Contains(bare.Notes[0], `{"Rules": [ … ]}`) {
		t.Fatalf("bare form notes %q", bare.Notes)
	}
}

func TestPutBucketEncryptionFromFile(t *testing.T) {
	env := bkEnv(t)
	mustRun(t, env, &actions.MakeBucket{Bucket: "files"})
	dir := t.TempDir()
	bad := filepath.Join(dir, "encrypt.json")
	if err := os.WriteFile(bad, []byte(seedFile), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err, evs := collect(t, env, &actions.PutBucketEncryption{Bucket: "files", File: bad})
	e := bkErr(t, err)
	if e.What != "encrypt.json, line 4, column 45: comments are not allowed in JSON ('// Optional'); remove the comment" ||
		!strings.Contains(e.Why, "also line 4, column 39: KMSMasterKeyID must be a quoted string") || !strings.HasPrefix(e.Fix, "Fix encrypt.json and run again") {
		t.Fatalf("seed file: %+v", e)
	}
	if len(bkCommands(evs)) != 0 {
		t.Fatal("nothing may be sent for an invalid file")
	}

	good := filepath.Join(dir, "fixed.json")
	if err := os.WriteFile(good, []byte(strings.Replace(seedFile, "12345 // Optional", `"alias/demo"`, 1)), 0o600); err != nil {
		t.Fatal(err)
	}
	yes := true
	res, evs := mustRun(t, env, &actions.PutBucketEncryption{Bucket: "files", File: good, BucketKey: &yes})
	r := res.(actions.BucketEncryptionResult)
	want := actions.BucketEncryption{SSEAlgorithm: "aws:kms", KMSKeyID: "alias/demo", BucketKey: true, Blocked: []string{"SSE-C"}}
	if !reflect.DeepEqual(*r.Encryption, want) || !strings.Contains(r.Notes[0], "the aws CLI would refuse it") {
		t.Fatalf("fixed file: %+v %q", r.Encryption, r.Notes)
	}
	// The command passes the full form inline, which the aws CLI accepts.
	if c := bkCommands(evs)[0]; !strings.Contains(c.String(), `'{"Rules":[{"ApplyServerSideEncryptionByDefault":{"SSEAlgorithm":"aws:kms","KMSMasterKeyID":"alias/demo"},"BucketKeyEnabled":true}]}'`) {
		t.Fatalf("command %q", c.String())
	}
	out, _ := json.Marshal(r)
	if !strings.Contains(string(out), `"encryption":{"sseAlgorithm":"aws:kms","kmsMasterKeyId":"alias/demo","bucketKeyEnabled":true,"blockedEncryptionTypes":["SSE-C"]}`) {
		t.Fatalf("json %s", out)
	}
}

// TestBucketCommandsRunInAWSCLI runs the mb, put-bucket-encryption and
// get-bucket-encryption commands through Debian's aws CLI and checks they
// do what the actions did.
func TestBucketCommandsRunInAWSCLI(t *testing.T) {
	sandboxtest.DebianAWS(t)
	env := bkEnv(t)
	_, evs := mustRun(t, env, &actions.MakeBucket{Bucket: "mine"})
	full := bkCommands(evs)[0].Full()
	full[len(full)-1] = "s3://theirs" // the same command for another bucket
	if out, errs, err := sandboxtest.AWS(t, env.Backend, full); err != nil || strings.TrimSpace(out) != "make_bucket: theirs" {
		t.Fatalf("aws s3 mb: %v %s %s", err, out, errs)
	}
	res, _ := mustRun(t, env, &actions.GetBucketEncryption{Bucket: "theirs"})
	if !reflect.DeepEqual(*res.(actions.BucketEncryptionResult).Encryption, actions.BucketEncryption{SSEAlgorithm: "AES256", Blocked: []string{"SSE-C"}}) {
		t.Fatalf("bucket made by aws: %+v", res)
	}

	yes := true
	res, evs = mustRun(t, env, &actions.PutBucketEncryption{Bucket: "mine", SSE: actions.SSEKMS, KMSKey: "alias/demo", BucketKey: &yes})
	mine := *res.(actions.BucketEncryptionResult).Encryption
	full = bkCommands(evs)[0].Full()
	for i, a := range full {
		if a == "mine" {
			full[i] = "theirs"
		}
	}
	if out, errs, err := sandboxtest.AWS(t, env.Backend, full); err != nil {
		t.Fatalf("put-bucket-encryption: %v %s %s", err, out, errs)
	}
	_, evs = mustRun(t, env, &actions.GetBucketEncryption{Bucket: "theirs"})
	out, errs, err := sandboxtest.AWS(t, env.Backend, bkCommands(evs)[0].Full())
	if err != nil {
		t.Fatalf("get-bucket-encryption: %v %s %s", err, out, errs)
	}
	var got struct {
		ServerSideEncryptionConfiguration struct {
			Rules []struct {
				ApplyServerSideEncryptionByDefault struct{ SSEAlgorithm, KMSMasterKeyID string }
				BucketKeyEnabled                   bool
			}
		}
	}
	if err := json.Unmarshal([]byte(out), &got); err != nil || len(got.ServerSideEncryptionConfiguration.Rules) != 1 {
		t.Fatalf("get-bucket-encryption output: %v %s", err, out)
	}
	rule := got.ServerSideEncryptionConfiguration.Rules[0]
	if rule.ApplyServerSideEncryptionByDefault.SSEAlgorithm != mine.SSEAlgorithm || rule.ApplyServerSideEncryptionByDefault.KMSMasterKeyID != mine.KMSKeyID ||
		rule.BucketKeyEnabled != mine.BucketKey {
		t.Fatalf("aws CLI sees %+v, s3crypt set %+v", rule, mine)
	}

	// With BlockedEncryptionTypes the command needs a newer aws CLI than
	// Debian's 2.9; the note says so, and the old CLI indeed refuses it.
	no := false
	_, evs = mustRun(t, env, &actions.PutBucketEncryption{Bucket: "mine", BlockSSEC: &no})
	c := bkCommands(evs)[0]
	if out, errs, err := sandboxtest.AWS(t, env.Backend, c.Full()); err != nil && !strings.Contains(errs, `Unknown parameter in ServerSideEncryptionConfiguration.Rules[0]: "BlockedEncryptionTypes"`) {
		t.Fatalf("allow-sse-c through the aws CLI: %v %s %s", err, out, errs)
	}
}
