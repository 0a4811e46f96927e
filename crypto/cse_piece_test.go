package crypto

import (
	"bytes"
	"errors"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"
)

// TestEncrypterDecrypterPieces: a body sealed in pieces on separate
// goroutines (Encrypter) equals crypto/cipher's GCM body of the envelope,
// and opened in pieces (Decrypter) gives back the plaintext and verifies;
// a flipped byte in any piece fails the tag.
func TestEncrypterDecrypterPieces(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	for _, format := range []int{FormatV2, FormatV3} {
		for _, size := range []int{0, 1, 17, 5<<20 + 9, rng.IntN(3 << 20)} {
			key, e := randomEnvelope(t, format, size)
			pt := randBytes(rng, size)
			want := stdlibBody(t, key, e, pt)
			cuts := pieceCuts(rng, size)

			x, err := NewEncrypter(key, e)
			if err != nil {
				t.Fatal(err)
			}
			ct := slices.Clone(pt)
			eachPiece(t, cuts, x.Piece, func(p *Piece, a, b int) error { return p.Seal(ct[a:b:b]) }, x.Join)
			tag, err := x.Tag()
			if err != nil || !bytes.Equal(append(ct, tag...), want) {
				t.Fatalf("V%d size %d cuts %v: pieces' body differs from stdlib GCM (%v)", format, size, cuts, err)
			}
			for _, flip := range []int{-1, rng.IntN(size + 16)} {
				body := slices.Clone(want)
				if flip >= 0 {
					body[flip] ^= 1
				}
				d, err := NewDecrypter(key, e)
				if err != nil {
					t.Fatal(err)
				}
				out := body[:size]
				eachPiece(t, cuts, d.Piece, func(p *Piece, a, b int) error { return p.Open(out[a:b]) }, d.Join)
				err = d.Verify(body[size:])
				if flip < 0 && (err != nil || !bytes.Equal(out, pt)) {
					t.Fatalf("V%d size %d cuts %v: pieces did not open the body: %v", format, size, cuts, err)
				}
				if flip >= 0 && !errors.Is(err, ErrAuthentication) {
					t.Fatalf("V%d size %d: byte %d flipped: err = %v", format, size, flip, err)
				}
			}
		}
	}
}

// eachPiece runs do on the pieces between cuts, each on its own goroutine
// in 100 KB steps, then joins them in order. P is a *Piece or a
// *gcmStream piece.
func eachPiece[P any](t *testing.T, cuts []int, piece func(int64) (P, error), do func(p P, a, b int) error, join func(P) error) {
	t.Helper()
	pieces := make([]P, len(cuts)-1)
	errs := make([]error, len(pieces))
	var wg sync.WaitGroup
	for j := range pieces {
		var err error
		if pieces[j], err = piece(int64(cuts[j])); err != nil {
			t.Fatal(err)
		}
		wg.Go(func() {
			for a := cuts[j]; a < cuts[j+1] && errs[j] == nil; a += 100000 {
				errs[j] = do(pieces[j], a, min(a+100000, cuts[j+1]))
			}
		})
	}
	wg.Wait()
	for j, p := range pieces {
		if errs[j] != nil {
			t.Fatal(errs[j])
		}
		if err := join(p); err != nil {
			t.Fatal(err)
		}
	}
}

// TestPieceLengthChecks: pieces refuse content past the envelope's length,
// and Tag a body shorter than it.
func TestPieceLengthChecks(t *testing.T) {
	key, _ := RandomKey(32)
	ctx, _ := KMSContext(nil, FormatV3)
	e, err := NewEnvelope(FormatV3, key, []byte{1}, ctx, 40)
	if err != nil {
		t.Fatal(err)
	}
	x, _ := NewEncrypter(key, e)
	p, _ := x.Piece(32)
	if err := p.Seal(make([]byte, 9)); !errors.Is(err, ErrLengthMismatch) {
		t.Fatalf("seal past the length: %v", err)
	}
	q, _ := x.Piece(0)
	if err := q.Seal(make([]byte, 32)); err != nil {
		t.Fatal(err)
	}
	if err := x.Join(q); err != nil {
		t.Fatal(err)
	}
	if _, err := x.Tag(); !errors.Is(err, ErrLengthMismatch) {
		t.Fatalf("tag of 32 bytes of 40: %v", err)
	}
	d, _ := NewDecrypter(key, e)
	r, _ := d.Piece(32)
	if err := r.Open(make([]byte, 9)); !errors.Is(err, ErrLengthMismatch) {
		t.Fatalf("open past the length: %v", err)
	}
}
