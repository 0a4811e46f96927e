package actions_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	s3ecv3 "github.com/aws/amazon-s3-encryption-client-go/v3/client"
	commitv3 "github.com/aws/amazon-s3-encryption-client-go/v3/commitment"
	matv3 "github.com/aws/amazon-s3-encryption-client-go/v3/materials"
	s3ecv4 "github.com/aws/amazon-s3-encryption-client-go/v4/client"
	commitv4 "github.com/aws/amazon-s3-encryption-client-go/v4/commitment"
	matv4 "github.com/aws/amazon-s3-encryption-client-go/v4/materials"

	"github.com/s3crypt/s3crypt/actions"
	s3c "github.com/s3crypt/s3crypt/crypto"
)

// The official S3 Encryption Client for Go, in the versions s3crypt's
// labels name: v3.2.0 (writes format V2, reads V2 and V3) and v4.0.0
// (writes V3 by default), both talking to the sandbox through the same
// S3 and KMS clients s3crypt uses.

// officialClient is one configured official client: what it can do here.
type officialClient struct {
	name   string
	put    func(ctx context.Context, in *s3.PutObjectInput) error
	get    func(ctx context.Context, in *s3.GetObjectInput) ([]byte, error)
	writes int // the S3EC format it writes
}

// interopSizes are the plaintext sizes both directions are tested with:
// empty, one byte, around one AES block, 1 MiB and 20 MiB.
var interopSizes = []int{0, 1, 15, 16, 17, 1 << 20, 20 << 20}

func officialV3(t *testing.T, env *actions.Env, kmsKey string) officialClient {
	t.Helper()
	cmm, err := matv3.NewCryptographicMaterialsManager(matv3.NewKmsKeyring(env.Backend.KMS, kmsKey))
	if err != nil {
		t.Fatal(err)
	}
	c, err := s3ecv3.New(env.Backend.S3, cmm, func(o *s3ecv3.EncryptionClientOptions) {
		o.CommitmentPolicy = commitv3.FORBID_ENCRYPT_ALLOW_DECRYPT // v3's default and only writing policy
	})
	if err != nil {
		t.Fatal(err)
	}
	return officialClient{name: "Go v3.2.0 FORBID_ENCRYPT_ALLOW_DECRYPT", writes: s3c.FormatV2,
		put: func(ctx context.Context, in *s3.PutObjectInput) error { _, err := c.PutObject(ctx, in); return err },
		get: func(ctx context.Context, in *s3.GetObjectInput) ([]byte, error) {
			out, err := c.GetObject(ctx, in)
			if err != nil {
				return nil, err
			}
			defer out.Body.Close()
			return io.ReadAll(out.Body)
		}}
}

func officialV4(t *testing.T, env *actions.Env, kmsKey string, policy *commitv4.CommitmentPolicy) officialClient {
	t.Helper()
	cmm, err := matv4.NewCryptographicMaterialsManager(matv4.NewKmsKeyring(env.Backend.KMS, kmsKey))
	if err != nil {
		t.Fatal(err)
	}
	name, writes := "Go v4.0.0 default (REQUIRE_ENCRYPT_REQUIRE_DECRYPT)", s3c.FormatV3
	c, err := s3ecv4.New(env.Backend.S3, cmm, func(o *s3ecv4.EncryptionClientOptions) {
		if policy != nil {
			o.CommitmentPolicy = *policy
			name = "Go v4.0.0 " + policy.String()
			if !policy.RequiresEncrypt() {
				writes = s3c.FormatV2
			}
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	return officialClient{name: name, writes: writes,
		put: func(ctx context.Context, in *s3.PutObjectInput) error { _, err := c.PutObject(ctx, in); return err },
		get: func(ctx context.Context, in *s3.GetObjectInput) ([]byte, error) {
			out, err := c.GetObject(ctx, in)
			if err != nil {
				return nil, err
			}
			defer out.Body.Close()
			return io.ReadAll(out.Body)
		}}
}

func policyPtr(p commitv4.CommitmentPolicy) *commitv4.CommitmentPolicy { return &p }

// TestInteropS3cryptToOfficial writes objects with s3crypt in both
// formats, one of them as a multipart upload, and reads them with official
// v3.2.0 and v4.0.0 under each commitment policy: byte for byte, except
// that v4's default policy must refuse V2 (it is not key-committing).
func TestInteropS3cryptToOfficial(t *testing.T) {
	if testing.Short() {
		t.Skip("interop: 40 MiB of objects per direction")
	}
	env := xferEnv(t)
	xferBucket(t, env.Backend, "interop", false)
	kmsKey := cseKey(t, env)
	ctx := context.Background()
	readers := []officialClient{
		officialV3(t, env, kmsKey),
		officialV4(t, env, kmsKey, nil),
		officialV4(t, env, kmsKey, policyPtr(commitv4.REQUIRE_ENCRYPT_ALLOW_DECRYPT)),
		officialV4(t, env, kmsKey, policyPtr(commitv4.FORBID_ENCRYPT_ALLOW_DECRYPT)),
	}
	sizes := append(append([]int(nil), interopSizes...), 11<<20) // the last one is multipart (threshold 6 MiB)
	for _, format := range []int{s3c.FormatV2, s3c.FormatV3} {
		for _, size := range sizes {
			src, data := xferFile(t, size)
			key := fmt.Sprintf("s3crypt-v%d-%d", format, size)
			res, err, _ := collect(t, env, &actions.Put{File: src, Bucket: "interop", Key: key,
				ClientSide: &actions.ClientSide{KMSKey: kmsKey, Format: format, Context: map[string]string{"team": "blue"}}})
			if err != nil {
				t.Fatalf("put %s: %v", key, err)
			}
			if size == 11<<20 && res.(actions.PutResult).Parts < 2 {
				t.Fatalf("%s was not a multipart upload: %+v", key, res)
			}
			for _, rd := range readers {
				got, err := rd.get(ctx, &s3.GetObjectInput{Bucket: aws.String("interop"), Key: &key})
				refuses := format == s3c.FormatV2 && strings.Contains(rd.name, "REQUIRE_ENCRYPT_REQUIRE_DECRYPT")
				switch {
				case refuses && err == nil:
					t.Fatalf("%s read the non-committing V2 object %s", rd.name, key)
				case refuses:
					continue
				case err != nil:
					t.Fatalf("%s cannot read %s: %v", rd.name, key, err)
				case !bytes.Equal(got, data):
					t.Fatalf("%s read %s as %d bytes that differ from the %d written", rd.name, key, len(got), len(data))
				}
			}
		}
	}
}

// TestInteropOfficialToS3crypt writes objects with official v3.2.0
// (format V2) and v4.0.0 (V3, default policy and
// REQUIRE_ENCRYPT_ALLOW_DECRYPT) and reads them with s3crypt get, byte for
// byte; head and ls name the format.
func TestInteropOfficialToS3crypt(t *testing.T) {
	if testing.Short() {
		t.Skip("interop: 40 MiB of objects per direction")
	}
	env := xferEnv(t)
	xferBucket(t, env.Backend, "interop", false)
	kmsKey := cseKey(t, env)
	ctx := context.Background()
	writers := []officialClient{
		officialV3(t, env, kmsKey),
		officialV4(t, env, kmsKey, nil),
		officialV4(t, env, kmsKey, policyPtr(commitv4.REQUIRE_ENCRYPT_ALLOW_DECRYPT)),
	}
	dir := t.TempDir()
	for wi, w := range writers {
		for _, size := range interopSizes {
			_, data := xferFile(t, size)
			key := fmt.Sprintf("official-%d-%d", wi, size)
			if err := w.put(ctx, &s3.PutObjectInput{Bucket: aws.String("interop"), Key: &key, Body: bytes.NewReader(data)}); err != nil {
				t.Fatalf("%s put %s: %v", w.name, key, err)
			}
			dst := filepath.Join(dir, key)
			res, err, _ := collect(t, env, &actions.Get{Bucket: "interop", Key: key, File: dst})
			if err != nil {
				t.Fatalf("s3crypt get of %s's %s: %v", w.name, key, err)
			}
			got, _ := os.ReadFile(dst)
			if !bytes.Equal(got, data) {
				t.Fatalf("s3crypt read %s's %s as %d bytes that differ from the %d written", w.name, key, len(got), len(data))
			}
			if cs := res.(actions.GetResult).ClientSide; cs == nil || cs.Format != w.writes || !cs.Decrypted {
				t.Fatalf("%s's %s: client side %+v, want format %d", w.name, key, cs, w.writes)
			}
			if size == 17 {
				// What made v4's objects unreadable before: empty values.
				if _, meta := rawObject(t, env, "interop", key); w.writes == s3c.FormatV3 {
					if v, ok := meta["x-amz-unencrypted-content-length"]; !ok || v != "" {
						t.Fatalf("%s no longer writes an empty length (%q, %v): this test no longer covers it", w.name, v, ok)
					}
				}
				hres, err, _ := collect(t, env, &actions.Head{Bucket: "interop", Key: key})
				if err != nil {
					t.Fatal(err)
				}
				h := hres.(actions.HeadResult).ClientSide
				if h == nil || h.Error != "" || h.Format != w.writes || h.WrapAlg != s3c.WrapAlgKMSContext || h.WrappedKey == 0 ||
					!strings.Contains(h.Description, fmt.Sprintf("S3EC format V%d", w.writes)) {
					t.Fatalf("head of %s's object: %+v", w.name, h)
				}
			}
		}
	}
}

// TestInteropTampering alters objects the official clients wrote (body,
// tag, length, IV, Message ID, commitment, wrapped key, context): s3crypt
// refuses every one and writes nothing. The official v4 client refuses the
// same alterations of objects s3crypt wrote.
func TestInteropTampering(t *testing.T) {
	env := xferEnv(t)
	xferBucket(t, env.Backend, "interoptamper", false)
	kmsKey := cseKey(t, env)
	ctx := context.Background()
	b64 := base64.StdEncoding.EncodeToString
	type alter func(body []byte, meta map[string]string) []byte
	flip := func(i int) alter {
		return func(b []byte, _ map[string]string) []byte {
			b[(len(b)+i)%len(b)] ^= 1
			return b
		}
	}
	set := func(k, v string) alter {
		return func(b []byte, m map[string]string) []byte { m[k] = v; return b }
	}
	common := map[string]alter{
		"first byte":  flip(0),
		"middle byte": flip(50000),
		"tag":         flip(-1),
		"truncated":   func(b []byte, _ map[string]string) []byte { return b[:len(b)-1] },
		"extended":    func(b []byte, _ map[string]string) []byte { return append(b, 0) },
		"tag only":    func(b []byte, _ map[string]string) []byte { return b[len(b)-16:] },
	}
	v2 := map[string]alter{
		"iv":          set("x-amz-iv", b64(make([]byte, 12))),
		"wrapped key": set("x-amz-key-v2", b64([]byte("not a kms ciphertext blob"))),
		"context":     set("x-amz-matdesc", `{"aws:x-amz-cek-alg":"AES/GCM/NoPadding","team":"red"}`),
		"downgrade":   set("x-amz-matdesc", `{"aws:x-amz-cek-alg":"115"}`),
		"cbc":         set("x-amz-cek-alg", s3c.CEKAlgAESCBC),
		"legacy kms":  set("x-amz-wrap-alg", "kms"),
		"v1 key": func(b []byte, m map[string]string) []byte {
			m["x-amz-key"] = m["x-amz-key-v2"]
			delete(m, "x-amz-key-v2")
			return b
		},
		"length":         set("x-amz-unencrypted-content-length", "99999"),
		"tag length":     set("x-amz-tag-len", "96"),
		"no matdesc key": func(b []byte, m map[string]string) []byte { delete(m, "x-amz-matdesc"); return b },
	}
	v3 := map[string]alter{
		"message id":  set("x-amz-i", b64(make([]byte, 28))),
		"commitment":  set("x-amz-d", b64(make([]byte, 28))),
		"wrapped key": set("x-amz-3", b64([]byte("not a kms ciphertext blob"))),
		"context":     set("x-amz-t", `{"aws:x-amz-cek-alg":"115","team":"red"}`),
		"downgrade":   set("x-amz-t", `{"aws:x-amz-cek-alg":"AES/GCM/NoPadding"}`),
		"suite":       set("x-amz-c", "114"),
		"wrap code":   set("x-amz-w", "02"),
		"length":      set("x-amz-unencrypted-content-length", "99999"),
	}
	_, data := xferFile(t, 100000)
	// One object per writer; each alteration is stored as its own object.
	writers := []struct {
		name   string
		format int
		put    func(key string) error
	}{
		{"official v3.2.0", s3c.FormatV2, func(key string) error {
			return officialV3(t, env, kmsKey).put(ctx, &s3.PutObjectInput{Bucket: aws.String("interoptamper"), Key: &key, Body: bytes.NewReader(data)})
		}},
		{"official v4.0.0", s3c.FormatV3, func(key string) error {
			return officialV4(t, env, kmsKey, nil).put(ctx, &s3.PutObjectInput{Bucket: aws.String("interoptamper"), Key: &key, Body: bytes.NewReader(data)})
		}},
		{"s3crypt V3", s3c.FormatV3, func(key string) error {
			src := filepath.Join(t.TempDir(), "src")
			if err := os.WriteFile(src, data, 0o600); err != nil {
				return err
			}
			_, err, _ := collect(t, env, &actions.Put{File: src, Bucket: "interoptamper", Key: key, ClientSide: &actions.ClientSide{KMSKey: kmsKey}})
			return err
		}},
	}
	reader := officialV4(t, env, kmsKey, policyPtr(commitv4.REQUIRE_ENCRYPT_ALLOW_DECRYPT))
	cases := 0
	for _, w := range writers {
		orig := strings.ReplaceAll(w.name, " ", "-")
		if err := w.put(orig); err != nil {
			t.Fatalf("%s: %v", w.name, err)
		}
		body, meta := rawObject(t, env, "interoptamper", orig)
		alters := maps.Clone(common)
		maps.Copy(alters, map[int]map[string]alter{s3c.FormatV2: v2, s3c.FormatV3: v3}[w.format])
		for name, a := range alters {
			cases++
			m := maps.Clone(meta)
			b := a(bytes.Clone(body), m)
			key := orig + "/" + strings.ReplaceAll(name, " ", "-")
			if _, err := env.Backend.S3.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("interoptamper"), Key: &key,
				Body: bytes.NewReader(b), Metadata: m}); err != nil {
				t.Fatal(err)
			}
			dir := t.TempDir()
			_, err, _ := collect(t, env, &actions.Get{Bucket: "interoptamper", Key: key, File: filepath.Join(dir, "out")})
			var ae *actions.Error
			if err == nil || !errors.As(err, &ae) {
				t.Fatalf("%s, %s altered: s3crypt get: %v", w.name, name, err)
			}
			if entries, _ := os.ReadDir(dir); len(entries) != 0 {
				t.Fatalf("%s, %s altered: s3crypt left %v", w.name, name, entries)
			}
			if strings.HasPrefix(w.name, "s3crypt") {
				if got, err := reader.get(ctx, &s3.GetObjectInput{Bucket: aws.String("interoptamper"), Key: &key}); err == nil && !bytes.Equal(got, data) {
					t.Fatalf("%s, %s altered: the official client returned altered plaintext", w.name, name)
				} else if err == nil && name != "length" {
					t.Fatalf("%s, %s altered: the official client accepted it", w.name, name)
				}
			}
		}
	}
	t.Logf("%d altered objects refused", cases)
}

// TestInteropInstructionFile writes V2 and V3 objects with their envelope
// in an instruction file (KEY.instruction) and reads them with s3crypt and
// with official v3.2.0 and v4.0.0 (which read instruction files but cannot
// write them). The official clients load the instruction file through the
// default AWS configuration, so the test points the environment at the
// sandbox.
func TestInteropInstructionFile(t *testing.T) {
	env := xferEnv(t)
	xferBucket(t, env.Backend, "instr", false)
	kmsKey := cseKey(t, env)
	ctx := context.Background()
	b := env.Backend
	creds, err := b.Config.Credentials.Retrieve(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if b.Endpoint == "" {
		t.Fatal("the sandbox backend has no endpoint")
	}
	t.Setenv("AWS_ENDPOINT_URL", b.Endpoint)
	t.Setenv("AWS_CA_BUNDLE", b.CAFile)
	t.Setenv("AWS_ACCESS_KEY_ID", creds.AccessKeyID)
	t.Setenv("AWS_SECRET_ACCESS_KEY", creds.SecretAccessKey)
	t.Setenv("AWS_SESSION_TOKEN", creds.SessionToken)
	t.Setenv("AWS_REGION", b.Region)
	t.Setenv("AWS_CONFIG_FILE", os.DevNull)
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", os.DevNull)
	readers := []officialClient{
		officialV3(t, env, kmsKey),
		officialV4(t, env, kmsKey, policyPtr(commitv4.REQUIRE_ENCRYPT_ALLOW_DECRYPT)),
		officialV4(t, env, kmsKey, nil),
	}
	for _, format := range []int{s3c.FormatV2, s3c.FormatV3} {
		for _, size := range []int{0, 17, 11 << 20} {
			src, data := xferFile(t, size)
			key := fmt.Sprintf("v%d-%d", format, size)
			if _, err, _ := collect(t, env, &actions.Put{File: src, Bucket: "instr", Key: key,
				ClientSide: &actions.ClientSide{KMSKey: kmsKey, Format: format, InstructionFile: true}}); err != nil {
				t.Fatalf("put %s: %v", key, err)
			}
			_, meta := rawObject(t, env, "instr", key)
			if _, ok := meta["x-amz-3"]; ok || meta["x-amz-key-v2"] != "" {
				t.Fatalf("%s: the wrapped key is in the object's metadata: %v", key, meta)
			}
			body, imeta := rawObject(t, env, "instr", key+".instruction")
			if _, ok := imeta["x-amz-crypto-instr-file"]; !ok || !bytes.Contains(body, []byte(`"x-amz-`)) {
				t.Fatalf("%s.instruction: %s %v", key, body, imeta)
			}
			for _, rd := range readers {
				got, err := rd.get(ctx, &s3.GetObjectInput{Bucket: aws.String("instr"), Key: &key})
				refuses := format == s3c.FormatV2 && strings.Contains(rd.name, "REQUIRE_ENCRYPT_REQUIRE_DECRYPT")
				switch {
				case refuses && err == nil:
					t.Fatalf("%s read the V2 object %s", rd.name, key)
				case refuses:
				case err != nil:
					t.Fatalf("%s cannot read %s: %v", rd.name, key, err)
				case !bytes.Equal(got, data):
					t.Fatalf("%s read %s wrong", rd.name, key)
				}
			}
			dst := filepath.Join(t.TempDir(), "out")
			g := &actions.Get{Bucket: "instr", Key: key, File: dst, InstructionFile: format == s3c.FormatV2}
			if _, err, _ := collect(t, env, g); err != nil {
				t.Fatalf("s3crypt get %s: %v", key, err)
			}
			if got, _ := os.ReadFile(dst); !bytes.Equal(got, data) {
				t.Fatalf("s3crypt read %s wrong", key)
			}
		}
	}
	// A V2 instruction-file object without --instruction-file looks plain:
	// s3crypt keeps the ciphertext, as any S3 client would.
	// A V3 one is recognised from x-amz-c/x-amz-i alone; with its
	// instruction file gone, the error says where the envelope should be.
	if _, err := b.S3.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String("instr"), Key: aws.String("v3-17.instruction")}); err != nil {
		t.Fatal(err)
	}
	_, err, _ = collect(t, env, &actions.Get{Bucket: "instr", Key: "v3-17", File: filepath.Join(t.TempDir(), "x")})
	if err == nil || !strings.Contains(err.Error(), "v3-17.instruction") {
		t.Fatalf("missing instruction file: %v", err)
	}
}
