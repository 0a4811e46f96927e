package cli_test

import (
	"bytes"
	"context"
	crand "crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	s3c "github.com/s3crypt/s3crypt/crypto"
	"github.com/s3crypt/s3crypt/internal/sandboxtest"
)

// cseSandbox prepares a data dir with bucket "files" and a symmetric key
// alias/cse.
func cseSandbox(t *testing.T) string {
	t.Helper()
	dir := objectsSandbox(t)
	if r := sandboxtest.CLI(t, "--data", dir, "kms", "create-key", "--alias", "alias/cse"); r.Code != 0 {
		t.Fatalf("create key: %s", r.Stderr)
	}
	return dir
}

// TestClientSideVerbs round-trips files through put --client-side and get
// in both formats, checks the --json results, the ciphertext kept by
// --no-decrypt and the labels of ls and head.
func TestClientSideVerbs(t *testing.T) {
	dir := cseSandbox(t)
	src, data := objectsFile(t, 70000)
	var outputs strings.Builder
	for _, format := range []string{"v3", "v2"} {
		r := sandboxtest.CLI(t, "--data", dir, "--json", "--trace", "--show-aws", "put", src, "s3://files/"+format, "--client-side", "--kms-key", "alias/cse",
			"--cse-format", format, "--context", "team=blue")
		if r.Code != 0 {
			t.Fatalf("put %s: code %d\n%s", format, r.Code, r.Stderr)
		}
		outputs.WriteString(r.Stdout + r.Stderr)
		var put struct {
			Size                 int64
			ServerSideEncryption string
			ClientSide           struct {
				Format            int
				KMSKeyArn         string
				EncryptionContext map[string]string
				CiphertextSize    int64
			}
		}
		if err := json.Unmarshal([]byte(r.Stdout), &put); err != nil {
			t.Fatalf("put --json: %v\n%s", err, r.Stdout)
		}
		cs := put.ClientSide
		if "v"+string(rune('0'+cs.Format)) != format || !strings.Contains(cs.KMSKeyArn, ":key/") || cs.EncryptionContext["team"] != "blue" ||
			cs.CiphertextSize != 70016 || put.Size != 70000 || put.ServerSideEncryption != "AES256" {
			t.Fatalf("put %s result: %+v", format, put)
		}
		out := filepath.Join(t.TempDir(), "out.bin")
		r = sandboxtest.CLI(t, "--data", dir, "--trace", "--show-aws", "get", "s3://files/"+format, out, "--context", "team=blue")
		outputs.WriteString(r.Stdout + r.Stderr)
		if got, _ := os.ReadFile(out); r.Code != 0 || !bytes.Equal(got, data) || !strings.Contains(r.Stdout, "client-side S3EC V"+format[1:]) {
			t.Fatalf("get %s: code %d, bytes equal %v\n%s%s", format, r.Code, bytes.Equal(got, data), r.Stdout, r.Stderr)
		}
		raw := filepath.Join(t.TempDir(), "raw.bin")
		r = sandboxtest.CLI(t, "--data", dir, "get", "s3://files/"+format, raw, "--no-decrypt")
		if got, _ := os.ReadFile(raw); r.Code != 0 || len(got) != 70016 || bytes.Contains(got, data[:64]) || !strings.Contains(r.Stdout, "kept as stored") {
			t.Fatalf("get --no-decrypt %s: code %d, %d bytes\n%s%s", format, r.Code, len(got), r.Stdout, r.Stderr)
		}
		r = sandboxtest.CLI(t, "--data", dir, "head", "s3://files/"+format)
		if r.Code != 0 || !strings.Contains(r.Stdout, "client-side S3EC V"+format[1:]+", then SSE-S3") ||
			!strings.Contains(r.Stdout, "readable by S3 Encryption Client Go v3.2+") || !strings.Contains(r.Stdout, "wrapped with kms+context") {
			t.Fatalf("head %s:\n%s%s", format, r.Stdout, r.Stderr)
		}
	}
	r := sandboxtest.CLI(t, "--data", dir, "ls", "s3://files/")
	if r.Code != 0 || !strings.Contains(r.Stdout, "v2  client-side S3EC V2") || !strings.Contains(r.Stdout, "v3  client-side S3EC V3") {
		t.Fatalf("ls:\n%s%s", r.Stdout, r.Stderr)
	}
	// put ran with --json (steps and commands as JSON lines), get without.
	for _, want := range []string{`"AWSCommand":"aws s3api head-object --bucket files --key v3`, "cannot encrypt client-side", "encrypt 70000 bytes",
		"plaintext key wiped", "$ aws kms decrypt", "decrypt 70000 bytes"} {
		if !strings.Contains(outputs.String(), want) {
			t.Fatalf("--trace/--show-aws output lacks %q:\n%s", want, outputs.String())
		}
	}
	noDataKeyIn(t, dir, outputs.String(), "v2", "v3")
}

// noDataKeyIn fails if the plaintext data key of any of the objects
// appears in text (raw, base64 or hex).
func noDataKeyIn(t *testing.T, dir, text string, keys ...string) {
	t.Helper()
	b := sandboxtest.BackendIn(t, dir)
	defer b.Close()
	ctx := context.Background()
	for _, k := range keys {
		head, err := b.S3.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("files"), Key: aws.String(k)})
		if err != nil {
			t.Fatal(err)
		}
		e, err := s3c.ParseEnvelope(head.Metadata)
		if err != nil {
			t.Fatal(err)
		}
		out, err := b.KMS.Decrypt(ctx, &kms.DecryptInput{CiphertextBlob: e.WrappedKey, EncryptionContext: e.MatDesc})
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range []string{string(out.Plaintext), base64.StdEncoding.EncodeToString(out.Plaintext), hex.EncodeToString(out.Plaintext)} {
			if strings.Contains(text, s) {
				t.Fatalf("the plaintext data key of %s appears in the output", k)
			}
		}
	}
}

// TestClientSideVerbErrors checks exit codes and messages of client-side
// refusals and failures, and that a tampered object leaves no file.
func TestClientSideVerbErrors(t *testing.T) {
	dir := cseSandbox(t)
	src, _ := objectsFile(t, 1000)
	if r := sandboxtest.CLI(t, "--data", dir, "put", src, "s3://files/c", "--client-side", "--kms-key", "alias/cse", "--context", "team=blue"); r.Code != 0 {
		t.Fatalf("put: %s", r.Stderr)
	}
	// Flip a byte of the stored ciphertext, keeping its envelope.
	b := sandboxtest.BackendIn(t, dir)
	ctx := context.Background()
	obj, err := b.S3.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("files"), Key: aws.String("c")})
	if err != nil {
		t.Fatal(err)
	}
	var body bytes.Buffer
	_, _ = body.ReadFrom(obj.Body)
	obj.Body.Close()
	tampered := body.Bytes()
	tampered[10] ^= 1
	if _, err := b.S3.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("files"), Key: aws.String("t"), Body: bytes.NewReader(tampered),
		Metadata: obj.Metadata}); err != nil {
		t.Fatal(err)
	}
	b.Close()
	out := filepath.Join(t.TempDir(), "o")
	cases := []struct {
		args []string
		code int
		want string
	}{
		{[]string{"put", src, "s3://files/x", "--client-side"}, 2, "client-side encryption needs --kms-key (a symmetric KMS key you can use; aws/s3 cannot be used by clients)"},
		{[]string{"put", src, "s3://files/x", "--cse-format", "v2"}, 2, "--cse-format needs --client-side"},
		{[]string{"put", src, "s3://files/x", "--client-side", "--kms-key", "alias/cse", "--cse-format", "v1"}, 2, "cse-format"},
		{[]string{"put", src, "s3://files/x", "--client-side", "--kms-key", "alias/aws/s3"}, 1, "kms:ViaService"},
		{[]string{"get", "s3://files/t", out}, 1, "failed authentication"},
		{[]string{"get", "s3://files/c", out, "--context", "team=red"}, 1, "another encryption context"},
	}
	for _, c := range cases {
		r := sandboxtest.CLI(t, append([]string{"--data", dir}, c.args...)...)
		if r.Code != c.code || !strings.Contains(r.Stderr, c.want) {
			t.Fatalf("%v: code %d (want %d), stderr lacks %q:\n%s", c.args, r.Code, c.code, c.want, r.Stderr)
		}
	}
	if entries, _ := os.ReadDir(filepath.Dir(out)); len(entries) != 0 {
		t.Fatalf("failed downloads left %v", entries)
	}
}

// TestClientSideRangeVerb: get --range of a client-side object is refused
// without --allow-unauthenticated-range (saying why), and with it writes
// exactly that slice, to a file or standard output, and says the bytes are
// not authenticated.
func TestClientSideRangeVerb(t *testing.T) {
	dir := cseSandbox(t)
	src, data := objectsFile(t, 70000)
	if r := sandboxtest.CLI(t, "--data", dir, "put", src, "s3://files/c", "--client-side", "--kms-key", "alias/cse"); r.Code != 0 {
		t.Fatalf("put: %s", r.Stderr)
	}
	out := filepath.Join(t.TempDir(), "o")
	r := sandboxtest.CLI(t, "--data", dir, "get", "s3://files/c", out, "--range", "bytes=100-199")
	if r.Code != 1 || !strings.Contains(r.Stderr, "--allow-unauthenticated-range") || !strings.Contains(r.Stderr, "cannot be authenticated") {
		t.Fatalf("without the opt-in: code %d\n%s", r.Code, r.Stderr)
	}
	if _, err := os.Stat(out); err == nil {
		t.Fatal("a refused range wrote the file")
	}
	r = sandboxtest.CLI(t, "--data", dir, "--show-aws", "get", "s3://files/c", out, "--range", "bytes=100-199", "--allow-unauthenticated-range")
	if got, _ := os.ReadFile(out); r.Code != 0 || !bytes.Equal(got, data[100:200]) || !strings.Contains(r.Stdout, "bytes=100-199 decrypted locally with AES-CTR: NOT authenticated") ||
		!strings.Contains(r.Stdout+r.Stderr, "--range bytes=96-199") {
		t.Fatalf("with the opt-in: code %d, %d bytes\n%s%s", r.Code, len(got), r.Stdout, r.Stderr)
	}
	// Standard output gets the slice and nothing else.
	f, err := os.Create(filepath.Join(t.TempDir(), "stdout"))
	if err != nil {
		t.Fatal(err)
	}
	stdout := os.Stdout
	os.Stdout = f
	r = sandboxtest.CLI(t, "--data", dir, "get", "s3://files/c", "-", "--range", "bytes=-17", "--allow-unauthenticated-range")
	os.Stdout = stdout
	f.Close()
	if got, _ := os.ReadFile(f.Name()); r.Code != 0 || !bytes.Equal(got, data[len(data)-17:]) {
		t.Fatalf("get - --range: code %d, %d bytes\n%s", r.Code, len(got), r.Stderr)
	}
}

// TestClientSideRawKeyringVerbs: put --client-side --wrapping-key FILE and
// --rsa-key FILE.pem, get with the same files, no --kms-key anywhere; get
// without the key says which flag it needs; a public-only PEM cannot get.
func TestClientSideRawKeyringVerbs(t *testing.T) {
	dir := cseSandbox(t)
	src, data := objectsFile(t, 70000)
	keys := t.TempDir()
	aesFile := filepath.Join(keys, "wrap.key")
	raw := make([]byte, 32)
	_, _ = crand.Read(raw)
	if err := os.WriteFile(aesFile, []byte(hex.EncodeToString(raw)+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	priv, err := rsa.GenerateKey(crand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	privFile, pubFile := filepath.Join(keys, "rsa.pem"), filepath.Join(keys, "rsa.pub.pem")
	pkix, _ := x509.MarshalPKIXPublicKey(&priv.PublicKey)
	_ = os.WriteFile(privFile, pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(priv)}), 0o600)
	_ = os.WriteFile(pubFile, pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pkix}), 0o600)
	for _, c := range []struct{ name, putFlag, putFile, getFile, need string }{
		{"aes", "--wrapping-key", aesFile, aesFile, "--wrapping-key FILE"},
		{"rsa", "--rsa-key", pubFile, privFile, "--rsa-key FILE.pem"},
	} {
		r := sandboxtest.CLI(t, "--data", dir, "put", src, "s3://files/"+c.name, "--client-side", c.putFlag, c.putFile, "--context", "owner=me")
		if r.Code != 0 || !strings.Contains(r.Stdout, "data key wrapped with your") {
			t.Fatalf("put %s: code %d\n%s%s", c.name, r.Code, r.Stdout, r.Stderr)
		}
		out := filepath.Join(t.TempDir(), "o")
		r = sandboxtest.CLI(t, "--data", dir, "get", "s3://files/"+c.name, out)
		if r.Code != 1 || !strings.Contains(r.Stderr, c.need) {
			t.Fatalf("get %s without its key: code %d\n%s", c.name, r.Code, r.Stderr)
		}
		r = sandboxtest.CLI(t, "--data", dir, "get", "s3://files/"+c.name, out, c.putFlag, c.getFile)
		if got, _ := os.ReadFile(out); r.Code != 0 || !bytes.Equal(got, data) {
			t.Fatalf("get %s: code %d\n%s%s", c.name, r.Code, r.Stdout, r.Stderr)
		}
		r = sandboxtest.CLI(t, "--data", dir, "head", "s3://files/"+c.name)
		if r.Code != 0 || !strings.Contains(r.Stdout, "owner") {
			t.Fatalf("head %s:\n%s", c.name, r.Stdout)
		}
	}
	// Without --context a raw keyring's envelope carries no context (V3
	// with a raw key has no aws:x-amz-cek-alg entry): put says nothing of
	// one rather than print an empty "context" line.
	r := sandboxtest.CLI(t, "--data", dir, "put", src, "s3://files/noctx", "--client-side", "--wrapping-key", aesFile)
	if r.Code != 0 || strings.Contains(r.Stdout, "context \n") || strings.Contains(r.Stdout, "context\n") {
		t.Fatalf("put without --context: code %d\n%s%s", r.Code, r.Stdout, r.Stderr)
	}
	r = sandboxtest.CLI(t, "--data", dir, "get", "s3://files/rsa", filepath.Join(t.TempDir(), "o"), "--rsa-key", pubFile)
	if r.Code != 2 || !strings.Contains(r.Stderr, "needs the private key") {
		t.Fatalf("get with a public key: code %d\n%s", r.Code, r.Stderr)
	}
	r = sandboxtest.CLI(t, "--data", dir, "put", src, "s3://files/x", "--client-side", "--kms-key", "alias/cse", "--wrapping-key", aesFile)
	if r.Code != 2 || !strings.Contains(r.Stderr, "give one way to wrap the data key") {
		t.Fatalf("two keyrings: code %d\n%s", r.Code, r.Stderr)
	}
}

// TestClientSideInstructionFileVerbs: put --instruction-file writes
// KEY.instruction; get reads a V3 one by itself and a V2 one with
// --instruction-file; head says where a V3 object's wrapped key is.
func TestClientSideInstructionFileVerbs(t *testing.T) {
	dir := cseSandbox(t)
	src, data := objectsFile(t, 5000)
	for _, f := range []string{"v3", "v2"} {
		r := sandboxtest.CLI(t, "--data", dir, "put", src, "s3://files/"+f, "--client-side", "--kms-key", "alias/cse", "--cse-format", f, "--instruction-file")
		if r.Code != 0 {
			t.Fatalf("put %s: %s", f, r.Stderr)
		}
		out := filepath.Join(t.TempDir(), "o")
		args := []string{"--data", dir, "get", "s3://files/" + f, out}
		if f == "v2" {
			args = append(args, "--instruction-file")
		}
		r = sandboxtest.CLI(t, args...)
		if got, _ := os.ReadFile(out); r.Code != 0 || !bytes.Equal(got, data) {
			t.Fatalf("get %s: code %d\n%s%s", f, r.Code, r.Stdout, r.Stderr)
		}
	}
	r := sandboxtest.CLI(t, "--data", dir, "head", "s3://files/v3")
	if r.Code != 0 || !strings.Contains(r.Stdout, "v3.instruction") {
		t.Fatalf("head:\n%s%s", r.Stdout, r.Stderr)
	}
	r = sandboxtest.CLI(t, "--data", dir, "put", src, "s3://files/x", "--instruction-file")
	if r.Code != 2 || !strings.Contains(r.Stderr, "--instruction-file needs --client-side") {
		t.Fatalf("without --client-side: %d %s", r.Code, r.Stderr)
	}
}
