package cli_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/s3crypt/s3crypt/cli"
	"github.com/s3crypt/s3crypt/internal/sandboxtest"
)

// verbs lists every verb of cli.Root ("kms create-key", "put", …) but
// serve, the UI, the UI's transfer helper (worker) and tape (which renders
// a demo GIF), which print no
// result.
func verbs(t reflect.Type, prefix string) []string {
	var out []string
	for i := range t.NumField() {
		f := t.Field(i)
		if _, ok := f.Tag.Lookup("cmd"); !ok {
			continue
		}
		name := f.Tag.Get("name")
		if name == "" {
			name = strings.ToLower(f.Name)
		}
		if name == "serve" || name == "ui" || name == "worker" || name == "tape" {
			continue
		}
		sub := verbs(f.Type, prefix+name+" ")
		if len(sub) == 0 {
			sub = []string{prefix + name}
		}
		out = append(out, sub...)
	}
	return out
}

// jsonKeys are the top-level keys a verb's --json prints: AWS API names,
// then s3crypt's own; "?" marks those printed only when they apply.
type jsonCase struct {
	verb string // as verbs() names it
	args []string
	keys string
}

var pascalKey = regexp.MustCompile(`^[A-Z][A-Za-z0-9]*$`)

// dataMaps hold data keys (encryption contexts, metadata), not field names.
var dataMaps = map[string]bool{"EncryptionContext": true, "Metadata": true, "MaterialDescription": true,
	"UserEncryptionContext": true, "OtherChecksums": true, "Args": true}

func checkPascal(t *testing.T, what, path string, x any) {
	t.Helper()
	switch x := x.(type) {
	case map[string]any:
		for k, v := range x {
			if !pascalKey.MatchString(k) {
				t.Errorf("%s: key %s%s is not PascalCase", what, path, k)
			}
			if !dataMaps[k] {
				checkPascal(t, what, path+k+".", v)
			}
		}
	case []any:
		for _, v := range x {
			checkPascal(t, what, path, v)
		}
	}
}

// TestJSONEveryVerb runs every verb with --json on one sandbox and checks
// that its top-level keys are the AWS API's names (and s3crypt's extras)
// and that every key is PascalCase.
func TestJSONEveryVerb(t *testing.T) {
	dir, tmp := t.TempDir(), t.TempDir()
	t.Setenv("XDG_DATA_HOME", t.TempDir()) // the lessons' sandboxes and progress
	t.Setenv("XDG_STATE_HOME", t.TempDir())
	file := func(name string, data []byte) string {
		p := filepath.Join(tmp, name)
		if err := os.WriteFile(p, data, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	small := file("small.txt", []byte("hello json"))
	cfg := file("enc.json", []byte(`{"Rules":[{"ApplyServerSideEncryptionByDefault":{"SSEAlgorithm":"aws:kms","KMSMasterKeyID":"alias/j"},"BucketKeyEnabled":true}]}`))
	keyState := "KeyId KeyArn KeyState ?DeletionDate ?PendingWindowInDays ?Warning ?NextStep"
	key := "KeyMetadata Aliases ?KeyRotationEnabled KeyRotation ?RotationPeriodInDays ?Warning"
	object := "?ServerSideEncryption ?SSEKMSKeyId BucketKeyEnabled ?SSECustomerAlgorithm ?SSECustomerKeyMD5 EncryptionMode"
	cases := []jsonCase{
		{"kms create-key", []string{"kms", "create-key", "--alias", "alias/j"}, key},
		{"kms list-keys", []string{"kms", "list-keys"}, "Keys ?UnassignedAliases ?AWSOwnedKey"},
		{"kms describe-key", []string{"kms", "describe-key", "--key-id", "alias/j"}, key},
		{"kms disable-key", []string{"kms", "disable-key", "--key-id", "alias/j"}, keyState},
		{"kms enable-key", []string{"kms", "enable-key", "--key-id", "alias/j"}, keyState},
		{"kms create-alias", []string{"kms", "create-alias", "--alias-name", "alias/j2", "--target-key-id", "{KEY}"}, "AliasName ?TargetKeyId ?TargetKeyArn"},
		{"kms delete-alias", []string{"kms", "delete-alias", "--alias-name", "alias/j2"}, "AliasName ?TargetKeyId ?TargetKeyArn"},
		{"kms generate-data-key", []string{"kms", "generate-data-key", "--key-id", "alias/j", "--out", filepath.Join(tmp, "dk"), "--encryption-context", "a=b"},
			"CiphertextBlob KeyId KeySpec NumberOfBytes EncryptionContext PlaintextFile ?CiphertextBlobFile"},
		{"kms encrypt", []string{"kms", "encrypt", "--key-id", "alias/j", "--in", small, "--out", filepath.Join(tmp, "c.bin")},
			"KeyId EncryptionAlgorithm InputFile OutputFile PlaintextBytes CiphertextBytes ?EncryptionContext ?Note"},
		{"kms decrypt", []string{"kms", "decrypt", "--ciphertext-blob", "fileb://" + filepath.Join(tmp, "c.bin"), "--out", filepath.Join(tmp, "p.bin")},
			"KeyId EncryptionAlgorithm InputFile OutputFile PlaintextBytes CiphertextBytes ?EncryptionContext ?Note"},
		{"kms rotation enable", []string{"kms", "rotation", "enable", "--key-id", "alias/j"}, "KeyId KeyArn KeyRotationEnabled ?RotationPeriodInDays ?NextRotationDate Note"},
		{"kms rotation disable", []string{"kms", "rotation", "disable", "--key-id", "alias/j"}, "KeyId KeyArn KeyRotationEnabled ?RotationPeriodInDays ?NextRotationDate Note"},
		{"kms rotation get", []string{"kms", "rotation", "get", "--key-id", "alias/j"}, "KeyId KeyArn KeyRotationEnabled ?RotationPeriodInDays ?NextRotationDate Note"},
		{"kms rotate", []string{"kms", "rotate", "--key-id", "alias/j"}, "KeyId KeyArn Note"},
		{"kms rotations", []string{"kms", "rotations", "--key-id", "alias/j"}, "KeyId KeyArn Rotations Note"},
		{"endpoint check", []string{"endpoint", "check"}, "Endpoint Bucket Scratch KMSKey Rows Leftovers"},
		{"mb", []string{"mb", "s3://jbucket"}, "Bucket BucketRegion ?Location ServerSideEncryptionConfiguration"},
		{"bucket-encryption put", []string{"bucket-encryption", "put", "s3://jbucket", "--server-side-encryption-configuration", "file://" + cfg},
			"Bucket ServerSideEncryptionConfiguration ?Notes"},
		{"bucket-encryption get", []string{"bucket-encryption", "get", "s3://jbucket"}, "Bucket ServerSideEncryptionConfiguration ?Notes"},
		{"bucket-policy put", []string{"bucket-policy", "put", "s3://jbucket", "--require-tls"}, "Bucket Policy PolicyStatus Summary Enforces ?Notes"},
		{"bucket-policy get", []string{"bucket-policy", "get", "s3://jbucket"}, "Bucket Policy PolicyStatus Summary Enforces ?Notes"},
		{"bucket-policy delete", []string{"bucket-policy", "delete", "s3://jbucket"}, "Bucket Summary ?Notes"},
		{"mb", []string{"mb", "s3://jver"}, "Bucket BucketRegion ?Location ServerSideEncryptionConfiguration"},
		{"versioning put", []string{"versioning", "put", "s3://jver", "--enable"}, "Bucket Status ?MFADelete ?Notes"},
		{"versioning get", []string{"versioning", "get", "s3://jver"}, "Bucket Status ?MFADelete ?Notes"},
		{"put", []string{"put", small, "s3://jbucket/dir/a.txt"},
			"Bucket Key ?VersionId ETag Size " + object + " ?PartsCount DurationSeconds KMSRequestCount ?ClientSide"},
		{"reencrypt", []string{"reencrypt", "s3://jbucket/dir/a.txt", "--sse", "aws:kms", "--kms-key", "alias/j"},
			"Bucket Key Path Why Rewrote Size BeforeMode AfterMode ?BeforeKMSKeyArn ?AfterKMSKeyArn BeforeBucketKey AfterBucketKey ?VersionIdBefore ?VersionIdAfter ?ETagBefore ?ETagAfter Verified ?Mismatch ?Notes"},
		{"reencrypt", []string{"reencrypt", "s3://jbucket/", "--recursive", "--dry-run", "--sse", "aws:kms", "--kms-key", "alias/j", "--bucket-key"},
			"Bucket Prefix Target ?TargetKMSKeyArn Versioning Objects Bytes Filtered Groups Paths PathBytes Cannot Items KMSRequests KMSCostUSD PriceSource OlderVersions OlderVersionBytes ?Notes"},
		{"ls", []string{"ls", "s3://jbucket", "--recursive"}, "Name Prefix ?Delimiter CommonPrefixes Contents Pages ?Notes"},
		{"ls", []string{"ls", "s3://jver", "--versions"}, "Name Prefix Versions DeleteMarkers ?Notes"},
		{"head", []string{"head", "s3://jbucket/dir/a.txt"},
			"Bucket Key ?VersionId ContentLength ETag LastModified ?ContentType ?PartsCount ?ChecksumCRC32 ?ChecksumCRC32C ?ChecksumCRC64NVME ?ChecksumSHA1 ?ChecksumSHA256 ?OtherChecksums ?ChecksumType " +
				object + " ?KMSKey ?ClientSide ?Metadata ?AtRest ?Notes"},
		{"get", []string{"get", "s3://jbucket/dir/a.txt", filepath.Join(tmp, "got.txt")},
			"Bucket Key OutputFile ?VersionId Size " + object + " DurationSeconds KMSRequestCount ?ClientSide"},
		{"rm", []string{"rm", "s3://jbucket/dir/a.txt"}, "Bucket Key ?VersionId DeleteMarker"},
		{"bucket-encryption delete", []string{"bucket-encryption", "delete", "s3://jbucket"}, "Bucket ServerSideEncryptionConfiguration ?Notes"},
		{"rb", []string{"rb", "s3://jbucket"}, "Bucket"},
		{"cost", []string{"cost", "--puts", "1000", "--gets", "5"}, "Workload EncryptionMode WithoutBucketKey WithBucketKey Prices ?Notes ?Measured"},
		{"kms key-usage", []string{"kms", "key-usage", "--key-id", "alias/j"},
			"KeyId KeyArn Aliases KeyState DefaultBuckets Buckets Objects NoncurrentVersions Bytes VersionsScanned S3Requests Cached ?Notes"},
		{"audit", []string{"audit", "--objects"}, "Buckets ?Keys Findings Counts ObjectsRead VersionsScanned Requests ?Notes"},
		{"kms schedule-key-deletion", []string{"kms", "schedule-key-deletion", "--key-id", "alias/j", "--pending-window-in-days", "7"}, keyState},
		{"kms cancel-key-deletion", []string{"kms", "cancel-key-deletion", "--key-id", "alias/j"}, keyState},
	}
	cases = append(cases,
		jsonCase{"learn list", []string{"learn", "list"}, "Lessons"},
		jsonCase{"learn show", []string{"learn", "show", "2"}, "ID Number Title Text Steps Coming"},
		jsonCase{"learn reset", []string{"learn", "reset", "2"}, "Lesson Reset"})
	// ls without a URL lists buckets: run it while one exists.
	cases = append(cases[:26], append([]jsonCase{{"ls", []string{"ls"}, "Buckets"}}, cases[26:]...)...)

	covered := map[string]bool{}
	keyID := ""
	for _, c := range cases {
		covered[c.verb] = true
		args := []string{"--json"}
		for _, a := range c.args {
			args = append(args, strings.ReplaceAll(a, "{KEY}", keyID))
		}
		r := kmsCLI(t, dir, 0, args...)
		var doc map[string]any
		if err := json.Unmarshal([]byte(r.Stdout), &doc); err != nil {
			t.Fatalf("%s --json: %v\n%s", c.verb, err, r.Stdout)
		}
		if m, ok := doc["KeyMetadata"].(map[string]any); ok && keyID == "" {
			keyID, _ = m["KeyId"].(string)
		}
		allowed := map[string]bool{}
		for _, k := range strings.Fields(c.keys) {
			name, optional := strings.CutPrefix(k, "?")
			allowed[name] = true
			if _, ok := doc[name]; !ok && !optional {
				t.Errorf("%s --json lacks %s:\n%s", c.verb, name, r.Stdout)
			}
		}
		for k := range doc {
			if !allowed[k] {
				t.Errorf("%s --json has %s, not one of %s", c.verb, k, c.keys)
			}
		}
		checkPascal(t, c.verb, "", doc)
		if c.verb == "head" && doc["ServerSideEncryption"] != "aws:kms" {
			t.Errorf("head under the bucket's SSE-KMS rule: %v", doc["ServerSideEncryption"])
		}
	}
	// learn check exits 1 until every step passes: on a fresh lesson sandbox.
	r := kmsCLI(t, dir, 1, "--json", "learn", "check", "2")
	var doc map[string]any
	if err := json.Unmarshal([]byte(r.Stdout), &doc); err != nil {
		t.Fatalf("learn check --json: %v\n%s", err, r.Stdout)
	}
	for _, k := range []string{"Lesson", "Number", "Title", "Steps", "Passed", "Total"} {
		if _, ok := doc[k]; !ok {
			t.Errorf("learn check --json lacks %s:\n%s", k, r.Stdout)
		}
	}
	checkPascal(t, "learn check", "", doc)
	covered["learn check"] = true
	var missing []string
	for _, v := range verbs(reflect.TypeOf(cli.Root{}), "") {
		if !covered[v] {
			missing = append(missing, v)
		}
	}
	sort.Strings(missing)
	if len(missing) > 0 {
		t.Errorf("verbs without a --json case: %v", missing)
	}
}

// jsonValues decodes every JSON value of a stream, failing on anything else.
func jsonValues(t *testing.T, what, text string) []map[string]any {
	t.Helper()
	dec := json.NewDecoder(strings.NewReader(text))
	var out []map[string]any
	for {
		var v map[string]any
		err := dec.Decode(&v)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("%s: standard error is not JSON: %v\n%s", what, err, text)
		}
		out = append(out, v)
	}
	return out
}

// TestJSONErrors: under --json a failure is one JSON object on standard
// error with Code, Message, Why and Fix, and the exit code is unchanged;
// without --json the message stays text.
func TestJSONErrors(t *testing.T) {
	dir := objectsSandbox(t)
	for _, c := range []struct {
		args []string
		code int
		want string // the Code
	}{
		{[]string{"kms", "schedule-key-deletion"}, 2, "UsageError"},                                                             // kong: --key-id missing
		{[]string{"kms", "schedule-key-deletion", "--key-id", "k", "--json", "--pending-window-in-days", "3"}, 2, "UsageError"}, // the verb's own check
		{[]string{"head", "nope"}, 2, "UsageError"},
		{[]string{"head", "s3://files/missing"}, 1, "NotFound"},
		{[]string{"ls", "s3://no-such-bucket"}, 1, "NoSuchBucket"},
		{[]string{"kms", "describe-key", "--key-id", "alias/none"}, 1, "NotFoundException"},
		{[]string{"get", "s3://files/missing", filepath.Join(t.TempDir(), "o"), "--sse-c-key", "fileb://" + filepath.Join(t.TempDir(), "none")}, 1, "Failed"},
	} {
		args := c.args
		if !slicesContains(args, "--json") {
			args = append([]string{"--json"}, args...)
		}
		r := sandboxtest.CLI(t, append([]string{"--data", dir}, args...)...)
		if r.Code != c.code {
			t.Errorf("%q: exit %d, want %d\n%s", args, r.Code, c.code, r.Stderr)
			continue
		}
		vals := jsonValues(t, strings.Join(args, " "), r.Stderr)
		if len(vals) != 1 {
			t.Errorf("%q: %d JSON values on stderr, want 1:\n%s", args, len(vals), r.Stderr)
			continue
		}
		e := vals[0]
		for _, k := range []string{"Code", "Message", "Why", "Fix"} {
			if _, ok := e[k].(string); !ok {
				t.Errorf("%q: error lacks %s: %s", args, k, r.Stderr)
			}
		}
		if e["Code"] != c.want || e["Message"] == "" || r.Stdout != "" {
			t.Errorf("%q: Code %v, want %s; stdout %q\n%s", args, e["Code"], c.want, r.Stdout, r.Stderr)
		}
	}
	r := sandboxtest.CLI(t, "--data", dir, "head", "s3://files/missing")
	if r.Code != 1 || !strings.HasPrefix(r.Stderr, "s3crypt: inspect s3://files/missing: s3://files/missing does not exist") {
		t.Errorf("without --json: %d %q", r.Code, r.Stderr)
	}
	// A cancelled run is Cancelled, exit 130.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var out, errb bytes.Buffer
	if code := cli.Run(ctx, []string{"--data", dir, "--json", "ls"}, &out, &errb); code != 130 {
		t.Logf("a cancelled ls: exit %d (%s)", code, errb.String()) // the backend may fail first
	} else if v := jsonValues(t, "cancelled", errb.String()); len(v) != 1 || v[0]["Code"] != "Cancelled" {
		t.Errorf("cancelled: %s", errb.String())
	}
}

func slicesContains(s []string, v string) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

// TestJSONStderrNotices: under --json, s3crypt's own warnings and notices
// on standard error are JSON values too.
func TestJSONStderrNotices(t *testing.T) {
	dir := objectsSandbox(t)
	kmsCLI(t, dir, 0, "kms", "create-key", "--alias", "alias/n")
	r := kmsCLI(t, dir, 0, "--json", "kms", "generate-data-key", "--key-id", "alias/n")
	v := jsonValues(t, "generate-data-key", r.Stderr)
	if len(v) != 1 || !strings.Contains(v[0]["Warning"].(string), "defeats envelope encryption") {
		t.Fatalf("warning: %s", r.Stderr)
	}
	var dk struct{ Plaintext, KeyID string }
	if err := json.Unmarshal([]byte(r.Stdout), &dk); err != nil || len(dk.Plaintext) != 44 || !strings.Contains(dk.KeyID, ":key/") {
		t.Fatalf("generate-data-key --json: %v %s", err, r.Stdout)
	}
	src, _ := objectsFile(t, 10)
	keyFile := filepath.Join(t.TempDir(), "k.bin")
	r = kmsCLI(t, dir, 0, "--json", "put", src, "s3://files/c", "--sse-c-generate", keyFile)
	if v := jsonValues(t, "put --sse-c-generate", r.Stderr); len(v) != 1 || !strings.Contains(v[0]["Notice"].(string), "wrote a new 32-byte SSE-C key to "+keyFile) {
		t.Fatalf("notice: %s", r.Stderr)
	}
	r = kmsCLI(t, dir, 0, "--json", "head", "s3://files/c", "--sse-c-key", "fileb://"+keyFile)
	var h map[string]any
	if err := json.Unmarshal([]byte(r.Stdout), &h); err != nil || h["SSECustomerAlgorithm"] != "AES256" || h["SSECustomerKeyMD5"] == nil ||
		h["EncryptionMode"] != "SSE-C" {
		t.Fatalf("head of an SSE-C object: %v %s", err, r.Stdout)
	}
}
