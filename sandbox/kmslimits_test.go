package sandbox_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/service/kms"

	"github.com/s3crypt/s3crypt/sandbox"
)

// TestKMSBodyOver1MiB: a KMS request whose body is over 1 MiB (here an
// Encrypt of 1 MiB of plaintext, which the SDK sends base64-encoded) is
// refused as too large, 413 SerializationException, not as a signature
// fault.
func TestKMSBodyOver1MiB(t *testing.T) {
	e := newEnv(t)
	k, err := e.kms.CreateKey(ctx(), &kms.CreateKeyInput{})
	if err != nil {
		t.Fatal(err)
	}
	_, err = e.kms.Encrypt(ctx(), &kms.EncryptInput{KeyId: k.KeyMetadata.KeyId, Plaintext: make([]byte, 1<<20)},
		func(o *kms.Options) { o.RetryMaxAttempts = 1 })
	wantErr(t, err, "SerializationException", http.StatusRequestEntityTooLarge)
	if m := errMessage(err); m != "Request body exceeds 1 MiB" {
		t.Fatalf("message %q", m)
	}
}

// TestKMSStalledBodyTimesOut: a KMS request whose body stops arriving is
// answered 400 RequestTimeoutException with S3's RequestTimeout text after
// the idle timeout (configurable; 1 s here), like a stalled S3 PUT.
func TestKMSStalledBodyTimesOut(t *testing.T) {
	e := newEnv(t, func(o *sandbox.Options) { o.IdleBodyTimeout = time.Second })
	body := []byte(`{"NumberOfBytes": 32}`)
	req, _ := http.NewRequest(http.MethodPost, e.sb.Endpoint()+"/", nil)
	req.Header.Set("X-Amz-Target", "TrentService.GenerateRandom")
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	sum := sha256.Sum256(body)
	c := e.sb.Credentials()
	if err := v4.NewSigner().SignHTTP(context.Background(), aws.Credentials{AccessKeyID: c.AccessKeyID, SecretAccessKey: c.SecretAccessKey},
		req, hex.EncodeToString(sum[:]), "kms", e.sb.Region(), time.Now()); err != nil {
		t.Fatal(err)
	}
	pr, pw := io.Pipe()
	defer pw.Close()
	go func() { _, _ = pw.Write(body[:5]) }() // then nothing
	req.Body, req.ContentLength = pr, int64(len(body))
	start := time.Now()
	resp, err := e.sb.HTTPClient().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	typ, msg := kmsErr(t, rawResp{resp.StatusCode, string(b)})
	if resp.StatusCode != http.StatusBadRequest || typ != "RequestTimeoutException" ||
		msg != "Your socket connection to the server was not read from or written to within the timeout period. Idle connections will be closed." {
		t.Fatalf("stalled KMS body: %d %s %q", resp.StatusCode, typ, msg)
	}
	if el := time.Since(start); el < time.Second {
		t.Fatalf("refused after %v, before the idle timeout", el)
	}
}
