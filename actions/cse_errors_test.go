package actions_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/s3crypt/s3crypt/actions"
	s3c "github.com/s3crypt/s3crypt/crypto"
)

// TestClientSideErrors checks what refusals and KMS failures say, and that
// a failed download leaves no file.
func TestClientSideErrors(t *testing.T) {
	env := xferEnv(t)
	xferBucket(t, env.Backend, "cseerr", false)
	kmsKey := cseKey(t, env)
	src, _ := xferFile(t, 1000)
	team := map[string]string{"team": "blue"}
	put := func(key string, cs *actions.ClientSide) error {
		_, err, _ := collect(t, env, &actions.Put{File: src, Bucket: "cseerr", Key: key, ClientSide: cs})
		return err
	}
	if err := put("ctx", &actions.ClientSide{KMSKey: kmsKey, Context: team}); err != nil {
		t.Fatal(err)
	}
	rsa, err := env.Backend.KMS.CreateKey(context.Background(), &kms.CreateKeyInput{KeySpec: "RSA_2048", KeyUsage: "ENCRYPT_DECRYPT"})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	dst := filepath.Join(dir, "out")
	get := func(g *actions.Get) error {
		g.Bucket, g.File = "cseerr", dst
		_, err, _ := collect(t, env, g)
		return err
	}
	cases := []struct {
		name string
		err  error
		want []string
	}{
		{"no key", put("x", &actions.ClientSide{}), []string{"client-side encryption needs --kms-key (a symmetric KMS key you can use; aws/s3 cannot be used by clients)"}},
		{"aws/s3", put("x", &actions.ClientSide{KMSKey: "alias/aws/s3"}), []string{"AWS managed key", "kms:ViaService"}},
		{"format", put("x", &actions.ClientSide{KMSKey: kmsKey, Format: 1}), []string{"unknown client-side format 1"}},
		{"reserved context", put("x", &actions.ClientSide{KMSKey: kmsKey, Context: map[string]string{"aws:x-amz-cek-alg": "115"}}),
			[]string{"aws:x-amz-cek-alg is reserved"}},
		{"rsa key", put("x", &actions.ClientSide{KMSKey: aws.ToString(rsa.KeyMetadata.KeyId)}), []string{"symmetric", "s3crypt kms create-key"}},
		{"unknown key", put("x", &actions.ClientSide{KMSKey: "alias/nope"}), []string{"s3crypt kms list-keys"}},
		{"wrong context", get(&actions.Get{Key: "ctx", Context: map[string]string{"team": "red"}}), []string{"another encryption context than --context", "s3crypt head shows it"}},
		{"missing context key", get(&actions.Get{Key: "ctx", Context: map[string]string{}}), []string{"another encryption context than --context"}},
		{"wrong kms key", get(&actions.Get{Key: "ctx", KMSKey: cseKey(t, env)}), []string{"another KMS key"}},
	}
	for _, c := range cases {
		t.Logf("%s: %v", c.name, c.err)
		var ae *actions.Error
		if !errors.As(c.err, &ae) {
			t.Fatalf("%s: %T %v", c.name, c.err, c.err)
		}
		for _, w := range c.want {
			if !strings.Contains(c.err.Error(), w) {
				t.Fatalf("%s: %q lacks %q", c.name, c.err.Error(), w)
			}
		}
	}
	if err := get(&actions.Get{Key: "ctx", Context: team}); err != nil {
		t.Fatalf("the right context: %v", err)
	}
	os.Remove(dst)
	// A disabled key: neither upload nor download, and the error says so.
	if _, err := env.Backend.KMS.DisableKey(context.Background(), &kms.DisableKeyInput{KeyId: &kmsKey}); err != nil {
		t.Fatal(err)
	}
	for name, err := range map[string]error{"get": get(&actions.Get{Key: "ctx"}), "put": put("y", &actions.ClientSide{KMSKey: kmsKey})} {
		t.Logf("disabled key, %s: %v", name, err)
		if err == nil || !strings.Contains(err.Error(), "disabled") || !strings.Contains(err.Error(), "s3crypt kms enable-key --key-id "+kmsKey) {
			t.Fatalf("disabled key, %s: %v", name, err)
		}
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Fatalf("failed downloads left %v", entries)
	}
	if _, err := env.Backend.S3.HeadObject(context.Background(), &s3.HeadObjectInput{Bucket: aws.String("cseerr"), Key: aws.String("x")}); err == nil {
		t.Fatal("a refused upload stored an object")
	}
}

// TestClientSideOverSSEKMS puts a client-side object with SSE-KMS as S3's
// layer: two keys, two KMS calls, one of them S3's.
func TestClientSideOverSSEKMS(t *testing.T) {
	env := xferEnv(t)
	xferBucket(t, env.Backend, "layers", false)
	kmsKey := cseKey(t, env)
	src, data := xferFile(t, 5000)
	res, err, evs := collect(t, env, &actions.Put{File: src, Bucket: "layers", Key: "o", SSE: actions.SSEKMS,
		ClientSide: &actions.ClientSide{KMSKey: kmsKey, Format: s3c.FormatV2}})
	if err != nil {
		t.Fatal(err)
	}
	pr := res.(actions.PutResult)
	if pr.Encryption.Mode() != "SSE-KMS" || pr.Encryption.KMSKeyARN == kmsKey || pr.KMSCalls != 1 || pr.ClientSide.KMSKeyARN != kmsKey {
		t.Fatalf("result %+v %+v", pr, pr.ClientSide)
	}
	if ops := stepOps(evs); !strings.Contains(ops, "you:LocalWipe you:Request KMS:ManagedKeyCreated KMS:GenerateDataKey S3:EncryptData") {
		t.Fatalf("steps %s", ops)
	}
	// Download to standard output: the plaintext is released only once it
	// authenticates.
	stdout := os.Stdout
	f, err := os.Create(filepath.Join(t.TempDir(), "stdout"))
	if err != nil {
		t.Fatal(err)
	}
	os.Stdout = f
	_, err, _ = collect(t, env, &actions.Get{Bucket: "layers", Key: "o", File: "-"})
	os.Stdout = stdout
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(f.Name()); !bytes.Equal(got, data) {
		t.Fatal("standard output differs from the plaintext")
	}
}

// TestClientSideCancelledUploadIsAborted cancels a client-side multipart
// upload: the job ends cancelled and nothing is left behind.
func TestClientSideCancelledUploadIsAborted(t *testing.T) {
	env := xferEnv(t)
	env.Concurrency = 1
	xferBucket(t, env.Backend, "csecancel", false)
	kmsKey := cseKey(t, env)
	src, _ := xferFile(t, 30<<20)
	cancelMidUpload(t, env, &actions.Put{File: src, Bucket: "csecancel", Key: "big", ClientSide: &actions.ClientSide{KMSKey: kmsKey}})
}
