package e2e

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/s3crypt/s3crypt/internal/testtool"
)

// jqShell runs shell lines as a user would type them, with $S3CRYPT the
// built binary on a fresh sandbox data directory ($DATA) and jq on PATH.
type jqShell struct {
	t        *testing.T
	sh, home string
	env      []string
	s3crypt  string
	dataDir  string
}

func newJQShell(t *testing.T) *jqShell {
	t.Helper()
	jq := testtool.Require(t, "jq")
	s := &jqShell{t: t, sh: testtool.Require(t, "sh"), home: t.TempDir(), s3crypt: testtool.BuildBinary(t),
		dataDir: t.TempDir()}
	// The sandbox, whatever the caller's AWS settings: no AWS_* variables.
	s.env = []string{"PATH=" + filepath.Dir(jq) + ":/usr/bin:/bin", "HOME=" + s.home, "LANG=C.UTF-8",
		"TMPDIR=" + os.TempDir(), "S3CRYPT=" + s.s3crypt, "DATA=" + s.dataDir}
	return s
}

// run executes script in $HOME; s3crypt is a shell function that passes
// --data "$DATA".
func (s *jqShell) run(script string) (stdout, stderr string, code int) {
	s.t.Helper()
	s.t.Logf("$ %s", script)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	prelude := `s3crypt() { "$S3CRYPT" --data "$DATA" "$@"; }` + "\n"
	cmd := exec.CommandContext(ctx, s.sh, "-c", prelude+script)
	cmd.Dir, cmd.Env = s.home, s.env
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code = 0
	if ee := (*exec.ExitError)(nil); errors.As(err, &ee) {
		code = ee.ExitCode()
	} else if err != nil {
		s.t.Fatalf("run %q: %v", script, err)
	}
	return out.String(), errb.String(), code
}

// must runs script and fails the test unless it exits 0.
func (s *jqShell) must(script string) string {
	s.t.Helper()
	out, errs, code := s.run(script)
	if code != 0 {
		s.t.Fatalf("%s: exit %d\nstdout:\n%s\nstderr:\n%s", script, code, out, errs)
	}
	return strings.TrimSpace(out)
}

var keyIDPattern = regexp.MustCompile(`^"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"$`)

// TestCLIJSONWithJQ pipes the built binary's --json into jq as the README
// shows: the field names are the AWS API's, so the jq a user writes for
// `aws kms create-key` or `aws s3api head-object` works on s3crypt's too.
func TestCLIJSONWithJQ(t *testing.T) {
	s := newJQShell(t)
	if err := os.WriteFile(filepath.Join(s.home, "report.txt"), []byte("quarterly report\n"), 0o600); err != nil {
		t.Fatal(err)
	}

	id := s.must(`s3crypt kms create-key --json | jq -e .KeyMetadata.KeyId`)
	if !keyIDPattern.MatchString(id) {
		t.Fatalf("create-key | jq .KeyMetadata.KeyId = %s", id)
	}
	if got := s.must(`s3crypt kms describe-key --key-id ` + strings.Trim(id, `"`) + ` --json | jq -e -r '.KeyMetadata.KeyState'`); got != "Enabled" {
		t.Fatalf("describe-key KeyState = %q", got)
	}

	s.must(`s3crypt mb s3://jq-demo --json | jq -e '.ServerSideEncryptionConfiguration.Rules[0].ApplyServerSideEncryptionByDefault.SSEAlgorithm == "AES256"'`)
	s.must(`s3crypt put report.txt s3://jq-demo/report.txt --json | jq -e '.DurationSeconds >= 0'`)
	if got := s.must(`s3crypt head s3://jq-demo/report.txt --json | jq -e .ServerSideEncryption`); got != `"AES256"` {
		t.Fatalf("head | jq .ServerSideEncryption = %s", got)
	}

	// The aws CLI's flag names, and jq on the fields aws s3api prints.
	key := strings.Trim(id, `"`)
	got := s.must(`s3crypt put report.txt s3://jq-demo/kms.txt --server-side-encryption aws:kms --ssekms-key-id ` + key +
		` --bucket-key-enabled --json | jq -e -r '[.ServerSideEncryption, .SSEKMSKeyId, .BucketKeyEnabled] | @tsv'`)
	if f := strings.Split(got, "\t"); len(f) != 3 || f[0] != "aws:kms" || !strings.HasSuffix(f[1], ":key/"+key) || f[2] != "true" {
		t.Fatalf("put with the aws CLI's names: %q", got)
	}
	if got := s.must(`s3crypt head s3://jq-demo/kms.txt --json | jq -e -r .KMSKey.KeyId`); got != key {
		t.Fatalf("head .KMSKey.KeyId = %q, want %s", got, key)
	}
	if got := s.must(`s3crypt ls s3://jq-demo --json | jq -e -r '[.Contents[].Key] | join(",")'`); got != "kms.txt,report.txt" {
		t.Fatalf("ls .Contents[].Key = %q", got)
	}

	// Under --json, --trace and --show-aws write JSON lines on stderr.
	if got := s.must(`s3crypt put report.txt s3://jq-demo/t.txt --json --trace --show-aws 2>&1 >/dev/null | ` +
		`jq -e -s -r '[(map(select(.Step)) | length > 0), (map(select(.AWSCommand)) | .[0].AWSCommand)] | @tsv'`); !strings.HasPrefix(got, "true\taws s3api put-object --bucket jq-demo --key t.txt") {
		t.Fatalf("--trace --show-aws under --json: %q", got)
	}

	// An error under --json: one JSON object on stderr, exit code 1.
	out, errs, code := s.run(`s3crypt head s3://jq-demo/missing.txt --json 2>err.json`)
	if code != 1 || out != "" {
		t.Fatalf("head of a missing object: exit %d, stdout %q, stderr %q", code, out, errs)
	}
	s.must(`jq -e '(.Code | type == "string") and (.Message | test("missing.txt")) and has("Why") and (.Fix | test("s3crypt ls"))' err.json`)
	// A usage error: exit 2, also JSON.
	if _, _, code := s.run(`s3crypt kms schedule-key-deletion --json 2>usage.json`); code != 2 {
		t.Fatalf("usage error: exit %d", code)
	}
	s.must(`jq -e '.Code == "UsageError" and (.Message | test("key-id"))' usage.json`)
	// Without --json the error stays text.
	if _, errs, code := s.run(`s3crypt head s3://jq-demo/missing.txt`); code != 1 || !strings.HasPrefix(errs, "s3crypt: ") {
		t.Fatalf("without --json: exit %d, %q", code, errs)
	}
}

// TestCLIJSONMatchesAWSCLI compares s3crypt's --json with what Debian's
// aws CLI prints for the same API against the same `s3crypt serve`: each
// AWS-named field s3crypt prints is one the aws CLI prints too, with the
// same value (timestamps aside: both ISO 8601, formatted differently).
func TestCLIJSONMatchesAWSCLI(t *testing.T) {
	bin := testtool.BuildBinary(t)
	srv := testtool.StartServe(t, bin, t.TempDir())
	s := newShell(t, srv, testtool.Require(t, testtool.DebianAWS))
	s.write("f.txt", []byte("compare me\n"))
	s3crypt := shellQuote(bin) // reads AWS_ENDPOINT_URL and AWS_CA_BUNDLE from serve's exports

	created := s.jsonOut(s.ok(`aws kms create-key --description cmp`))
	id := str(created, "KeyMetadata", "KeyId")
	ours := s.jsonOut(s.ok(s3crypt + ` kms describe-key --key-id ` + id + ` --json`))
	theirs := s.jsonOut(s.ok(`aws kms describe-key --key-id ` + id))
	sameFields(t, "KeyMetadata", ours["KeyMetadata"], theirs["KeyMetadata"], "CreationDate")

	s.ok(`aws s3api create-bucket --bucket cmp-json`)
	s.ok(`aws s3api put-bucket-encryption --bucket cmp-json --server-side-encryption-configuration '{"Rules":[{"ApplyServerSideEncryptionByDefault":{"SSEAlgorithm":"aws:kms","KMSMasterKeyID":"` + id + `"},"BucketKeyEnabled":true}]}'`)
	ours = s.jsonOut(s.ok(s3crypt + ` bucket-encryption get s3://cmp-json --json`))
	theirs = s.jsonOut(s.ok(`aws s3api get-bucket-encryption --bucket cmp-json`))
	// Debian's aws CLI 2.9 predates BlockedEncryptionTypes and drops it.
	rules := ours["ServerSideEncryptionConfiguration"].(map[string]any)["Rules"].([]any)
	delete(rules[0].(map[string]any), "BlockedEncryptionTypes")
	sameFields(t, "ServerSideEncryptionConfiguration", ours["ServerSideEncryptionConfiguration"], theirs["ServerSideEncryptionConfiguration"])

	s.ok(`aws s3api put-object --bucket cmp-json --key k.txt --body f.txt --server-side-encryption aws:kms --ssekms-key-id ` + id + ` --bucket-key-enabled`)
	ours = s.jsonOut(s.ok(s3crypt + ` head s3://cmp-json/k.txt --json`))
	theirs = s.jsonOut(s.ok(`aws s3api head-object --bucket cmp-json --key k.txt --checksum-mode ENABLED`))
	headFields := map[string]any{}
	// ChecksumType is left out: Debian's aws CLI 2.9 predates it.
	for _, k := range []string{"ContentLength", "ETag", "ContentType", "VersionId", "PartsCount", "ChecksumCRC32", "ChecksumCRC32C",
		"ChecksumSHA1", "ChecksumSHA256", "ServerSideEncryption", "SSEKMSKeyId", "BucketKeyEnabled", "Metadata"} {
		if v, ok := ours[k]; ok {
			headFields[k] = v
		}
	}
	if len(headFields) < 5 {
		t.Fatalf("s3crypt head --json has few head-object fields: %v", ours)
	}
	sameFields(t, "head-object", headFields, theirs)

	ours = s.jsonOut(s.ok(s3crypt + ` ls s3://cmp-json --json`))
	theirs = s.jsonOut(s.ok(`aws s3api list-objects-v2 --bucket cmp-json --no-paginate`)) // one response, Name included
	if ours["Name"] != theirs["Name"] {
		t.Errorf("list Name: %v vs %v", ours["Name"], theirs["Name"])
	}
	o, a := ours["Contents"].([]any)[0].(map[string]any), theirs["Contents"].([]any)[0].(map[string]any)
	sameFields(t, "Contents[0]", map[string]any{"Key": o["Key"], "ETag": o["ETag"], "Size": o["Size"], "StorageClass": o["StorageClass"]}, a)
}

// sameFields checks that every field of ours is in theirs with the same
// value, recursively, except the named timestamp fields (present only).
func sameFields(t *testing.T, what string, ours, theirs any, timestamps ...string) {
	t.Helper()
	switch o := ours.(type) {
	case map[string]any:
		th, ok := theirs.(map[string]any)
		if !ok {
			t.Errorf("%s: s3crypt prints an object, the aws CLI %T", what, theirs)
			return
		}
		for k, v := range o {
			tv, ok := th[k]
			if !ok {
				t.Errorf("%s.%s: s3crypt prints it, the aws CLI does not (aws: %v)", what, k, th)
				continue
			}
			if slicesContain(timestamps, k) {
				continue
			}
			sameFields(t, what+"."+k, v, tv)
		}
	case []any:
		th, ok := theirs.([]any)
		if !ok || len(th) != len(o) {
			t.Errorf("%s: s3crypt %v, aws CLI %v", what, ours, theirs)
			return
		}
		for i := range o {
			sameFields(t, what, o[i], th[i])
		}
	default:
		if !reflect.DeepEqual(ours, theirs) {
			t.Errorf("%s: s3crypt %v, aws CLI %v", what, ours, theirs)
		}
	}
}

func slicesContain(s []string, v string) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}
