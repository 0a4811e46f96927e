package crypto

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// fuzzKey is the data key of the fuzz seeds.
func fuzzKey() *Key { return NewKey(bytes.Repeat([]byte{0x5a}, 32)) }

// fuzzObject encrypts plain as format V2 or V3 and returns the object's
// user metadata (as S3 returns it) and body.
func fuzzObject(tb testing.TB, format int, plain []byte) (map[string]string, []byte) {
	tb.Helper()
	ctx, err := KMSContext(map[string]string{"purpose": "fuzz"}, format)
	if err != nil {
		tb.Fatal(err)
	}
	// A fixed IV / Message ID: every fuzz worker must build the same object.
	rnd := bytes.NewReader(bytes.Repeat([]byte{0x11}, 64))
	e, err := newEnvelope(rnd, format, fuzzKey(), []byte("wrapped-by-kms"), ctx, int64(len(plain)))
	if err != nil {
		tb.Fatal(err)
	}
	var body bytes.Buffer
	if _, err := Encrypt(&body, bytes.NewReader(plain), fuzzKey(), e); err != nil {
		tb.Fatal(err)
	}
	return e.Metadata(), body.Bytes()
}

// FuzzCSEMetadata parses S3 Encryption Client metadata (a JSON object of
// user metadata, as HeadObject returns it) in both the strict and legacy
// readers. Parsing never panics, errors wrap the package's sentinel
// errors, and what parses re-serialises (Envelope.Metadata) to metadata
// that parses to the same envelope.
func FuzzCSEMetadata(f *testing.F) {
	for _, format := range []int{FormatV2, FormatV3} {
		meta, _ := fuzzObject(f, format, []byte("seed"))
		b, _ := json.Marshal(meta)
		f.Add(b, false)
	}
	f.Add([]byte(`{"x-amz-key":"AAAA","x-amz-iv":"AAAAAAAAAAAAAAAAAAAAAA==","x-amz-matdesc":"{}"}`), true)
	f.Add([]byte(`{"x-amz-key-v2":"AAAA","x-amz-iv":"AAAAAAAAAAAAAAAA","x-amz-cek-alg":"AES/CBC/PKCS5Padding","x-amz-wrap-alg":"kms","x-amz-matdesc":"{\"kms_cmk_id\":\"alias/x\"}"}`), true)
	f.Add([]byte(`{"x-amz-3":"AAAA","x-amz-d":"AAAA","x-amz-i":"AAAA","x-amz-c":"115","x-amz-w":"12","x-amz-t":"{\"a\":\"b\"}"}`), false)
	f.Fuzz(func(t *testing.T, raw []byte, legacy bool) {
		var meta map[string]string
		if json.Unmarshal(raw, &meta) != nil {
			return
		}
		parse := ParseEnvelope
		if legacy {
			parse = ParseEnvelopeLegacy
		}
		e, err := parse(meta)
		if err != nil {
			if !errors.Is(err, ErrNoEnvelope) && !errors.Is(err, ErrV1NotSupported) &&
				!errors.Is(err, ErrAmbiguousEnvelope) && !errors.Is(err, ErrBadEnvelope) {
				t.Fatalf("untyped error: %v", err)
			}
			return
		}
		if e.Format == 1 {
			return // V1 is read-only (legacy); Metadata writes V2/V3
		}
		again := e.Metadata()
		e2, err := parse(again)
		if err != nil {
			t.Fatalf("re-serialised %v: %v", again, err)
		}
		a, _ := json.Marshal(e)
		b, _ := json.Marshal(e2)
		if !bytes.Equal(a, b) {
			t.Fatalf("round trip:\n%s\n%s", a, b)
		}
	})
}

// FuzzCSEDecrypt decrypts a V2 or V3 object after the fuzzer changed its
// body or one metadata value. It succeeds only on the original body and an
// envelope that decrypts it to the original plaintext; DecryptToFile leaves
// no file behind on any error (no unauthenticated plaintext).
func FuzzCSEDecrypt(f *testing.F) {
	plain := []byte("client-side encrypted object body, seventy bytes or so of plaintext..")
	for _, format := range []int{FormatV2, FormatV3} {
		_, body := fuzzObject(f, format, plain)
		f.Add(uint8(format), body, "", "")
		f.Add(uint8(format), body[:len(body)-1], "", "")
		f.Add(uint8(format), body, "x-amz-iv", "AAAAAAAAAAAAAAAA")
		f.Add(uint8(format), body, "x-amz-d", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")
		f.Add(uint8(format), body, "x-amz-unencrypted-content-length", "1")
	}
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, format uint8, body []byte, k, v string) {
		fm := FormatV2 + int(format)%2
		meta, orig := fuzzObject(t, fm, plain)
		if k != "" {
			meta[k] = v
		}
		e, err := ParseEnvelope(meta)
		if err != nil {
			return
		}
		var out bytes.Buffer
		_, err = DecryptTo(&out, bytes.NewReader(body), fuzzKey(), e)
		t.Logf("V%d %s=%q: %v", fm, k, v, err)
		if err == nil && (!bytes.Equal(body, orig) || !bytes.Equal(out.Bytes(), plain)) {
			t.Fatalf("V%d with %s=%q: body %x decrypted without error to %q", fm, k, v, body, out.Bytes())
		}
		path := filepath.Join(dir, "out")
		_, ferr := DecryptToFile(path, bytes.NewReader(body), fuzzKey(), e)
		_, statErr := os.Stat(path)
		if (ferr == nil) != (err == nil) {
			t.Fatalf("DecryptTo %v, DecryptToFile %v", err, ferr)
		}
		if ferr != nil && statErr == nil {
			t.Fatalf("DecryptToFile failed (%v) and left %s", ferr, path)
		}
		_ = os.Remove(path)
	})
}
