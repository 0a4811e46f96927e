package testtool

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// fakeTB records Skip and Fatal instead of ending the test.
type fakeTB struct {
	testing.TB
	skipped, failed string
}

func (f *fakeTB) Helper()                   {}
func (f *fakeTB) Skip(args ...any)          { f.skipped = fmt.Sprint(args...) }
func (f *fakeTB) Fatalf(s string, a ...any) { f.failed = fmt.Sprintf(s, a...) }

func TestRequire(t *testing.T) {
	if p := Require(t, "sh"); p == "" {
		t.Fatal("Require(sh) returned no path")
	}
	t.Setenv(RequireToolsEnv, "")
	f := &fakeTB{TB: t}
	if p := Require(f, "no-such-tool-s3crypt"); p != "" || f.failed != "" {
		t.Fatalf("missing tool: path %q, failed %q", p, f.failed)
	}
	if want := "needs no-such-tool-s3crypt: install with apt-get install -y no-such-tool-s3crypt"; f.skipped != want {
		t.Fatalf("skip message %q, want %q", f.skipped, want)
	}
	f = &fakeTB{TB: t}
	Require(f, "aws")
	if f.skipped != "" && f.skipped != "needs aws: install with apt-get install -y awscli" {
		t.Fatalf("aws skip message %q", f.skipped)
	}
	t.Setenv(RequireToolsEnv, "1")
	f = &fakeTB{TB: t}
	Require(f, "no-such-tool-s3crypt")
	if f.failed == "" || f.skipped != "" {
		t.Fatalf("with %s=1 a missing tool must fail: skipped %q failed %q", RequireToolsEnv, f.skipped, f.failed)
	}
}

func TestRequireDebianAWSIsExactPath(t *testing.T) {
	t.Setenv(RequireToolsEnv, "")
	f := &fakeTB{TB: t}
	p := Require(f, DebianAWS)
	_, statErr := os.Stat("/usr/bin/aws")
	switch {
	case statErr == nil && p != "/usr/bin/aws":
		t.Fatalf("aws-debian resolved to %q, want /usr/bin/aws", p)
	case statErr != nil && f.skipped != "needs aws-debian: install with apt-get install -y awscli":
		t.Fatalf("aws-debian missing: skip message %q", f.skipped)
	}
}

func TestStartServe(t *testing.T) {
	t.Setenv("AWS_PROFILE", "leaky-profile")
	bin := BuildBinary(t)
	if again := BuildBinary(t); again != bin {
		t.Fatalf("BuildBinary built twice: %s then %s", bin, again)
	}
	dir := t.TempDir()
	s := StartServe(t, bin, dir)
	if !strings.HasPrefix(s.Endpoint, "https://127.0.0.1:") || s.Region != "us-east-1" || s.AccessKeyID == "" || s.Secret == "" {
		t.Fatalf("exports not parsed: endpoint %q region %q key id %q", s.Endpoint, s.Region, s.AccessKeyID)
	}
	if s.CAFile != dir+"/ca.pem" {
		t.Fatalf("CA file %q, want %s/ca.pem", s.CAFile, dir)
	}
	checkEnv(t, s)

	s3c, _, err := s.Clients()
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := s3c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("ttt")}); err != nil {
		t.Fatalf("create bucket through the SDK config: %v", err)
	}
	body, err := s.Reserved(ctx, "kms-calls")
	if err != nil || !json.Valid(body) {
		t.Fatalf("reserved kms-calls: %v %q", err, body)
	}

	if _, err := Launch(bin, dir); err == nil || !strings.Contains(err.Error(), "in use") {
		t.Fatalf("a second serve on the same directory: err %v, want 'in use'", err)
	}
	if err := s.Stop(); err != nil {
		t.Fatalf("stop: %v", err)
	}
	if err := syscall.Kill(s.PID(), 0); err == nil {
		t.Fatalf("process %d still exists after Stop", s.PID())
	}

	s2 := StartServe(t, bin, dir)
	if s2.AccessKeyID != s.AccessKeyID || s2.Secret != s.Secret {
		t.Fatal("credentials changed across restarts of one data directory")
	}
	s3c, _, _ = s2.Clients()
	out, err := s3c.ListBuckets(ctx, &s3.ListBucketsInput{})
	if err != nil || len(out.Buckets) != 1 || aws.ToString(out.Buckets[0].Name) != "ttt" {
		t.Fatalf("bucket lost across restart: %v %+v", err, out)
	}
	s2.Kill()
	if !s2.Exited() || s2.Stop() != nil {
		t.Fatal("Kill did not end the process, or Stop after Kill failed")
	}
}

// checkEnv asserts what Env gives an AWS CLI child process.
func checkEnv(t *testing.T, s *Serve) {
	t.Helper()
	env := map[string]string{}
	for _, kv := range s.Env() {
		k, v, _ := strings.Cut(kv, "=")
		if _, dup := env[k]; dup {
			t.Fatalf("Env sets %s twice", k)
		}
		env[k] = v
	}
	want := map[string]string{
		"AWS_ENDPOINT_URL": s.Endpoint, "AWS_CA_BUNDLE": s.CAFile, "AWS_ACCESS_KEY_ID": s.AccessKeyID,
		"AWS_SECRET_ACCESS_KEY": s.Secret, "AWS_REGION": "us-east-1", "AWS_DEFAULT_REGION": "us-east-1",
		"AWS_CONFIG_FILE": os.DevNull, "AWS_SHARED_CREDENTIALS_FILE": os.DevNull, "AWS_PAGER": "", "AWS_DEFAULT_OUTPUT": "json",
	}
	for k, v := range want {
		if got, ok := env[k]; !ok || got != v {
			t.Errorf("Env %s = %q (set %v), want %q", k, got, ok, v)
		}
	}
	if _, ok := env["AWS_PROFILE"]; ok {
		t.Error("Env leaks AWS_PROFILE from the test process")
	}
}
