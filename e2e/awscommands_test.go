package e2e

import (
	"bytes"
	"context"
	"crypto/md5"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/s3crypt/s3crypt/actions"
	"github.com/s3crypt/s3crypt/awsclient"
	s3c "github.com/s3crypt/s3crypt/crypto"
	"github.com/s3crypt/s3crypt/internal/testtool"
)

// cmdRig runs the aws commands s3crypt reports against one `s3crypt serve`:
// each exactly as String prints it, through /bin/sh, with Debian's aws CLI
// and only the credentials serve exported in the environment (no
// endpoint, region or CA variable: AWS_CA_BUNDLE is the system bundle, so
// a command without --endpoint-url and --ca-bundle fails).
type cmdRig struct {
	t       *testing.T
	srv     *testtool.Serve
	env     *actions.Env
	dir     string // working directory of the shell, and of the test's files
	sh      string
	version [3]int // of /usr/bin/aws
}

func newCmdRig(t *testing.T) *cmdRig {
	t.Helper()
	aws := testtool.Require(t, testtool.DebianAWS)
	srv := testtool.StartServe(t, testtool.BuildBinary(t), t.TempDir())
	// s3crypt's own backend attaches to the served sandbox, as the CLI
	// and the UI do when serve runs.
	b, err := awsclient.Open(context.Background(), awsclient.Options{DataDir: srv.Dir, Getenv: func(string) string { return "" }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	if b.Endpoint != srv.Endpoint {
		t.Fatalf("attached to %s, serve is at %s", b.Endpoint, srv.Endpoint)
	}
	out, err := exec.Command(aws, "--version").CombinedOutput()
	if err != nil {
		t.Fatalf("aws --version: %v", err)
	}
	r := &cmdRig{t: t, srv: srv, env: &actions.Env{Backend: b}, dir: t.TempDir(), sh: testtool.Require(t, "sh"), version: cliVersion(string(out))}
	return r
}

// cliVersion parses "aws-cli/2.9.19 Python/…".
func cliVersion(s string) [3]int {
	var v [3]int
	m := regexp.MustCompile(`aws-cli/(\d+)\.(\d+)\.(\d+)`).FindStringSubmatch(s)
	for i := 0; m != nil && i < 3; i++ {
		v[i], _ = strconv.Atoi(m[i+1])
	}
	return v
}

// tooOld reports whether the installed aws CLI is older than need.
func (r *cmdRig) tooOld(need string) bool {
	w := cliVersion("aws-cli/" + need)
	for i := range w {
		if r.version[i] != w[i] {
			return r.version[i] < w[i]
		}
	}
	return false
}

// act runs a through s3crypt and returns its result and the commands it
// reported, in order.
func (r *cmdRig) act(a actions.Action) (any, []actions.Command) {
	r.t.Helper()
	var cmds []actions.Command
	res, err := actions.RunSync(context.Background(), r.env, a, func(e actions.Event) {
		if c, ok := e.(actions.CommandEvent); ok {
			cmds = append(cmds, c.Command)
		}
	})
	if err != nil {
		r.t.Fatalf("%s: %v", a.Describe(), err)
	}
	if len(cmds) == 0 {
		r.t.Fatalf("%s reported no aws command", a.Describe())
	}
	return res, cmds
}

// sh runs one command as printed and returns its standard output; a
// command that needs a newer aws CLI than /usr/bin/aws is skipped (in its
// own subtest, with the reason) and returns ok false.
func (r *cmdRig) sh1(c actions.Command) (stdout string, ok bool) {
	r.t.Helper()
	line := c.String()
	if strings.Contains(line, r.srv.Secret) {
		r.t.Fatalf("a command holds the sandbox secret: %s", line)
	}
	if c.Args[0] == "aws" && (!strings.Contains(line, "--endpoint-url "+r.srv.Endpoint) || !strings.Contains(line, "--ca-bundle "+r.srv.CAFile)) {
		r.t.Fatalf("not the full form: %s", line)
	}
	if c.NeedsCLI != "" && r.tooOld(c.NeedsCLI) {
		r.t.Run("needs-aws-cli-"+c.NeedsCLI, func(t *testing.T) {
			t.Skipf("%s needs aws CLI %s; /usr/bin/aws is %d.%d.%d", c.Short(), c.NeedsCLI, r.version[0], r.version[1], r.version[2])
		})
		return "", false
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, r.sh, "-c", line)
	cmd.Dir = r.dir
	cmd.Env = []string{"PATH=/usr/bin:/bin", "HOME=" + r.dir, "AWS_ACCESS_KEY_ID=" + r.srv.AccessKeyID, "AWS_SECRET_ACCESS_KEY=" + r.srv.Secret,
		"AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null", "AWS_CA_BUNDLE=/etc/ssl/certs/ca-certificates.crt",
		"AWS_PAGER=", "AWS_EC2_METADATA_DISABLED=true", "AWS_MAX_ATTEMPTS=1"}
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		r.t.Fatalf("$ %s\n%v\nstdout: %s\nstderr: %s", line, err, out.String(), errb.String())
	}
	r.t.Logf("$ %s", line)
	return out.String(), true
}

// shAll runs every command in order and returns each one's output.
func (r *cmdRig) shAll(cmds []actions.Command) []string {
	r.t.Helper()
	outs := make([]string, len(cmds))
	for i, c := range cmds {
		outs[i], _ = r.sh1(c)
	}
	return outs
}

// file names a file in the rig's directory.
func (r *cmdRig) file(name string) string { return filepath.Join(r.dir, name) }

// must fails the test when an undo or setup call made with the SDK fails.
func (r *cmdRig) must(_ any, err error) {
	r.t.Helper()
	if err != nil {
		r.t.Fatal(err)
	}
}

// mustDo is must for calls that return only an error.
func (r *cmdRig) mustDo(err error) { r.must(nil, err) }

func (r *cmdRig) write(name string, data []byte) string {
	r.t.Helper()
	p := r.file(name)
	if err := os.WriteFile(p, data, 0o600); err != nil {
		r.t.Fatal(err)
	}
	return p
}

func (r *cmdRig) read(path string) []byte {
	r.t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		r.t.Fatal(err)
	}
	return b
}

func jsonOf(t *testing.T, s string, v any) {
	t.Helper()
	if err := json.Unmarshal([]byte(s), v); err != nil {
		t.Fatalf("not JSON (%v): %s", err, s)
	}
}

func randomData(n int) []byte {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return b
}

// sdkGet reads an object with the SDK (with an SSE-C key when k is set).
func (r *cmdRig) sdkGet(bucket, key string, k []byte) (*s3.GetObjectOutput, []byte) {
	r.t.Helper()
	in := &s3.GetObjectInput{Bucket: &bucket, Key: &key}
	if k != nil {
		sum := md5.Sum(k)
		in.SSECustomerAlgorithm, in.SSECustomerKey = aws.String("AES256"), aws.String(base64.StdEncoding.EncodeToString(k))
		in.SSECustomerKeyMD5 = aws.String(base64.StdEncoding.EncodeToString(sum[:]))
	}
	out, err := r.env.Backend.S3.GetObject(context.Background(), in)
	if err != nil {
		r.t.Fatalf("get s3://%s/%s: %v", bucket, key, err)
	}
	defer out.Body.Close()
	body, _ := io.ReadAll(out.Body)
	return out, body
}

func (r *cmdRig) sdkDelete(bucket, key string) {
	r.t.Helper()
	if _, err := r.env.Backend.S3.DeleteObject(context.Background(), &s3.DeleteObjectInput{Bucket: &bucket, Key: &key}); err != nil {
		r.t.Fatal(err)
	}
}

// kmsDecrypt decrypts a raw KMS ciphertext with the SDK.
func (r *cmdRig) kmsDecrypt(blob []byte) []byte {
	r.t.Helper()
	out, err := r.env.Backend.KMS.Decrypt(context.Background(), &kms.DecryptInput{CiphertextBlob: blob})
	if err != nil {
		r.t.Fatal(err)
	}
	return out.Plaintext
}

func (r *cmdRig) keyState(id string) string {
	r.t.Helper()
	out, err := r.env.Backend.KMS.DescribeKey(context.Background(), &kms.DescribeKeyInput{KeyId: &id})
	if err != nil {
		r.t.Fatal(err)
	}
	return string(out.KeyMetadata.KeyState)
}

func (r *cmdRig) bucketEnc(bucket string) actions.BucketEncryption {
	r.t.Helper()
	res, _ := r.act(&actions.GetBucketEncryption{Bucket: bucket})
	return *res.(actions.BucketEncryptionResult).Encryption
}

// TestEveryCommandRunsInAWSCLI runs every aws command that s3crypt's
// flows report, exactly as shown, through Debian's aws CLI against
// `s3crypt serve`, and checks each does what s3crypt did.
func TestEveryCommandRunsInAWSCLI(t *testing.T) {
	r := newCmdRig(t)
	ctx := context.Background()
	s3api, kmsapi := r.env.Backend.S3, r.env.Backend.KMS

	var cmk string // a customer managed key, made below
	t.Run("kms", func(t *testing.T) {
		r.t = t
		// create-key + create-alias: the aws CLI makes a key like s3crypt's;
		// with s3crypt's alias removed, create-alias names s3crypt's key again.
		res, cmds := r.act(&actions.CreateKey{Description: "made by s3crypt", Alias: "alias/cmds"})
		k := res.(actions.CreateKeyResult).Key
		cmk = k.KeyID
		if len(cmds) != 2 {
			t.Fatalf("create-key reported %d commands", len(cmds))
		}
		var made struct {
			KeyMetadata struct{ KeyId, KeySpec, KeyUsage, Description, KeyState string }
		}
		out, _ := r.sh1(cmds[0])
		jsonOf(t, out, &made)
		if m := made.KeyMetadata; m.KeyId == k.KeyID || m.KeySpec != k.KeySpec || m.KeyUsage != "ENCRYPT_DECRYPT" || m.Description != "made by s3crypt" || m.KeyState != "Enabled" {
			t.Fatalf("aws create-key made %+v, s3crypt %+v", m, k)
		}
		if _, err := kmsapi.DeleteAlias(ctx, &kms.DeleteAliasInput{AliasName: aws.String("alias/cmds")}); err != nil {
			t.Fatal(err)
		}
		r.sh1(cmds[1])
		if got := r.keyState("alias/cmds"); got != "Enabled" {
			t.Fatalf("alias/cmds: %s", got)
		}
		res, cmds = r.act(&actions.CreateKey{KeySpec: "RSA_2048"})
		out, _ = r.sh1(cmds[0])
		jsonOf(t, out, &made)
		if made.KeyMetadata.KeySpec != "RSA_2048" || made.KeyMetadata.KeyUsage != "ENCRYPT_DECRYPT" {
			t.Fatalf("aws create-key RSA made %+v", made.KeyMetadata)
		}
		rsa := res.(actions.CreateKeyResult).Key.KeyID

		// describe-key, list-keys, list-aliases name the same key.
		_, cmds = r.act(&actions.DescribeKey{KeyID: "alias/cmds"})
		out, _ = r.sh1(cmds[0])
		jsonOf(t, out, &made)
		if made.KeyMetadata.KeyId != cmk {
			t.Fatalf("describe-key: %+v", made.KeyMetadata)
		}
		_, cmds = r.act(&actions.ListKeys{})
		outs := r.shAll(cmds)
		if !strings.Contains(outs[0], cmk) || !strings.Contains(outs[1], `"alias/cmds"`) {
			t.Fatalf("list-keys / list-aliases lack %s:\n%s\n%s", cmk, outs[0], outs[1])
		}

		// disable/enable, schedule/cancel deletion: undo s3crypt's change,
		// run the command, see the state s3crypt left.
		for _, c := range []struct {
			a    actions.Action
			undo func()
			want string
		}{
			{&actions.DisableKey{KeyID: rsa}, func() { r.must(kmsapi.EnableKey(ctx, &kms.EnableKeyInput{KeyId: &rsa})) }, "Disabled"},
			{&actions.EnableKey{KeyID: rsa}, func() { r.must(kmsapi.DisableKey(ctx, &kms.DisableKeyInput{KeyId: &rsa})) }, "Enabled"},
			{&actions.ScheduleKeyDeletion{KeyID: rsa, Days: 7}, func() { r.must(kmsapi.CancelKeyDeletion(ctx, &kms.CancelKeyDeletionInput{KeyId: &rsa})) }, "PendingDeletion"},
			{&actions.CancelKeyDeletion{KeyID: rsa}, func() {
				r.must(kmsapi.ScheduleKeyDeletion(ctx, &kms.ScheduleKeyDeletionInput{KeyId: &rsa, PendingWindowInDays: aws.Int32(7)}))
			}, "Disabled"},
		} {
			_, cmds := r.act(c.a)
			if got := r.keyState(rsa); got != c.want {
				t.Fatalf("%s left %s", c.a.Describe(), got)
			}
			c.undo()
			r.shAll(cmds)
			if got := r.keyState(rsa); got != c.want {
				t.Fatalf("after the aws command of %q the key is %s, want %s", c.a.Describe(), got, c.want)
			}
		}

		// create-alias / delete-alias.
		_, cmds = r.act(&actions.CreateAlias{AliasName: "alias/cmds-two", TargetKeyID: cmk})
		r.must(kmsapi.DeleteAlias(ctx, &kms.DeleteAliasInput{AliasName: aws.String("alias/cmds-two")}))
		r.shAll(cmds)
		if got := r.keyState("alias/cmds-two"); got != "Enabled" {
			t.Fatalf("alias/cmds-two: %s", got)
		}
		_, cmds = r.act(&actions.DeleteAlias{AliasName: "alias/cmds-two"})
		r.must(kmsapi.CreateAlias(ctx, &kms.CreateAliasInput{AliasName: aws.String("alias/cmds-two"), TargetKeyId: &cmk}))
		r.shAll(cmds)
		if _, err := kmsapi.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: aws.String("alias/cmds-two")}); err == nil {
			t.Fatal("alias/cmds-two survived aws kms delete-alias")
		}

		// generate-data-key in each of its forms: the files and printed
		// values are what s3crypt gives, a key and its encryption.
		kctx := map[string]string{"purpose": "cmds"}
		decrypt := func(blob []byte) []byte {
			out, err := kmsapi.Decrypt(ctx, &kms.DecryptInput{CiphertextBlob: blob, EncryptionContext: kctx})
			if err != nil {
				t.Fatal(err)
			}
			return out.Plaintext
		}
		_, cmds = r.act(&actions.GenerateDataKey{KeyID: "alias/cmds", Context: kctx})
		var dk struct{ Plaintext, CiphertextBlob, KeyId string }
		out, _ = r.sh1(cmds[0])
		jsonOf(t, out, &dk)
		p, _ := base64.StdEncoding.DecodeString(dk.Plaintext)
		blob, _ := base64.StdEncoding.DecodeString(dk.CiphertextBlob)
		if len(p) != 32 || !bytes.Equal(decrypt(blob), p) {
			t.Fatal("generate-data-key: the printed encrypted key does not decrypt to the printed key")
		}
		for _, form := range []struct{ out, enc string }{{"dk.key", ""}, {"", "dk2.enc"}, {"dk3.key", "dk3.enc"}} {
			g := &actions.GenerateDataKey{KeyID: "alias/cmds", Context: kctx}
			if form.out != "" {
				g.Out = r.file(form.out)
			}
			if form.enc != "" {
				g.EncryptedOut = r.file(form.enc)
			}
			res, cmds := r.act(g)
			if pk := res.(actions.GenerateDataKeyResult).Plaintext; pk != nil {
				pk.Wipe()
			}
			os.Remove(g.Out)
			os.Remove(g.EncryptedOut)
			out, _ := r.sh1(cmds[0])
			var key, enc []byte
			if g.Out != "" {
				key = r.read(g.Out)
			} else {
				key, _ = base64.StdEncoding.DecodeString(strings.TrimSpace(out))
			}
			if g.EncryptedOut != "" {
				enc = r.read(g.EncryptedOut)
			} else {
				enc, _ = base64.StdEncoding.DecodeString(strings.TrimSpace(out))
			}
			if g.Out != "" && g.EncryptedOut != "" && out != "" {
				t.Fatalf("generate-data-key with both files printed %q", out)
			}
			if len(key) != 32 || !bytes.Equal(decrypt(enc), key) {
				t.Fatalf("generate-data-key %+v: the aws CLI's files and output are not a key and its encryption", form)
			}
		}

		// encrypt / decrypt write the binary files s3crypt writes.
		plain := randomData(300)
		in := r.write("small.bin", plain)
		_, cmds = r.act(&actions.KMSEncrypt{KeyID: "alias/cmds", In: in, Out: r.file("small.enc")})
		r.mustDo(os.Rename(r.file("small.enc"), r.file("small.enc.mine")))
		r.shAll(cmds)
		if !bytes.Equal(r.kmsDecrypt(r.read(r.file("small.enc"))), plain) {
			t.Fatal("aws kms encrypt's file does not decrypt to the plaintext")
		}
		_, cmds = r.act(&actions.KMSDecrypt{In: r.file("small.enc.mine"), Out: r.file("small.out")})
		os.Remove(r.file("small.out"))
		r.shAll(cmds)
		if !bytes.Equal(r.read(r.file("small.out")), plain) {
			t.Fatal("aws kms decrypt's file differs from the plaintext")
		}
	})
	if cmk == "" {
		t.Fatal("the kms part failed")
	}

	t.Run("buckets", func(t *testing.T) {
		r.t = t
		res, cmds := r.act(&actions.MakeBucket{Bucket: "cmds-mb"})
		mine := *res.(actions.MakeBucketResult).Encryption
		if _, err := s3api.DeleteBucket(ctx, &s3.DeleteBucketInput{Bucket: aws.String("cmds-mb")}); err != nil {
			t.Fatal(err)
		}
		r.shAll(cmds)
		if got := r.bucketEnc("cmds-mb"); !reflect.DeepEqual(got, mine) {
			t.Fatalf("bucket made by aws s3 mb: %+v, by s3crypt %+v", got, mine)
		}

		yes := true
		for _, p := range []*actions.PutBucketEncryption{
			{Bucket: "cmds-mb", SSE: actions.SSEKMS, KMSKey: "alias/cmds", BucketKey: &yes},
			{Bucket: "cmds-mb", SSE: actions.DSSEKMS, KMSKey: cmk},
			{Bucket: "cmds-mb", SSE: actions.SSES3},
		} {
			res, cmds := r.act(p)
			mine := *res.(actions.BucketEncryptionResult).Encryption
			r.must(s3api.DeleteBucketEncryption(ctx, &s3.DeleteBucketEncryptionInput{Bucket: &p.Bucket}))
			if p.SSE == actions.SSES3 { // SSE-S3 is the reset state: start from another rule
				r.must(s3api.PutBucketEncryption(ctx, &s3.PutBucketEncryptionInput{Bucket: &p.Bucket, ServerSideEncryptionConfiguration: &s3types.ServerSideEncryptionConfiguration{
					Rules: []s3types.ServerSideEncryptionRule{{ApplyServerSideEncryptionByDefault: &s3types.ServerSideEncryptionByDefault{SSEAlgorithm: s3types.ServerSideEncryptionAwsKms}}}}}))
			}
			r.shAll(cmds)
			if got := r.bucketEnc(p.Bucket); !reflect.DeepEqual(got, mine) {
				t.Fatalf("%s: aws left %+v, s3crypt %+v", p.Describe(), got, mine)
			}
		}

		// Allowing SSE-C needs BlockedEncryptionTypes: the first command
		// needs a newer aws CLI; the second, for 2.9, sets the rule and
		// leaves the SSE-C setting as it was.
		no := false
		res, cmds = r.act(&actions.PutBucketEncryption{Bucket: "cmds-mb", SSE: actions.SSEKMS, BlockSSEC: &no})
		mine = *res.(actions.BucketEncryptionResult).Encryption
		if len(cmds) != 2 || cmds[0].NeedsCLI != actions.BlockedTypesCLI || cmds[1].NeedsCLI != "" || strings.Contains(cmds[1].String(), "Blocked") {
			t.Fatalf("allow SSE-C: %+v", cmds)
		}
		// Start from SSE-S3 with SSE-C blocked.
		if _, err := s3api.PutBucketEncryption(ctx, &s3.PutBucketEncryptionInput{Bucket: aws.String("cmds-mb"), ServerSideEncryptionConfiguration: &s3types.ServerSideEncryptionConfiguration{
			Rules: []s3types.ServerSideEncryptionRule{{ApplyServerSideEncryptionByDefault: &s3types.ServerSideEncryptionByDefault{SSEAlgorithm: s3types.ServerSideEncryptionAes256},
				BlockedEncryptionTypes: &s3types.BlockedEncryptionTypes{EncryptionType: []s3types.EncryptionType{"SSE-C"}}}}}}); err != nil {
			t.Fatal(err)
		}
		before := r.bucketEnc("cmds-mb").Blocked
		_, ran := r.sh1(cmds[0])
		r.sh1(cmds[1])
		want := mine
		if !ran {
			want.Blocked = before
		}
		if got := r.bucketEnc("cmds-mb"); !reflect.DeepEqual(got, want) {
			t.Fatalf("after the aws commands: %+v, want %+v", got, want)
		}

		_, cmds = r.act(&actions.GetBucketEncryption{Bucket: "cmds-mb"})
		var got struct {
			ServerSideEncryptionConfiguration struct {
				Rules []struct {
					ApplyServerSideEncryptionByDefault struct{ SSEAlgorithm string }
				}
			}
		}
		out, _ := r.sh1(cmds[0])
		jsonOf(t, out, &got)
		if rs := got.ServerSideEncryptionConfiguration.Rules; len(rs) != 1 || rs[0].ApplyServerSideEncryptionByDefault.SSEAlgorithm != want.SSEAlgorithm {
			t.Fatalf("get-bucket-encryption: %s", out)
		}

		res, cmds = r.act(&actions.DeleteBucketEncryption{Bucket: "cmds-mb"})
		mine = *res.(actions.BucketEncryptionResult).Encryption
		r.act(&actions.PutBucketEncryption{Bucket: "cmds-mb", SSE: actions.SSEKMS})
		r.shAll(cmds)
		if got := r.bucketEnc("cmds-mb"); !reflect.DeepEqual(got, mine) {
			t.Fatalf("after aws delete-bucket-encryption: %+v, s3crypt left %+v", got, mine)
		}

		_, cmds = r.act(&actions.ListBuckets{})
		if out := r.shAll(cmds)[0]; !strings.Contains(out, `"cmds-mb"`) {
			t.Fatalf("list-buckets: %s", out)
		}

		r.act(&actions.MakeBucket{Bucket: "cmds-rb"})
		_, cmds = r.act(&actions.RemoveBucket{Bucket: "cmds-rb"})
		r.must(s3api.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("cmds-rb")}))
		r.shAll(cmds)
		if _, err := s3api.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: aws.String("cmds-rb")}); err == nil {
			t.Fatal("cmds-rb survived aws s3 rb")
		}
	})

	t.Run("objects", func(t *testing.T) {
		r.t = t
		no, yes := false, true
		r.act(&actions.MakeBucket{Bucket: "cmds-obj"})
		r.act(&actions.PutBucketEncryption{Bucket: "cmds-obj", SSE: actions.SSES3, BlockSSEC: &no})
		data := randomData(5000)
		src := r.write("data.bin", data)
		rawKey := randomData(32)
		raw := r.write("raw.key", rawKey)
		b64 := r.write("b64.key", []byte(base64.StdEncoding.EncodeToString(rawKey)+"\n"))
		hx := r.write("hex.key", []byte(hex.EncodeToString(rawKey)+"\n"))
		fresh, _ := s3c.RandomKey(32)
		freshFile := r.file("fresh.key")
		if err := s3c.WriteKeyFile(freshFile, fresh, s3c.KeyFileRaw, false); err != nil {
			t.Fatal(err)
		}
		sseC := func(file string, enc s3c.KeyEncoding) *actions.SSECKey {
			return &actions.SSECKey{Key: s3c.NewKey(append([]byte(nil), rawKey...)), File: file, Encoding: enc}
		}
		type obj struct {
			name string
			put  *actions.Put
			key  func() []byte // the SSE-C key the aws commands used (nil: none)
			ssec func() *actions.SSECKey
		}
		fromRaw := func() []byte { return rawKey }
		objs := []obj{
			{name: "default", put: &actions.Put{}},
			{name: "sse-s3", put: &actions.Put{SSE: actions.SSES3}},
			{name: "sse-kms", put: &actions.Put{SSE: actions.SSEKMS}},
			{name: "sse-kms-cmk-context", put: &actions.Put{SSE: actions.SSEKMS, KMSKey: "alias/cmds", Context: map[string]string{"team": "a b"}}},
			{name: "sse-kms-bk", put: &actions.Put{SSE: actions.SSEKMS, KMSKey: cmk, BucketKey: &yes}},
			{name: "sse-kms-no-bk", put: &actions.Put{SSE: actions.SSEKMS, BucketKey: &no}},
			{name: "dsse", put: &actions.Put{SSE: actions.DSSEKMS, KMSKey: "alias/cmds"}},
			{name: "sse-c-raw", put: &actions.Put{}, key: fromRaw, ssec: func() *actions.SSECKey { return sseC(raw, s3c.EncodingUnknown) }},
			{name: "sse-c-base64", put: &actions.Put{}, key: fromRaw, ssec: func() *actions.SSECKey { return sseC(b64, s3c.EncodingBase64) }},
			{name: "sse-c-hex", put: &actions.Put{}, key: fromRaw, ssec: func() *actions.SSECKey { return sseC(hx, s3c.EncodingUnknown) }},
			{name: "sse-c-fresh", put: &actions.Put{}, key: func() []byte { return fresh.Bytes() },
				ssec: func() *actions.SSECKey {
					return &actions.SSECKey{Key: fresh, File: freshFile, Encoding: s3c.EncodingRaw}
				}},
		}
		check := func(name string, mine actions.ObjectEncryption, key []byte) {
			t.Helper()
			out, body := r.sdkGet("cmds-obj", name, key)
			got := actions.ObjectEncryption{SSE: string(out.ServerSideEncryption), KMSKeyARN: aws.ToString(out.SSEKMSKeyId),
				BucketKey: aws.ToBool(out.BucketKeyEnabled), SSECKeyMD5: aws.ToString(out.SSECustomerKeyMD5)}
			if got != mine || !bytes.Equal(body, data) {
				t.Fatalf("%s: after the aws commands %+v (%d bytes), s3crypt stored %+v", name, got, len(body), mine)
			}
		}
		for _, o := range objs {
			p := o.put
			p.File, p.Bucket, p.Key = src, "cmds-obj", o.name
			if o.ssec != nil {
				p.SSEC = o.ssec()
			}
			res, cmds := r.act(p)
			mine := res.(actions.PutResult).Encryption
			r.sdkDelete("cmds-obj", o.name)
			r.shAll(cmds)
			var key []byte
			if o.key != nil {
				key = o.key()
			}
			check(o.name, mine, key)
			// get: the aws commands write the same bytes.
			dst := r.file(o.name + ".out")
			g := &actions.Get{Bucket: "cmds-obj", Key: o.name, File: dst}
			if o.ssec != nil {
				g.SSEC = o.ssec()
			}
			_, cmds = r.act(g)
			os.Remove(dst)
			r.shAll(cmds)
			if !bytes.Equal(r.read(dst), data) {
				t.Fatalf("%s: aws get-object wrote other bytes", o.name)
			}
			// head: the aws command reports the same encryption.
			h := &actions.Head{Bucket: "cmds-obj", Key: o.name}
			if o.ssec != nil {
				h.SSEC = o.ssec()
			}
			hres, cmds := r.act(h)
			outs := r.shAll(cmds)
			var head struct {
				ServerSideEncryption, SSEKMSKeyId, SSECustomerKeyMD5 string
				BucketKeyEnabled                                     bool
			}
			for _, out := range outs {
				if strings.Contains(out, `"ContentLength"`) {
					jsonOf(t, out, &head)
				}
			}
			if he := (actions.ObjectEncryption{SSE: head.ServerSideEncryption, KMSKeyARN: head.SSEKMSKeyId, BucketKey: head.BucketKeyEnabled,
				SSECKeyMD5: head.SSECustomerKeyMD5}); he != mine {
				t.Fatalf("%s: aws head-object says %+v, s3crypt stored %+v", o.name, he, mine)
			}
			if k := hres.(actions.HeadResult).KMS; k != nil && !strings.Contains(strings.Join(outs, "\n"), k.ARN) {
				t.Fatalf("%s: the describe-key command does not name %s", o.name, k.ARN)
			}
			for _, f := range []string{raw, b64, hx} {
				if _, err := os.Stat(f + ".plain"); !errors.Is(err, os.ErrNotExist) {
					t.Fatalf("%s: the plaintext key file %s.plain was left behind", o.name, f)
				}
			}
		}

		// SSE-C from a KMS data key, as the UI does it: generate-data-key
		// keeps only the encrypted key; the put and get decrypt it first.
		dk := r.file("kms-data.key")
		gres, gcmds := r.act(&actions.GenerateDataKey{KeyID: "alias/cmds", EncryptedOut: dk, InMemory: true})
		pk := gres.(actions.GenerateDataKeyResult).Plaintext
		res, pcmds := r.act(&actions.Put{File: src, Bucket: "cmds-obj", Key: "sse-c-kms", SSEC: &actions.SSECKey{Key: pk, File: dk, FromKMS: true}})
		for _, c := range append(gcmds, pcmds...) {
			if s := c.String(); strings.Contains(s, base64.StdEncoding.EncodeToString(pk.Bytes())) {
				t.Fatalf("the data key is in a command: %s", s)
			}
		}
		if !strings.Contains(pcmds[0].String(), "aws kms decrypt --ciphertext-blob fileb://"+dk+" --query Plaintext --output text") ||
			!strings.Contains(pcmds[1].String(), "--sse-customer-key fileb://"+dk+".plain") || pcmds[2].Short() != "rm "+dk+".plain" {
			t.Fatalf("SSE-C from KMS upload: %v", pcmds)
		}
		r.sdkDelete("cmds-obj", "sse-c-kms")
		os.Remove(dk)
		r.shAll(append(gcmds, pcmds...))
		theirKey := r.kmsDecrypt(r.read(dk)) // the aws CLI's data key, not s3crypt's
		sum := md5.Sum(theirKey)
		check("sse-c-kms", actions.ObjectEncryption{SSECKeyMD5: base64.StdEncoding.EncodeToString(sum[:])}, theirKey)
		if _, err := os.Stat(dk + ".plain"); err == nil {
			t.Fatal("the plaintext data key file was left behind")
		}
		_ = res
		dst := r.file("sse-c-kms.out")
		_, cmds := r.act(&actions.Get{Bucket: "cmds-obj", Key: "sse-c-kms", File: dst, SSEC: &actions.SSECKey{Key: s3c.NewKey(theirKey), File: dk, FromKMS: true}})
		os.Remove(dst)
		r.shAll(cmds)
		if !bytes.Equal(r.read(dst), data) {
			t.Fatal("sse-c-kms: the aws get sequence wrote other bytes")
		}
		// The encrypted data key as base64 text, as the aws CLI prints it.
		dk64 := r.write("kms-data.key.b64", []byte(base64.StdEncoding.EncodeToString(r.read(dk))+"\n"))
		_, cmds = r.act(&actions.Get{Bucket: "cmds-obj", Key: "sse-c-kms", File: dst, SSEC: &actions.SSECKey{Key: s3c.NewKey(theirKey), File: dk64, FromKMS: true}})
		os.Remove(dst)
		r.shAll(cmds)
		if !bytes.Equal(r.read(dst), data) {
			t.Fatal("sse-c-kms from base64 text: the aws get sequence wrote other bytes")
		}

		// client-side: the aws CLI cannot encrypt; it shows what s3crypt
		// stored, fetches the ciphertext and has KMS unwrap the data key.
		_, cmds = r.act(&actions.Put{File: src, Bucket: "cmds-obj", Key: "cse", ClientSide: &actions.ClientSide{KMSKey: "alias/cmds"}})
		for _, c := range cmds {
			if strings.Contains(c.String(), "put-object") || strings.Contains(c.String(), ".s3ec") {
				t.Fatalf("client-side upload names a file s3crypt never wrote: %s", c.String())
			}
		}
		var head struct{ Metadata map[string]string }
		jsonOf(t, r.shAll(cmds)[0], &head)
		sdkHead, err := s3api.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("cmds-obj"), Key: aws.String("cse")})
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(head.Metadata, sdkHead.Metadata) || head.Metadata[s3c.MetaV3Key] == "" {
			t.Fatalf("client-side head-object: %v, stored %v", head.Metadata, sdkHead.Metadata)
		}
		dst = r.file("cse.out")
		gr, cmds := r.act(&actions.Get{Bucket: "cmds-obj", Key: "cse", File: dst})
		outs := r.shAll(cmds)
		_, stored := r.sdkGet("cmds-obj", "cse", nil)
		if !bytes.Equal(r.read(dst+".s3ec"), stored) || !bytes.Equal(r.read(dst), data) {
			t.Fatal("client-side get: the aws CLI's ciphertext differs from what S3 stores (or s3crypt's plaintext from the file)")
		}
		if got := strings.TrimSpace(outs[len(outs)-1]); got != gr.(actions.GetResult).ClientSide.KMSKeyARN {
			t.Fatalf("client-side: KMS unwrapped the aws CLI's copy under %q, s3crypt's under %q", got, gr.(actions.GetResult).ClientSide.KMSKeyARN)
		}

		// client-side as the TUI's forms ask for it: format V2 under a raw
		// AES keyring named by file, the envelope in an instruction file.
		// The aws commands save the ciphertext and the instruction file as
		// stored (no aws command can unwrap your own key).
		wrapFile := r.write("wrap.key", []byte(strings.Repeat("ab", 32)))
		r.act(&actions.Put{File: src, Bucket: "cmds-obj", Key: "cse-raw", ClientSide: &actions.ClientSide{Format: s3c.FormatV2,
			KeyFiles: actions.KeyringFiles{WrappingKeyFile: wrapFile}, InstructionFile: true}})
		dst = r.file("cse-raw.out")
		_, cmds = r.act(&actions.Get{Bucket: "cmds-obj", Key: "cse-raw", File: dst, InstructionFile: true,
			KeyFiles: actions.KeyringFiles{WrappingKeyFile: wrapFile}})
		r.shAll(cmds)
		_, stored = r.sdkGet("cmds-obj", "cse-raw", nil)
		_, instr := r.sdkGet("cmds-obj", "cse-raw"+s3c.InstructionSuffix, nil)
		if !bytes.Equal(r.read(dst), data) || !bytes.Equal(r.read(dst+".s3ec"), stored) || !bytes.Equal(r.read(dst+s3c.InstructionSuffix), instr) {
			t.Fatal("client-side raw keyring + instruction file: the aws commands saved other bytes than S3 stores (or s3crypt decrypted others)")
		}

		// list-objects-v2 and delete-object.
		_, cmds = r.act(&actions.ListObjects{Bucket: "cmds-obj"})
		if out := r.shAll(cmds)[0]; !strings.Contains(out, `"sse-c-kms"`) || !strings.Contains(out, `"cse"`) {
			t.Fatalf("list-objects-v2: %s", out)
		}
		_, cmds = r.act(&actions.DeleteObject{Bucket: "cmds-obj", Key: "sse-s3"})
		r.act(&actions.Put{File: src, Bucket: "cmds-obj", Key: "sse-s3"})
		r.shAll(cmds)
		if _, err := s3api.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("cmds-obj"), Key: aws.String("sse-s3")}); err == nil {
			t.Fatal("sse-s3 survived aws s3api delete-object")
		}
	})
}
