package actions_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
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

// cseKey creates a symmetric KMS key for client-side tests.
func cseKey(t *testing.T, env *actions.Env) string {
	t.Helper()
	out, err := env.Backend.KMS.CreateKey(context.Background(), &kms.CreateKeyInput{})
	if err != nil {
		t.Fatal(err)
	}
	return aws.ToString(out.KeyMetadata.Arn)
}

// rawObject is the object's body and metadata as a plain SDK GetObject
// returns them.
func rawObject(t *testing.T, env *actions.Env, bucket, key string) ([]byte, map[string]string) {
	t.Helper()
	out, err := env.Backend.S3.GetObject(context.Background(), &s3.GetObjectInput{Bucket: &bucket, Key: &key})
	if err != nil {
		t.Fatal(err)
	}
	defer out.Body.Close()
	body, err := io.ReadAll(out.Body)
	if err != nil {
		t.Fatal(err)
	}
	return body, out.Metadata
}

// unwrapDataKey asks KMS for an object's plaintext data key, as a test's
// way to look for it where it must not be.
func unwrapDataKey(t *testing.T, env *actions.Env, meta map[string]string) []byte {
	t.Helper()
	e, err := s3c.ParseEnvelope(meta)
	if err != nil {
		t.Fatal(err)
	}
	out, err := env.Backend.KMS.Decrypt(context.Background(), &kms.DecryptInput{CiphertextBlob: e.WrappedKey, EncryptionContext: e.MatDesc})
	if err != nil {
		t.Fatal(err)
	}
	return out.Plaintext
}

// TestClientSideRoundTrip uploads and downloads V2 and V3 objects of
// several sizes, single and multipart, and checks that S3 holds only
// ciphertext in the format's metadata layout.
func TestClientSideRoundTrip(t *testing.T) {
	env := xferEnv(t)
	xferBucket(t, env.Backend, "cse", false)
	kmsKey := cseKey(t, env)
	wantMeta := map[int][]string{
		s3c.FormatV2: {"x-amz-key-v2", "x-amz-iv", "x-amz-matdesc", "x-amz-wrap-alg", "x-amz-cek-alg", "x-amz-tag-len", "x-amz-unencrypted-content-length"},
		s3c.FormatV3: {"x-amz-3", "x-amz-c", "x-amz-d", "x-amz-i", "x-amz-t", "x-amz-w", "x-amz-unencrypted-content-length"},
	}
	for _, format := range []int{s3c.FormatV2, s3c.FormatV3} {
		// 15 MiB - 8: the tag straddles the last two parts (5 MiB parts).
		for _, size := range []int{0, 1, 100000, 11<<20 + 5, 15<<20 - 8} {
			name := fmt.Sprintf("v%d-%d", format, size)
			src, data := xferFile(t, size)
			p := &actions.Put{File: src, Bucket: "cse", Key: name, ClientSide: &actions.ClientSide{KMSKey: kmsKey, Format: format}}
			res, err, _ := collect(t, env, p)
			if err != nil {
				t.Fatalf("%s: put: %v", name, err)
			}
			pr := res.(actions.PutResult)
			cs := pr.ClientSide
			if cs == nil || cs.Format != format || cs.KMSKeyARN != kmsKey || cs.CiphertextSize != int64(size)+16 || pr.Size != int64(size) ||
				pr.Encryption.Mode() != "SSE-S3" || cs.Context["aws:x-amz-cek-alg"] == "" {
				t.Fatalf("%s: result %+v %+v", name, pr, cs)
			}
			if wantParts := map[bool]int{true: (size + 16 + 5<<20 - 1) / (5 << 20), false: 1}[size > 6<<20]; pr.Parts != wantParts {
				t.Fatalf("%s: %d parts, want %d", name, pr.Parts, wantParts)
			}
			body, meta := rawObject(t, env, "cse", name)
			if len(body) != size+16 || bytes.Contains(body, data) && size >= 16 { // a 1-byte plaintext shows up in 17 random bytes 1 time in 15
				t.Fatalf("%s: S3 holds %d bytes, want %d of ciphertext", name, len(body), size+16)
			}
			for _, k := range wantMeta[format] {
				if _, ok := meta[k]; !ok {
					t.Fatalf("%s: metadata lacks %s: %v", name, k, meta)
				}
			}
			if meta["x-amz-unencrypted-content-length"] != fmt.Sprint(size) {
				t.Fatalf("%s: unencrypted length %q", name, meta["x-amz-unencrypted-content-length"])
			}
			dst := filepath.Join(t.TempDir(), "out.bin")
			gres, err, _ := collect(t, env, &actions.Get{Bucket: "cse", Key: name, File: dst})
			if err != nil {
				t.Fatalf("%s: get: %v", name, err)
			}
			if got, _ := os.ReadFile(dst); !bytes.Equal(got, data) {
				t.Fatalf("%s: round trip differs", name)
			}
			gr := gres.(actions.GetResult)
			if gr.ClientSide == nil || !gr.ClientSide.Decrypted || gr.ClientSide.KMSKeyARN != kmsKey || gr.Size != int64(size) {
				t.Fatalf("%s: get result %+v %+v", name, gr, gr.ClientSide)
			}
			raw := filepath.Join(t.TempDir(), "raw.bin")
			gres, err, _ = collect(t, env, &actions.Get{Bucket: "cse", Key: name, File: raw, NoDecrypt: true})
			if err != nil {
				t.Fatalf("%s: get --no-decrypt: %v", name, err)
			}
			if got, _ := os.ReadFile(raw); !bytes.Equal(got, body) {
				t.Fatalf("%s: --no-decrypt differs from the stored ciphertext", name)
			}
			if gr := gres.(actions.GetResult); gr.ClientSide == nil || gr.ClientSide.Decrypted || gr.ClientSide.Format != format {
				t.Fatalf("%s: --no-decrypt result %+v", name, gr.ClientSide)
			}
		}
	}
}

// TestClientSideLabels checks that ls and head name the client-side layer.
func TestClientSideLabels(t *testing.T) {
	env := xferEnv(t)
	xferBucket(t, env.Backend, "labels", false)
	kmsKey := cseKey(t, env)
	src, _ := xferFile(t, 10)
	for _, f := range []int{2, 3} {
		p := &actions.Put{File: src, Bucket: "labels", Key: fmt.Sprint("v", f), ClientSide: &actions.ClientSide{KMSKey: kmsKey, Format: f}}
		if _, err, _ := collect(t, env, p); err != nil {
			t.Fatal(err)
		}
		res, err, _ := collect(t, env, &actions.Head{Bucket: "labels", Key: p.Key})
		if err != nil {
			t.Fatal(err)
		}
		if h := res.(actions.HeadResult); h.ClientSide == nil || h.ClientSide.Format != f || h.ClientSide.WrapAlg != s3c.WrapAlgKMSContext {
			t.Fatalf("head v%d: %+v", f, h.ClientSide)
		}
	}
	// Legacy objects are marked as such, not listed as plain V2.
	body, meta := rawObject(t, env, "labels", "v2")
	cbc := maps.Clone(meta)
	cbc["x-amz-cek-alg"] = s3c.CEKAlgAESCBC
	v1 := maps.Clone(meta)
	v1["x-amz-key"] = v1["x-amz-key-v2"]
	delete(v1, "x-amz-key-v2")
	for k, m := range map[string]map[string]string{"w-cbc": cbc, "w-v1": v1} {
		if _, err := env.Backend.S3.PutObject(context.Background(), &s3.PutObjectInput{Bucket: aws.String("labels"), Key: aws.String(k),
			Body: bytes.NewReader(body), Metadata: m}); err != nil {
			t.Fatal(err)
		}
		res, err, _ := collect(t, env, &actions.Head{Bucket: "labels", Key: k})
		if err != nil {
			t.Fatal(err)
		}
		if h := res.(actions.HeadResult); h.ClientSide == nil || h.ClientSide.Legacy == "" || !strings.Contains(h.ClientSide.Description, "legacy") {
			t.Fatalf("head %s: %+v", k, h.ClientSide)
		}
	}
	res, err, _ := collect(t, env, &actions.ListObjects{Bucket: "labels"})
	if err != nil {
		t.Fatal(err)
	}
	var labels []string
	for _, o := range res.(actions.ListObjectsResult).Objects {
		labels = append(labels, o.Key+"="+o.Label)
	}
	if got := strings.Join(labels, " "); got != "v2=client-side S3EC V2 v3=client-side S3EC V3 w-cbc=client-side S3EC V2 legacy CBC w-v1=client-side S3EC V1 legacy" {
		t.Fatalf("labels %q", got)
	}
}

// TestClientSideEvents checks the event stream of a client-side upload and
// download, in order, and that the plaintext data key appears nowhere.
func TestClientSideEvents(t *testing.T) {
	env := xferEnv(t)
	xferBucket(t, env.Backend, "cseev", false)
	kmsKey := cseKey(t, env)
	src, _ := xferFile(t, 100)
	pres, err, pevs := collect(t, env, &actions.Put{File: src, Bucket: "cseev", Key: "o", ClientSide: &actions.ClientSide{KMSKey: kmsKey}})
	if err != nil {
		t.Fatal(err)
	}
	want := "you:Request KMS:GenerateDataKey KMS:Response you:LocalEncrypt you:LocalWipe you:Request " +
		"S3:DataKeyGenerated S3:DataKeyWrapped S3:EncryptData S3:DataKeyWiped S3:Stored S3:Response"
	if got := stepOps(pevs); got != want {
		t.Fatalf("upload steps\n got %s\nwant %s", got, want)
	}
	var cmds []actions.Command
	for _, e := range pevs {
		if c, ok := e.(actions.CommandEvent); ok {
			cmds = append(cmds, c.Command)
		}
	}
	// The aws CLI cannot encrypt client-side: no put-object of a file
	// that does not exist, only the head-object that shows what S3 stored.
	if len(cmds) != 1 || cmds[0].Short() != "aws s3api head-object --bucket cseev --key o" ||
		!strings.Contains(cmds[0].Note, "cannot encrypt client-side") || !strings.Contains(cmds[0].Note, src) {
		t.Fatalf("commands %+v", cmds)
	}
	if kc := pres.(actions.PutResult).KMSCalls; kc != 0 {
		t.Fatalf("KMS calls by S3 %d, want 0 (SSE-S3 needs none; your GenerateDataKey is not S3's)", kc)
	}
	gres, err, gevs := collect(t, env, &actions.Get{Bucket: "cseev", Key: "o", File: filepath.Join(t.TempDir(), "o")})
	if err != nil {
		t.Fatal(err)
	}
	want = "you:Request S3:DataKeyUnwrapped S3:DecryptData S3:DataKeyWiped S3:Response you:Request KMS:Decrypt KMS:Response you:LocalDecrypt you:LocalWipe"
	if got := stepOps(gevs); got != want {
		t.Fatalf("download steps\n got %s\nwant %s", got, want)
	}
	_, meta := rawObject(t, env, "cseev", "o")
	dk := unwrapDataKey(t, env, meta)
	if len(dk) != 32 {
		t.Fatalf("data key %d bytes", len(dk))
	}
	var dump strings.Builder
	for _, e := range append(pevs, gevs...) {
		fmt.Fprintf(&dump, "%+v %#v\n", e, e)
		j, _ := json.Marshal(e)
		dump.Write(j)
	}
	for _, res := range []any{pres, gres} {
		fmt.Fprintf(&dump, "%+v %#v\n", res, res)
		j, _ := json.Marshal(res)
		dump.Write(j)
	}
	for _, s := range []string{string(dk), base64.StdEncoding.EncodeToString(dk), hex.EncodeToString(dk), fmt.Sprint(dk)} {
		if strings.Contains(dump.String(), s) {
			t.Fatal("the plaintext data key appears in an event or result")
		}
	}
}

// TestClientSideTampering alters the stored ciphertext, tag or envelope:
// the download fails with an authentication error and writes nothing.
func TestClientSideTampering(t *testing.T) {
	env := xferEnv(t)
	xferBucket(t, env.Backend, "tamper", false)
	kmsKey := cseKey(t, env)
	cases := []struct {
		name   string
		format int
		size   int
		alter  func(body []byte, meta map[string]string)
		is     error
		want   string
	}{
		{"v3 body", 3, 100000, func(b []byte, _ map[string]string) { b[500] ^= 1 }, s3c.ErrAuthentication, "failed authentication"},
		{"v2 body", 2, 100000, func(b []byte, _ map[string]string) { b[0] ^= 0x80 }, s3c.ErrAuthentication, "failed authentication"},
		{"v3 tag", 3, 10, func(b []byte, _ map[string]string) { b[len(b)-1] ^= 1 }, s3c.ErrAuthentication, "failed authentication"},
		{"v2 iv", 2, 10, func(_ []byte, m map[string]string) {
			m["x-amz-iv"] = base64.StdEncoding.EncodeToString(make([]byte, 12))
		},
			s3c.ErrAuthentication, "failed authentication"},
		{"v3 commitment", 3, 10, func(_ []byte, m map[string]string) {
			m["x-amz-d"] = base64.StdEncoding.EncodeToString(make([]byte, 28))
		},
			s3c.ErrCommitment, "key commitment"},
		{"v3 multipart body", 3, 11 << 20, func(b []byte, _ map[string]string) { b[7<<20] ^= 4 }, s3c.ErrAuthentication, "failed authentication"},
		{"v3 length", 3, 1000, func(_ []byte, m map[string]string) { m["x-amz-unencrypted-content-length"] = "999" },
			s3c.ErrLengthMismatch, "wrong length"},
		{"v2 truncated", 2, 1000, nil, s3c.ErrAuthentication, "failed authentication"},
		// Downloaded in parallel ranges (over the 6 MiB threshold, 5 MiB parts).
		{"v2 big truncated", 2, 13 << 20, nil, s3c.ErrAuthentication, "failed authentication"},
		{"v3 big tag", 3, 13<<20 + 5, func(b []byte, _ map[string]string) { b[len(b)-3] ^= 1 }, s3c.ErrAuthentication, "failed authentication"},
		{"v3 big tag across parts", 3, 15<<20 - 8, func(b []byte, _ map[string]string) { b[len(b)-12] ^= 1 }, s3c.ErrAuthentication, "failed authentication"},
		{"v2 big last part", 2, 12 << 20, func(b []byte, _ map[string]string) { b[11<<20] ^= 1 }, s3c.ErrAuthentication, "failed authentication"},
		// A length the ranges contradict: shorter (a range's piece stops),
		// and longer (the tag checks out, the length does not).
		{"v3 big length shorter", 3, 11 << 20, func(_ []byte, m map[string]string) { m["x-amz-unencrypted-content-length"] = "10485760" },
			s3c.ErrLengthMismatch, "wrong length"},
		{"v2 big length longer", 2, 11 << 20, func(_ []byte, m map[string]string) { m["x-amz-unencrypted-content-length"] = "11534337" },
			s3c.ErrLengthMismatch, "wrong length"},
		// The context names V3's algorithm on a V2 object: a downgrade, and
		// no --context was given, so the error must not blame one.
		{"v2 downgraded", 2, 10, func(_ []byte, m map[string]string) {
			m["x-amz-matdesc"] = strings.Replace(m["x-amz-matdesc"], "AES/GCM/NoPadding", "115", 1)
		},
			s3c.ErrCEKAlgMismatch, "envelope contradicts itself"},
	}
	for _, c := range cases {
		src, _ := xferFile(t, c.size)
		key := strings.ReplaceAll(c.name, " ", "-")
		if _, err, _ := collect(t, env, &actions.Put{File: src, Bucket: "tamper", Key: key,
			ClientSide: &actions.ClientSide{KMSKey: kmsKey, Format: c.format}}); err != nil {
			t.Fatal(err)
		}
		body, meta := rawObject(t, env, "tamper", key)
		if c.alter != nil {
			c.alter(body, meta)
		} else {
			body = body[:len(body)-1]
		}
		if _, err := env.Backend.S3.PutObject(context.Background(), &s3.PutObjectInput{Bucket: aws.String("tamper"), Key: &key,
			Body: bytes.NewReader(body), Metadata: meta}); err != nil {
			t.Fatal(err)
		}
		dir := t.TempDir()
		dst := filepath.Join(dir, "out.bin")
		_, err, _ := collect(t, env, &actions.Get{Bucket: "tamper", Key: key, File: dst})
		var ae *actions.Error
		if !errors.As(err, &ae) || !errors.Is(err, c.is) || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), "Nothing was written") &&
			!strings.Contains(err.Error(), "nothing was decrypted") && !strings.Contains(err.Error(), "did not ask KMS") ||
			strings.Contains(err.Error(), "--context gives") {
			t.Fatalf("%s: %v", c.name, err)
		}
		if entries, _ := os.ReadDir(dir); len(entries) != 0 {
			t.Fatalf("%s: a failed decryption left %v", c.name, entries)
		}
	}
}
