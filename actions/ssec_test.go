package actions_test

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/kms"

	"github.com/s3crypt/s3crypt/actions"
)

// eventText is every step, command and error text of evs, to look for
// secrets in.
func eventText(evs []actions.Event) string {
	var b strings.Builder
	for _, e := range evs {
		fmt.Fprintf(&b, "%+v\n", e)
	}
	return b.String()
}

// TestSSECFromKMSDataKeyRoundTrip uploads with an SSE-C key that is a KMS
// data key kept only encrypted, and downloads by asking KMS to decrypt it:
// the bytes come back, the plaintext key is in no event, and the key file
// holds only the encrypted key.
func TestSSECFromKMSDataKeyRoundTrip(t *testing.T) {
	env := xferEnv(t)
	xferBucket(t, env.Backend, "ssec", true)
	key := newKey(t, env, "", "alias/ssec")
	src, data := xferFile(t, 3000)
	dir := t.TempDir()
	encKey := filepath.Join(dir, "key.enc")
	_, upEvs := mustRun(t, env, &actions.PutSSEC{Put: actions.Put{File: src, Bucket: "ssec", Key: "o"}, Source: actions.SSECFromKMS,
		KeyFile: encKey, KMSKey: key})
	if got := stepOps(upEvs); !strings.Contains(got, "KMS:GenerateDataKey") || !strings.Contains(got, "S3:Stored") {
		t.Fatalf("upload steps %s", got)
	}
	blob, err := os.ReadFile(encKey)
	if err != nil || len(blob) <= 32 {
		t.Fatalf("encrypted key file: %v (%d bytes)", err, len(blob))
	}
	out := filepath.Join(dir, "out")
	res, evs := mustRun(t, env, &actions.GetSSEC{Get: actions.Get{Bucket: "ssec", Key: "o", File: out}, KeyFile: encKey, FromKMS: true})
	if got, _ := os.ReadFile(out); !bytes.Equal(got, data) {
		t.Fatal("downloaded bytes differ")
	}
	if r := res.(actions.GetResult); r.Encryption.Mode() != "SSE-C" {
		t.Fatalf("download encryption %+v", r.Encryption)
	}
	if got := stepOps(evs); !strings.HasPrefix(got, "you:Request KMS:Decrypt KMS:Response") {
		t.Fatalf("download steps %s", got)
	}
	// The plaintext key is what KMS decrypts the file to: no event of
	// either job carries it, raw, in base64 or in hex.
	dk, err := env.Backend.KMS.Decrypt(t.Context(), &kms.DecryptInput{CiphertextBlob: blob})
	if err != nil {
		t.Fatal(err)
	}
	all := eventText(evs) + eventText(upEvs)
	for _, form := range []string{string(dk.Plaintext), base64.StdEncoding.EncodeToString(dk.Plaintext), hex.EncodeToString(dk.Plaintext)} {
		if strings.Contains(all, form) {
			t.Fatal("the plaintext data key is in the events")
		}
	}
}

// TestPutSSECRefusedRemovesOnlyKeysItMade: when S3 refuses the upload, a
// key file PutSSEC made (a fresh key, an encrypted data key) is removed
// with a step saying so; a key file you brought is kept.
func TestPutSSECRefusedRemovesOnlyKeysItMade(t *testing.T) {
	env := xferEnv(t)
	mustRun(t, env, &actions.MakeBucket{Bucket: "blocked"}) // blocks SSE-C, the 2026 default
	key := newKey(t, env, "", "alias/blk")
	src, _ := xferFile(t, 10)
	dir := t.TempDir()
	put := actions.Put{File: src, Bucket: "blocked", Key: "o"}
	for _, c := range []struct {
		name   string
		a      *actions.PutSSEC
		remove bool
	}{
		{"generated", &actions.PutSSEC{Put: put, Source: actions.SSECGenerate, KeyFile: filepath.Join(dir, "new.key")}, true},
		{"kms data key", &actions.PutSSEC{Put: put, Source: actions.SSECFromKMS, KeyFile: filepath.Join(dir, "dk.enc"), KMSKey: key}, true},
		{"own file", &actions.PutSSEC{Put: put, Source: actions.SSECFromFile, KeyFile: filepath.Join(dir, "new.key")}, false},
	} {
		if !c.remove { // bring a key file of your own
			mustRun(t, env, &actions.GenerateDataKey{KeyID: key, Out: c.a.KeyFile})
		}
		_, err, evs := collect(t, env, c.a)
		if actions.KindOf(err) != actions.KindSSECBlocked {
			t.Fatalf("%s: %v (kind %q), want SSE-C blocked", c.name, err, actions.KindOf(err))
		}
		_, serr := os.Stat(c.a.KeyFile)
		removed := errors.Is(serr, os.ErrNotExist)
		if removed != c.remove || strings.Contains(stepOps(evs), "you:KeyFileRemoved") != c.remove {
			t.Fatalf("%s: removed %v (want %v); steps %s", c.name, removed, c.remove, stepOps(evs))
		}
	}
	if _, err, _ := collect(t, env, &actions.GetSSEC{Get: actions.Get{Bucket: "blocked", Key: "o", File: filepath.Join(dir, "o")},
		KeyFile: filepath.Join(dir, "none")}); actions.KindOf(err) != actions.KindOther || !strings.Contains(err.Error(), "cannot use") {
		t.Fatalf("missing key file: %v", err)
	}
}
