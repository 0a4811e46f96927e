package crypto

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	crand "crypto/rand"
	"crypto/rsa"
	"crypto/sha1" //nolint:gosec // the RSA-OAEP-SHA1 keyring's hash
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"io"
	"math/rand/v2"
	"testing"
	"testing/iotest"
)

// Appendix A.4 inputs: PDK = 00..1f, Message ID = a0..bb, V2 IV = 10..1b.
func a4PDK() *Key {
	b := make([]byte, 32)
	for i := range b {
		b[i] = byte(i)
	}
	return NewKey(b)
}

func a4MessageID() []byte {
	b := make([]byte, 28)
	for i := range b {
		b[i] = byte(0xa0 + i)
	}
	return b
}

func a4IV() []byte {
	b := make([]byte, 12)
	for i := range b {
		b[i] = byte(0x10 + i)
	}
	return b
}

// a4Envelope builds the envelope of Appendix A.4 for format.
func a4Envelope(t *testing.T, format int, plaintextLen int64) Envelope {
	t.Helper()
	ctx, err := KMSContext(map[string]string{"purpose": "test"}, format)
	if err != nil {
		t.Fatal(err)
	}
	rnd := bytes.NewReader(append(a4IV(), a4MessageID()...))
	if format == FormatV3 {
		rnd = bytes.NewReader(a4MessageID())
	}
	e, err := newEnvelope(rnd, format, a4PDK(), []byte("wrapped-key-blob"), ctx, plaintextLen)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func TestAppendixA4KeyDerivation(t *testing.T) {
	commit, derived, err := deriveV3(a4PDK().Bytes(), a4MessageID())
	if err != nil {
		t.Fatal(err)
	}
	if got := hex.EncodeToString(commit); got != "c14b6f5ff01354a12d08225323f8bb6a482599d178c7bc3660be7a3b" {
		t.Errorf("commit key = %s", got)
	}
	if got := base64.StdEncoding.EncodeToString(commit); got != "wUtvX/ATVKEtCCJTI/i7akglmdF4x7w2YL56Ow==" {
		t.Errorf("commit key base64 = %s", got)
	}
	if got := hex.EncodeToString(derived); got != "a8e0c7c35a41d8aaf9ef82a872f31b9e996b7ff6318c3772987ee5470cf89946" {
		t.Errorf("derived key = %s", got)
	}
	if got := base64.StdEncoding.EncodeToString(a4MessageID()); got != "oKGio6SlpqeoqaqrrK2ur7CxsrO0tba3uLm6uw==" {
		t.Errorf("message id base64 = %s", got)
	}
}

func TestAppendixA4Bodies(t *testing.T) {
	tests := []struct {
		format int
		want   string
	}{
		{FormatV3, "a4c9f641c643e31fe2aedfc972aaacad87dab88e16f8edef34cb6e"},
		{FormatV2, "159bf47a26e94ddcb8196cde15c0bcd7d4cbf86a7b196a0b2426a6"},
	}
	for _, tt := range tests {
		e := a4Envelope(t, tt.format, 11)
		var body bytes.Buffer
		n, err := Encrypt(&body, bytes.NewReader([]byte("hello world")), a4PDK(), e)
		if err != nil {
			t.Fatalf("V%d: %v", tt.format, err)
		}
		if got := hex.EncodeToString(body.Bytes()); got != tt.want || n != 27 {
			t.Errorf("V%d body = %s (%d bytes), want %s", tt.format, got, n, tt.want)
		}
		var pt bytes.Buffer
		if _, err := DecryptTo(&pt, &body, a4PDK(), e); err != nil || pt.String() != "hello world" {
			t.Errorf("V%d decrypt = %q, %v", tt.format, pt.String(), err)
		}
	}
}

// TestAppendixA4AESGCMWrap checks the raw AES keyring against the
// Appendix A.4 vector (wrapping key 42×32, IV 24×12, V2's AAD).
func TestAppendixA4AESGCMWrap(t *testing.T) {
	wk := NewKey(bytes.Repeat([]byte{0x42}, 32))
	got, err := wrapAESGCM(bytes.NewReader(bytes.Repeat([]byte{0x24}, 12)), wk, a4PDK(), FormatV2)
	if err != nil {
		t.Fatal(err)
	}
	want := "242424242424242424242424" +
		"1590c642edc3c0392ee128a1b13f9da97cea2163a2be467aa8bdd6414ad8f90ce3eca409714b4de9155b51584d122c15"
	if hex.EncodeToString(got) != want {
		t.Fatalf("wrap = %x", got)
	}
	k, err := UnwrapAESGCM(wk, got, FormatV2)
	if err != nil || !bytes.Equal(k.Bytes(), a4PDK().Bytes()) {
		t.Fatalf("unwrap: %v", err)
	}
	// Bound to the format: V2's wrapped key does not open as V3's.
	if _, err := UnwrapAESGCM(wk, got, FormatV3); !errors.Is(err, ErrUnwrap) {
		t.Fatalf("V2 key opened as V3: %v", err)
	}
	if _, err := UnwrapAESGCM(NewKey(bytes.Repeat([]byte{0x43}, 32)), got, FormatV2); !errors.Is(err, ErrUnwrap) {
		t.Fatalf("wrong wrapping key: %v", err)
	}
	// V3's AAD is the suite id "115", as S3EC Java's AesKeyring uses.
	v3, _ := wrapAESGCM(bytes.NewReader(bytes.Repeat([]byte{0x24}, 12)), wk, a4PDK(), FormatV3)
	block, _ := aes.NewCipher(wk.Bytes())
	g, _ := cipher.NewGCM(block)
	if pt, err := g.Open(nil, v3[:12], v3[12:], []byte("115")); err != nil || !bytes.Equal(pt, a4PDK().Bytes()) {
		t.Fatalf("V3 AAD: %v", err)
	}
}

// TestRSAOAEPKeyring wraps and unwraps with a fresh 2048-bit key and
// checks the pseudo data key (length ‖ key ‖ algorithm name) by opening
// it with the standard library.
func TestRSAOAEPKeyring(t *testing.T) {
	priv, err := rsa.GenerateKey(crand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	for format, alg := range map[int]string{FormatV2: CEKAlgAESGCM, FormatV3: CEKAlgCommitKey} {
		w, err := WrapRSAOAEP(&priv.PublicKey, a4PDK(), format)
		if err != nil {
			t.Fatal(err)
		}
		pseudo, err := rsa.DecryptOAEP(sha1.New(), nil, priv, w, nil)
		if err != nil || pseudo[0] != 32 || !bytes.Equal(pseudo[1:33], a4PDK().Bytes()) || string(pseudo[33:]) != alg {
			t.Fatalf("V%d pseudo data key %x, %v", format, pseudo, err)
		}
		k, err := UnwrapRSAOAEP(priv, w, format)
		if err != nil || !bytes.Equal(k.Bytes(), a4PDK().Bytes()) {
			t.Fatalf("unwrap: %v", err)
		}
		if _, err := UnwrapRSAOAEP(priv, w, 5-format); !errors.Is(err, ErrUnwrap) {
			t.Fatalf("V%d key opened as the other format: %v", format, err)
		}
	}
	der := x509.MarshalPKCS1PrivateKey(priv)
	p, pub, err := ParseRSAKeyPEM(pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: der}))
	if err != nil || p == nil || pub.N.Cmp(priv.N) != 0 {
		t.Fatalf("PKCS#1 PEM: %v", err)
	}
	pkix, _ := x509.MarshalPKIXPublicKey(&priv.PublicKey)
	if p, pub, err := ParseRSAKeyPEM(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pkix})); err != nil || p != nil || pub == nil {
		t.Fatalf("public PEM: %v", err)
	}
	if _, _, err := ParseRSAKeyPEM([]byte("not pem")); err == nil {
		t.Fatal("garbage accepted")
	}
}

func TestRoundTripSizes(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for _, format := range []int{FormatV2, FormatV3} {
		for _, size := range []int{0, 1, 15, 16, 17, 4095, 1<<20 + 7} {
			key, e := randomEnvelope(t, format, size)
			pt := randBytes(rng, size)
			var body bytes.Buffer
			n, err := Encrypt(&body, iotest.HalfReader(bytes.NewReader(pt)), key, e)
			if err != nil || n != EncryptedLength(int64(size)) || int64(body.Len()) != n {
				t.Fatalf("V%d size %d: encrypt n=%d err=%v", format, size, n, err)
			}
			if want := stdlibBody(t, key, e, pt); !bytes.Equal(body.Bytes(), want) {
				t.Fatalf("V%d size %d: body differs from stdlib GCM", format, size)
			}
			var out bytes.Buffer
			m, err := DecryptTo(&out, iotest.OneByteReader(bytes.NewReader(body.Bytes())), key, e)
			if err != nil || m != int64(size) || !bytes.Equal(out.Bytes(), pt) {
				t.Fatalf("V%d size %d: decrypt m=%d err=%v", format, size, m, err)
			}
			// The envelope survives the metadata round trip.
			back, err := ParseEnvelope(e.Metadata())
			if err != nil {
				t.Fatal(err)
			}
			out.Reset()
			if _, err := DecryptTo(&out, bytes.NewReader(body.Bytes()), key, back); err != nil || !bytes.Equal(out.Bytes(), pt) {
				t.Fatalf("V%d size %d: decrypt with parsed envelope: %v", format, size, err)
			}
		}
	}
}

// stdlibBody computes the expected S3EC body with crypto/cipher's one-shot GCM.
// randomEnvelope is a random 32-byte content key and a format envelope
// for a size-byte plaintext (KMS context, a made-up wrapped key).
func randomEnvelope(t *testing.T, format, size int) (*Key, Envelope) {
	t.Helper()
	key, err := RandomKey(32)
	if err != nil {
		t.Fatal(err)
	}
	ctx, _ := KMSContext(nil, format)
	e, err := NewEnvelope(format, key, []byte{1, 2, 3}, ctx, int64(size))
	if err != nil {
		t.Fatal(err)
	}
	return key, e
}

func stdlibBody(t *testing.T, key *Key, e Envelope, pt []byte) []byte {
	t.Helper()
	k, nonce, aad := key.Bytes(), e.IV, []byte(nil)
	if e.Format == FormatV3 {
		_, derived, err := deriveV3(key.Bytes(), e.MessageID)
		if err != nil {
			t.Fatal(err)
		}
		k, nonce, aad = derived, v3Nonce, v3AAD
	}
	return stdSeal(t, k, nonce, pt, aad)
}

// encryptA4 returns the V-format body of 1000 pseudo-random bytes.
func encryptA4(t *testing.T, format int) (Envelope, []byte, []byte) {
	t.Helper()
	pt := randBytes(rand.New(rand.NewPCG(5, 6)), 1000)
	e := a4Envelope(t, format, int64(len(pt)))
	var body bytes.Buffer
	if _, err := Encrypt(&body, bytes.NewReader(pt), a4PDK(), e); err != nil {
		t.Fatal(err)
	}
	return e, pt, body.Bytes()
}

func TestTamperingIsDetected(t *testing.T) {
	for _, format := range []int{FormatV2, FormatV3} {
		e, _, body := encryptA4(t, format)
		noLen := e
		noLen.UnencryptedLength = -1
		flip := func(b []byte, i int) []byte {
			c := append([]byte(nil), b...)
			c[i] ^= 0x01
			return c
		}
		cases := map[string]struct {
			body []byte
			env  Envelope
			want error
		}{
			"first ciphertext byte": {flip(body, 0), e, ErrAuthentication},
			"last ciphertext byte":  {flip(body, len(body)-17), e, ErrAuthentication},
			"tag byte":              {flip(body, len(body)-1), e, ErrAuthentication},
			"truncated by one":      {body[:len(body)-1], e, ErrAuthentication},
			"shorter than a tag":    {body[:15], e, ErrTruncated},
			"extra byte":            {append(append([]byte(nil), body...), 0), e, ErrLengthMismatch},
			"extra byte, no length": {append(append([]byte(nil), body...), 0), noLen, ErrAuthentication},
		}
		if format == FormatV3 {
			bad := e
			bad.Commitment = flip(e.Commitment, 0)
			cases["commitment byte"] = struct {
				body []byte
				env  Envelope
				want error
			}{body, bad, ErrCommitment}
			bad2 := e
			bad2.MessageID = flip(e.MessageID, 27)
			cases["message id byte"] = struct {
				body []byte
				env  Envelope
				want error
			}{body, bad2, ErrCommitment}
		} else {
			bad := e
			bad.IV = flip(e.IV, 0)
			cases["iv byte"] = struct {
				body []byte
				env  Envelope
				want error
			}{body, bad, ErrAuthentication}
		}
		for name, c := range cases {
			_, err := DecryptTo(io.Discard, bytes.NewReader(c.body), a4PDK(), c.env)
			if !errors.Is(err, c.want) {
				t.Errorf("V%d %s: err = %v, want %v", format, name, err, c.want)
			}
		}
		// The wrong data key fails too: V3 at the commitment, V2 at the tag.
		wrong := NewKey(bytes.Repeat([]byte{9}, 32))
		want := ErrAuthentication
		if format == FormatV3 {
			want = ErrCommitment
		}
		if _, err := DecryptTo(io.Discard, bytes.NewReader(body), wrong, e); !errors.Is(err, want) {
			t.Errorf("V%d wrong key: err = %v, want %v", format, err, want)
		}
	}
}

// TestCommitmentCheckedBeforeOutput: a V3 commitment failure writes nothing.
func TestCommitmentCheckedBeforeOutput(t *testing.T) {
	e, _, body := encryptA4(t, FormatV3)
	e.Commitment = bytes.Repeat([]byte{0}, 28)
	var out bytes.Buffer
	n, err := DecryptTo(&out, bytes.NewReader(body), a4PDK(), e)
	if !errors.Is(err, ErrCommitment) || n != 0 || out.Len() != 0 {
		t.Fatalf("n=%d out=%d err=%v", n, out.Len(), err)
	}
}

// TestDecryptToContract shows what the DecryptTo contract guards against:
// with a forged tag, plaintext has already been written when the error comes.
func TestDecryptToContract(t *testing.T) {
	e, pt, body := encryptA4(t, FormatV2)
	forged := append([]byte(nil), body...)
	forged[len(forged)-1] ^= 0xff
	var out bytes.Buffer
	n, err := DecryptTo(&out, bytes.NewReader(forged), a4PDK(), e)
	if !errors.Is(err, ErrAuthentication) {
		t.Fatalf("err = %v", err)
	}
	if n != int64(len(pt)) || !bytes.Equal(out.Bytes(), pt) {
		t.Fatalf("expected the unauthenticated plaintext to have been streamed (n=%d)", n)
	}
}

func TestLengthMismatch(t *testing.T) {
	e, pt, body := encryptA4(t, FormatV3)
	short := e
	short.UnencryptedLength = int64(len(pt) - 1)
	if _, err := DecryptTo(io.Discard, bytes.NewReader(body), a4PDK(), short); !errors.Is(err, ErrLengthMismatch) {
		t.Fatalf("decrypt, declared shorter: %v", err)
	}
	long := e
	long.UnencryptedLength = int64(len(pt) + 1)
	if _, err := DecryptTo(io.Discard, bytes.NewReader(body), a4PDK(), long); !errors.Is(err, ErrLengthMismatch) {
		t.Fatalf("decrypt, declared longer: %v", err)
	}
	if _, err := Encrypt(io.Discard, bytes.NewReader(pt), a4PDK(), short); !errors.Is(err, ErrLengthMismatch) {
		t.Fatalf("encrypt, declared shorter: %v", err)
	}
	if _, err := Encrypt(io.Discard, bytes.NewReader(pt), a4PDK(), long); !errors.Is(err, ErrLengthMismatch) {
		t.Fatalf("encrypt, declared longer: %v", err)
	}
	unknown := e
	unknown.UnencryptedLength = -1
	var out bytes.Buffer
	if _, err := DecryptTo(&out, bytes.NewReader(body), a4PDK(), unknown); err != nil || !bytes.Equal(out.Bytes(), pt) {
		t.Fatalf("unknown length: %v", err)
	}
}

func TestReadAndWriteErrorsPropagate(t *testing.T) {
	e, pt, body := encryptA4(t, FormatV2)
	boom := errors.New("boom")
	if _, err := Encrypt(io.Discard, iotest.ErrReader(boom), a4PDK(), e); !errors.Is(err, boom) {
		t.Fatalf("encrypt read error: %v", err)
	}
	r, err := NewEncryptReader(io.MultiReader(bytes.NewReader(pt[:10]), iotest.ErrReader(boom)), a4PDK(), e)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.ReadAll(r); !errors.Is(err, boom) {
		t.Fatalf("encrypt late read error: %v", err)
	}
	if _, err := r.Read(make([]byte, 10)); !errors.Is(err, boom) {
		t.Fatalf("error not sticky: %v", err)
	}
	if _, err := DecryptTo(io.Discard, iotest.DataErrReader(iotest.TimeoutReader(bytes.NewReader(body))), a4PDK(), e); !errors.Is(err, iotest.ErrTimeout) {
		t.Fatalf("decrypt read error: %v", err)
	}
	if _, err := DecryptTo(failWriter{boom}, bytes.NewReader(body), a4PDK(), e); !errors.Is(err, boom) {
		t.Fatalf("decrypt write error: %v", err)
	}
}

type failWriter struct{ err error }

func (w failWriter) Write([]byte) (int, error) { return 0, w.err }

func TestContentKeyChecks(t *testing.T) {
	e := a4Envelope(t, FormatV2, 0)
	wiped := a4PDK()
	wiped.Wipe()
	if _, err := NewEncryptReader(bytes.NewReader(nil), wiped, e); !errors.Is(err, ErrWipedKey) {
		t.Fatalf("wiped key: %v", err)
	}
	if _, err := DecryptTo(io.Discard, bytes.NewReader(nil), NewKey(make([]byte, 16)), e); err == nil {
		t.Fatal("16-byte data key accepted")
	}
	bad := e
	bad.Format = 1
	if _, err := NewEncryptReader(bytes.NewReader(nil), a4PDK(), bad); !errors.Is(err, ErrBadEnvelope) {
		t.Fatalf("format 1: %v", err)
	}
	bad = e
	bad.CEKAlg = CEKAlgCommitKey
	if _, err := NewEncryptReader(bytes.NewReader(nil), a4PDK(), bad); !errors.Is(err, ErrBadEnvelope) {
		t.Fatalf("V2 with suite 115: %v", err)
	}
}

// TestEncryptReaderDoesNotRetainKey: the data key may be wiped right after
// NewEncryptReader returns.
func TestEncryptReaderDoesNotRetainKey(t *testing.T) {
	e := a4Envelope(t, FormatV3, 11)
	k := a4PDK()
	r, err := NewEncryptReader(bytes.NewReader([]byte("hello world")), k, e)
	if err != nil {
		t.Fatal(err)
	}
	k.Wipe()
	body, err := io.ReadAll(r)
	if err != nil || hex.EncodeToString(body) != "a4c9f641c643e31fe2aedfc972aaacad87dab88e16f8edef34cb6e" {
		t.Fatalf("body after wiping the key = %x, %v", body, err)
	}
}

// TestEncryptReaderCloseWipes: an encryption stream abandoned half way (an
// upload aborted, the reader dropped) is wiped by Close: the hash key, the
// tag mask and the CTR keystream are gone, and a later Read fails instead
// of producing bytes under a half-wiped stream. Close twice, and Close
// after the end, are harmless.
func TestEncryptReaderCloseWipes(t *testing.T) {
	e := a4Envelope(t, FormatV3, -1)
	rc, err := NewEncryptReader(bytes.NewReader(make([]byte, 1<<20)), a4PDK(), e)
	if err != nil {
		t.Fatal(err)
	}
	r := rc.(*encryptReader)
	if _, err := io.ReadFull(r, make([]byte, 100_000)); err != nil {
		t.Fatal(err)
	}
	if r.s.ctr == nil || r.s.tagMask == [16]byte{} || r.s.gh.h == [16]byte{} {
		t.Fatal("the running stream has no secrets to wipe: the test checks nothing")
	}
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	if r.s.ctr != nil || r.s.tagMask != [16]byte{} || r.s.gh.h != [16]byte{} || r.s.gh.mask0 != [16]byte{} || r.s.gh.aead != nil {
		t.Fatal("Close left the stream's secrets in memory")
	}
	if n, err := r.Read(make([]byte, 16)); n != 0 || !errors.Is(err, ErrWipedKey) {
		t.Fatalf("Read after Close = %d, %v; want 0, ErrWipedKey", n, err)
	}
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}

	// Closed after the end: the whole body was produced, Close changes nothing.
	rc, err = NewEncryptReader(bytes.NewReader([]byte("hello world")), a4PDK(), a4Envelope(t, FormatV3, 11))
	if err != nil {
		t.Fatal(err)
	}
	body, err := io.ReadAll(rc)
	if err != nil || rc.Close() != nil || hex.EncodeToString(body) != "a4c9f641c643e31fe2aedfc972aaacad87dab88e16f8edef34cb6e" {
		t.Fatalf("body = %x, %v", body, err)
	}
}

func BenchmarkEncryptV3(b *testing.B) {
	k := NewKey(make([]byte, 32))
	ctx, _ := KMSContext(nil, FormatV3)
	e, _ := NewEnvelope(FormatV3, k, []byte{1}, ctx, -1)
	buf := make([]byte, 1<<20)
	b.SetBytes(int64(len(buf)))
	for b.Loop() {
		if _, err := Encrypt(io.Discard, bytes.NewReader(buf), k, e); err != nil {
			b.Fatal(err)
		}
	}
}

// TestRangeStream decrypts every kind of range of V2 and V3 bodies with the
// CTR twin and compares it with the plaintext: first byte, last byte,
// block edges, a segment edge, the whole content.
func TestRangeStream(t *testing.T) {
	key := a4PDK()
	pt := make([]byte, 200000+7)
	for i := range pt {
		pt[i] = byte(i * 7)
	}
	for _, format := range []int{FormatV2, FormatV3} {
		ctx, _ := KMSContext(nil, format)
		e, err := NewEnvelope(format, key, []byte("w"), ctx, int64(len(pt)))
		if err != nil {
			t.Fatal(err)
		}
		var body bytes.Buffer
		if _, err := Encrypt(&body, bytes.NewReader(pt), key, e); err != nil {
			t.Fatal(err)
		}
		ct := body.Bytes()
		last := int64(len(pt) - 1)
		for _, r := range [][2]int64{{0, 0}, {last, last}, {0, last}, {15, 16}, {16, 31}, {17, 17}, {31, 48},
			{ghashSegment - 1, ghashSegment}, {100, 199999}, {last - 20, last}} {
			off := r[0] / 16 * 16
			s, err := NewRangeStream(key, e, off)
			if err != nil {
				t.Fatal(err)
			}
			got := bytes.Clone(ct[off : r[1]+1])
			s.XORKeyStream(got, got)
			if !bytes.Equal(got[r[0]-off:], pt[r[0]:r[1]+1]) {
				t.Fatalf("V%d range %d-%d differs", format, r[0], r[1])
			}
		}
		if _, err := NewRangeStream(key, e, 5); err == nil {
			t.Fatal("unaligned offset accepted")
		}
		if format == FormatV3 {
			bad := e
			bad.Commitment = make([]byte, commitmentSize)
			if _, err := NewRangeStream(key, bad, 0); !errors.Is(err, ErrCommitment) {
				t.Fatalf("commitment not checked: %v", err)
			}
		}
	}
}
