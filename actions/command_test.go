package actions_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/s3crypt/s3crypt/actions"
	"github.com/s3crypt/s3crypt/awsclient"
	s3c "github.com/s3crypt/s3crypt/crypto"
	"github.com/s3crypt/s3crypt/internal/sandboxtest"
)

func commandOf(t *testing.T, evs []actions.Event) actions.Command {
	t.Helper()
	for _, e := range evs {
		if c, ok := e.(actions.CommandEvent); ok {
			return c.Command
		}
	}
	t.Fatal("no Command event")
	return actions.Command{}
}

// TestPutGetCommandsRunInAWSCLI runs the aws commands that put and get
// report through Debian's aws CLI and checks they do the same thing.
func TestPutGetCommandsRunInAWSCLI(t *testing.T) {
	sandboxtest.DebianAWS(t)
	env := xferEnv(t)
	xferBucket(t, env.Backend, "cmds", true)
	src, data := xferFile(t, 5000)
	keyFile := filepath.Join(t.TempDir(), "ssec.key")
	k, _ := s3c.RandomKey(32)
	if err := s3c.WriteKeyFile(keyFile, k, s3c.KeyFileRaw, false); err != nil {
		t.Fatal(err)
	}
	yes := true
	for name, p := range map[string]*actions.Put{
		"kms-bk": {SSE: actions.SSEKMS, BucketKey: &yes},
		"dsse":   {SSE: actions.DSSEKMS},
		"sse-s3": {SSE: actions.SSES3},
		"sse-c":  {SSEC: &actions.SSECKey{Key: k, File: keyFile}},
	} {
		p.File, p.Bucket, p.Key = src, "cmds", name
		res, err, evs := collect(t, env, p)
		if err != nil {
			t.Fatal(err)
		}
		mine := res.(actions.PutResult).Encryption
		// Delete the object, then let the aws CLI upload it again.
		if _, err := env.Backend.S3.DeleteObject(context.Background(), &s3.DeleteObjectInput{Bucket: aws.String("cmds"), Key: aws.String(name)}); err != nil {
			t.Fatal(err)
		}
		cmd := commandOf(t, evs)
		stdout, stderr, err := sandboxtest.AWS(t, env.Backend, cmd.Full())
		if err != nil {
			t.Fatalf("%s: %s\n%s%s", name, cmd.String(), stdout, stderr)
		}
		var out struct {
			ServerSideEncryption string
			SSEKMSKeyId          string
			BucketKeyEnabled     bool
			SSECustomerKeyMD5    string
		}
		if err := json.Unmarshal([]byte(stdout), &out); err != nil {
			t.Fatalf("%s: %v %s", name, err, stdout)
		}
		if out.ServerSideEncryption != mine.SSE || out.SSEKMSKeyId != mine.KMSKeyARN || out.BucketKeyEnabled != mine.BucketKey ||
			out.SSECustomerKeyMD5 != mine.SSECKeyMD5 {
			t.Fatalf("%s: aws CLI gave %+v, s3crypt %+v", name, out, mine)
		}
		// And the get command reads back the same bytes.
		dst := filepath.Join(t.TempDir(), "via-aws")
		g := &actions.Get{Bucket: "cmds", Key: name, File: dst}
		if name == "sse-c" {
			g.SSEC = &actions.SSECKey{Key: k, File: keyFile}
		}
		if _, err, evs = collect(t, env, g); err != nil {
			t.Fatal(err)
		}
		os.Remove(dst)
		if stdout, stderr, err := sandboxtest.AWS(t, env.Backend, commandOf(t, evs).Full()); err != nil {
			t.Fatalf("%s get: %s%s", name, stdout, stderr)
		}
		got, _ := os.ReadFile(dst)
		if !bytes.Equal(got, data) {
			t.Fatalf("%s: aws get-object bytes differ", name)
		}
	}
}

// TestCommandFullForm checks what s3crypt displays and copies: on the
// sandbox the command names the endpoint, CA and region itself; Short
// leaves them out; Comment puts the CLI version first.
func TestCommandFullForm(t *testing.T) {
	env := xferEnv(t)
	b := env.Backend
	c := actions.AWSCommand(env, "kms", "decrypt", "--ciphertext-blob", "fileb://dk.enc", "--query", "Plaintext", "--output", "text")
	c.Pipe = "| base64 -d > key.bin"
	want := "aws kms decrypt --ciphertext-blob fileb://dk.enc --query Plaintext --output text --endpoint-url " + b.Endpoint +
		" --ca-bundle " + b.CAFile + " --region " + b.Region + " | base64 -d > key.bin"
	if c.String() != want {
		t.Fatalf("String %q\nwant   %q", c.String(), want)
	}
	if c.Short() != "aws kms decrypt --ciphertext-blob fileb://dk.enc --query Plaintext --output text | base64 -d > key.bin" {
		t.Fatalf("Short %q", c.Short())
	}
	c.NeedsCLI, c.Note = "2.32.0", "why"
	if got := c.Comment(); !strings.HasPrefix(got, "needs aws CLI 2.32.0 or later") || !strings.HasSuffix(got, "; why") {
		t.Fatalf("Comment %q", got)
	}
	// Real AWS: no endpoint, the profile s3crypt was given.
	aws := &actions.Env{Backend: &awsclient.Backend{Kind: awsclient.KindAWS, Region: "eu-west-1", Profile: "dev"}}
	if got := actions.AWSCommand(aws, "s3", "ls").String(); got != "aws s3 ls --region eu-west-1 --profile dev" {
		t.Fatalf("AWS form %q", got)
	}
	if got := actions.CredentialsLine(aws.Backend); !strings.Contains(got, "profile dev") {
		t.Fatalf("AWS credentials line %q", got)
	}
	// The sandbox's line says where its keys are, and never holds the secret.
	line := actions.CredentialsLine(b)
	if !strings.Contains(line, filepath.Join(b.Sandbox.Dir(), "credentials.json")) || strings.Contains(line, b.Sandbox.Credentials().SecretAccessKey) {
		t.Fatalf("sandbox credentials line %q", line)
	}
}

// TestSSECCommandSequences checks the SSE-C key is always passed as a
// fileb:// of raw bytes: a base64, hex or KMS-encrypted key file is
// decoded first, into a file the sequence removes.
func TestSSECCommandSequences(t *testing.T) {
	env := xferEnv(t)
	xferBucket(t, env.Backend, "seqs", true)
	src, _ := xferFile(t, 100)
	k, _ := s3c.RandomKey(32)
	dir := t.TempDir()
	b64 := filepath.Join(dir, "k.b64")
	if err := os.WriteFile(b64, []byte(base64.StdEncoding.EncodeToString(k.Bytes())), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		key  *actions.SSECKey
		prep string
	}{
		{&actions.SSECKey{Key: k, File: b64}, "base64 -d " + b64 + " > " + b64 + ".plain"},
		{&actions.SSECKey{Key: k, File: filepath.Join(dir, "dk"), FromKMS: true},
			"aws kms decrypt --ciphertext-blob fileb://" + filepath.Join(dir, "dk") + " --query Plaintext --output text | base64 -d > " + filepath.Join(dir, "dk") + ".plain"},
	} {
		_, err, evs := collect(t, env, &actions.Put{File: src, Bucket: "seqs", Key: "o", SSEC: c.key})
		if err != nil {
			t.Fatal(err)
		}
		var cmds []actions.Command
		for _, e := range evs {
			if ce, ok := e.(actions.CommandEvent); ok {
				cmds = append(cmds, ce.Command)
			}
		}
		if len(cmds) != 3 || cmds[0].Short() != c.prep || !strings.Contains(cmds[1].Short(), "--sse-customer-key fileb://"+c.key.File+".plain") ||
			cmds[2].Short() != "rm "+c.key.File+".plain" {
			t.Fatalf("%s: %v", c.key.File, cmds)
		}
		for _, cmd := range cmds {
			if s := cmd.String(); strings.Contains(s, base64.StdEncoding.EncodeToString(k.Bytes())) {
				t.Fatalf("the key is in %s", s)
			}
		}
	}
}
