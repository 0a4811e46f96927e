package crypto

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"encoding/hex"
	"errors"
	"math/rand/v2"
	"testing"
)

// stdSeal is the reference: crypto/cipher's one-shot GCM.
func stdSeal(t *testing.T, key, nonce, pt, aad []byte) []byte {
	t.Helper()
	block, err := aes.NewCipher(key)
	if err != nil {
		t.Fatal(err)
	}
	g, err := cipher.NewGCM(block)
	if err != nil {
		t.Fatal(err)
	}
	return g.Seal(nil, nonce, pt, aad)
}

// streamSeal encrypts pt with gcmStream, feeding it in pieces of random size.
func streamSeal(t *testing.T, rng *rand.Rand, key, nonce, pt, aad []byte) []byte {
	t.Helper()
	s, err := newGCMStream(key, nonce, aad)
	if err != nil {
		t.Fatal(err)
	}
	out := make([]byte, len(pt))
	for off := 0; off < len(pt); {
		n := 1 + rng.IntN(min(len(pt)-off, 100))
		switch rng.IntN(8) {
		case 0, 1:
			n = min(len(pt)-off, 1+rng.IntN(5000))
		case 2, 3:
			n = min(len(pt)-off, 1+rng.IntN(300<<10)) // whole 64 KiB segments straight from the input
		case 4:
			n = min(len(pt)-off, ghashSegment*(1+rng.IntN(3)))
		}
		// Into another buffer with room after the piece, into one that ends
		// with it (the last block goes through the stream's scratch), or in
		// place.
		dst, src := out[off:off+n], pt[off:off+n]
		switch rng.IntN(3) {
		case 1:
			dst = out[off : off+n : off+n]
		case 2:
			copy(dst, src)
			src = dst
		}
		if err := s.seal(dst, src); err != nil {
			t.Fatal(err)
		}
		off += n
	}
	tag := s.tag()
	return append(out, tag[:]...)
}

// TestGCMStreamMatchesStdlib compares the streaming GCM to crypto/cipher's
// GCM byte for byte on random keys, nonces, AAD and plaintexts of many sizes
// (0 to 3 MiB) fed in random pieces.
func TestGCMStreamMatchesStdlib(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	sizes := []int{0, 1, 2, 15, 16, 17, 31, 32, 33, 63, 64, 65, 255, 256, 257, 4095, 4096, 4097, 65536 + 7}
	for range 200 {
		sizes = append(sizes, rng.IntN(20000))
	}
	// Random sizes up to 3 MiB, and the segment edges.
	sizes = append(sizes, ghashSegment-1, ghashSegment, ghashSegment+1, 2*ghashSegment, 3<<20-1, 3<<20)
	for range 24 {
		sizes = append(sizes, rng.IntN(3<<20+1))
	}
	for i, size := range sizes {
		key := randBytes(rng, []int{16, 24, 32}[i%3])
		nonce := randBytes(rng, 12)
		aad := randBytes(rng, []int{0, 2, 13, 16, 40, 70000}[i%6])
		pt := randBytes(rng, size)
		want := stdSeal(t, key, nonce, pt, aad)
		got := streamSeal(t, rng, key, nonce, pt, aad)
		if !bytes.Equal(got, want) {
			t.Fatalf("size %d aad %d key %d: stream GCM differs from stdlib\n got %x\nwant %x",
				size, len(aad), len(key), got[max(0, len(got)-32):], want[max(0, len(want)-32):])
		}
		// Opening with the stream gives back the plaintext and the same tag.
		s, err := newGCMStream(key, nonce, aad)
		if err != nil {
			t.Fatal(err)
		}
		ct := append([]byte(nil), want[:size]...)
		if err := s.open(ct, ct); err != nil {
			t.Fatal(err)
		}
		if tag := s.tag(); !bytes.Equal(ct, pt) || !bytes.Equal(tag[:], want[size:]) {
			t.Fatalf("size %d: open did not invert seal", size)
		}
	}
}

// TestGHASHKnownAnswer checks the software multiply against the GCM
// specification's test case 2 (McGrew & Viega): H =
// 66e94bd4ef8a2c3b884cfa59ca342b2e, one block of ciphertext
// 0388dace60b6a392f328c2b971b2fe78, no AAD: GHASH = (C·H ⊕ L)·H.
func TestGHASHKnownAnswer(t *testing.T) {
	var h, c [16]byte
	copy(h[:], mustHex(t, "66e94bd4ef8a2c3b884cfa59ca342b2e"))
	copy(c[:], mustHex(t, "0388dace60b6a392f328c2b971b2fe78"))
	y := gfMul(&c, &h)
	l := lengthBlock(0, 16)
	for i := range y {
		y[i] ^= l[i]
	}
	got := gfMul(&y, &h)
	if want := "f38cbb1ad69223dcc3457ae5b6b0f885"; hex.EncodeToString(got[:]) != want {
		t.Fatalf("GHASH = %x, want %s", got, want)
	}
	if p := gfPow(&h, 3); p != gfMul(&h, ptr(gfMul(&h, &h))) {
		t.Fatalf("H^3 = %x", p)
	}
}

func ptr[T any](v T) *T { return &v }

func TestGCMStreamRejectsBadNonce(t *testing.T) {
	if _, err := newGCMStream(make([]byte, 32), make([]byte, 16), nil); err == nil {
		t.Fatal("16-byte nonce accepted")
	}
}

func TestGCMStreamLengthLimit(t *testing.T) {
	s, err := newGCMStream(make([]byte, 32), make([]byte, 12), nil)
	if err != nil {
		t.Fatal(err)
	}
	s.n = gcmMaxPlaintext - 1
	if err := s.seal(make([]byte, 1), make([]byte, 1)); err != nil {
		t.Fatalf("last allowed byte refused: %v", err)
	}
	if err := s.seal(make([]byte, 1), make([]byte, 1)); !errors.Is(err, ErrTooLong) {
		t.Fatalf("byte past the GCM limit: err = %v, want ErrTooLong", err)
	}
}

func randBytes(rng *rand.Rand, n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(rng.Uint32())
	}
	return b
}

func mustHex(t *testing.T, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestGFInv: h·h^-1 is the field's one (0x80 00…: GCM's bit order), for
// random h.
func TestGFInv(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	var one [16]byte
	one[0] = 0x80
	for range 20 {
		var h [16]byte
		for i := range h {
			h[i] = byte(rng.Uint32())
		}
		inv := gfInv(&h)
		if got := gfMul(&h, &inv); got != one {
			t.Fatalf("h·h^-1 = %x", got)
		}
	}
}
