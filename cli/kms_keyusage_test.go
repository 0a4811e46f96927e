package cli_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/s3crypt/s3crypt/internal/sandboxtest"
)

// TestKeyUsageVerb: kms key-usage finds the object and the bucket default
// under a key named by alias, in text and JSON; --bucket narrows it.
func TestKeyUsageVerb(t *testing.T) {
	dir := t.TempDir()
	f := filepath.Join(t.TempDir(), "a.txt")
	if err := os.WriteFile(f, []byte("hello"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{{"kms", "create-key", "--alias", "alias/ku"}, {"mb", "s3://ku-one"}, {"mb", "s3://ku-two"},
		{"bucket-encryption", "put", "s3://ku-two", "--sse", "aws:kms", "--kms-key", "alias/ku"},
		{"put", f, "s3://ku-one/a.txt", "--sse", "aws:kms", "--kms-key", "alias/ku"}} {
		if r := sandboxtest.CLI(t, append([]string{"--data", dir}, args...)...); r.Code != 0 {
			t.Fatalf("%v: %s", args, r.Stderr)
		}
	}
	r := sandboxtest.CLI(t, "--data", dir, "kms", "key-usage", "--key-id", "alias/ku")
	if r.Code != 0 || !strings.Contains(r.Stdout, "1 object version(s) (5 B) in 1 bucket(s); default key of s3://ku-two") {
		t.Fatalf("exit %d\n%s%s", r.Code, r.Stdout, r.Stderr)
	}
	r = sandboxtest.CLI(t, "--data", dir, "kms", "key-usage", "--key-id", "alias/ku", "--bucket", "ku-two", "--json")
	var got struct {
		Objects        int64
		DefaultBuckets []string
		Buckets        []struct{ Bucket string }
	}
	if err := json.Unmarshal([]byte(r.Stdout), &got); err != nil || got.Objects != 0 || len(got.Buckets) != 1 || len(got.DefaultBuckets) != 1 {
		t.Fatalf("%v %+v\n%s", err, got, r.Stdout)
	}
	if r := sandboxtest.CLI(t, "--data", dir, "kms", "key-usage", "--key-id", "alias/nope"); r.Code != 1 {
		t.Errorf("unknown key: exit %d\n%s", r.Code, r.Stderr)
	}
}
