package cli_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/s3crypt/s3crypt/internal/sandboxtest"
)

// TestAuditVerbExitCodes: --fail-on exits 3 when a finding is at or above
// the severity, 0 otherwise; --json decodes into the documented fields;
// --markdown is a table; bad lines exit 2.
func TestAuditVerbExitCodes(t *testing.T) {
	dir := t.TempDir()
	if r := sandboxtest.CLI(t, "--data", dir, "mb", "s3://posture"); r.Code != 0 {
		t.Fatal(r.Stderr)
	}
	// A fresh bucket: SSE-S3 (low), versioning off (low), no TLS policy
	// (medium); nothing high.
	for sev, code := range map[string]int{"info": 3, "low": 3, "medium": 3, "high": 0, "critical": 0} {
		r := sandboxtest.CLI(t, "--data", dir, "audit", "s3://posture", "--fail-on", sev)
		if r.Code != code {
			t.Errorf("--fail-on %s: exit %d, want %d\n%s%s", sev, r.Code, code, r.Stdout, r.Stderr)
		}
		if code == 3 && !strings.Contains(r.Stderr, "at or above "+sev) {
			t.Errorf("--fail-on %s: stderr %q", sev, r.Stderr)
		}
	}
	if r := sandboxtest.CLI(t, "--data", dir, "audit"); r.Code != 0 || !strings.Contains(r.Stdout, "[MEDIUM] bucket-policy-no-tls  s3://posture") {
		t.Errorf("no --fail-on: exit %d\n%s", r.Code, r.Stdout)
	}
	r := sandboxtest.CLI(t, "--data", dir, "audit", "--objects", "--json")
	var got struct {
		Buckets []struct {
			Bucket, DefaultEncryption, Versioning, Policy string
			SSECBlocked, BucketKeyEnabled                 bool
		}
		Findings []struct{ Id, Severity, Bucket, Reason, Fix, FixAWS string }
		Counts   struct{ Critical, High, Medium, Low, Info int }
	}
	if err := json.Unmarshal([]byte(r.Stdout), &got); err != nil || r.Code != 0 {
		t.Fatalf("exit %d, %v\n%s", r.Code, err, r.Stdout)
	}
	if len(got.Buckets) != 1 || got.Buckets[0].DefaultEncryption != "SSE-S3, SSE-C blocked" || !got.Buckets[0].SSECBlocked ||
		got.Counts.Low != 2 || got.Counts.Medium != 1 || len(got.Findings) != 3 {
		t.Errorf("json: %+v", got)
	}
	if r := sandboxtest.CLI(t, "--data", dir, "audit", "--markdown"); r.Code != 0 || !strings.Contains(r.Stdout, "| severity | id | where | reason | fix | aws |") {
		t.Errorf("markdown: %d\n%s", r.Code, r.Stdout)
	}
	for _, args := range [][]string{{"audit", "--json", "--markdown"}, {"audit", "s3://posture/key"}, {"audit", "--fail-on", "severe"}, {"audit", "posture"}} {
		if r := sandboxtest.CLI(t, append([]string{"--data", dir}, args...)...); r.Code != 2 {
			t.Errorf("%v: exit %d, want 2\n%s", args, r.Code, r.Stderr)
		}
	}
}
