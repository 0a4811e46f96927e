package actions_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/s3crypt/s3crypt/actions"
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
