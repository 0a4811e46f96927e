package crypto

import (
	"bytes"
	"errors"
	"math/rand/v2"
	"slices"
	"testing"
)

// TestGCMStreamPieces: a message cut into pieces at random block edges,
// each piece sealed (or opened) on its own goroutine and the pieces joined
// in order, equals crypto/cipher's GCM, ciphertext and tag.
func TestGCMStreamPieces(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	sizes := []int{0, 1, 15, 16, 17, 33, 4096, ghashSegment - 1, ghashSegment + 17, 3 << 20}
	for range 30 {
		sizes = append(sizes, rng.IntN(3<<20+1))
	}
	for i, size := range sizes {
		key := randBytes(rng, []int{16, 24, 32}[i%3])
		nonce := randBytes(rng, 12)
		aad := randBytes(rng, []int{0, 13, 16, 40}[i%4])
		pt := randBytes(rng, size)
		want := stdSeal(t, key, nonce, pt, aad)
		cuts := pieceCuts(rng, size)
		for _, open := range []bool{false, true} {
			buf := slices.Clone(pt)
			if open {
				buf = slices.Clone(want[:size])
			}
			s, err := newGCMStream(key, nonce, aad)
			if err != nil {
				t.Fatal(err)
			}
			// Fed in random-sized writes, as a download arrives.
			// Clipped: seal borrows the 16 bytes after a span when its
			// capacity has them, and they are the next piece's.
			eachPiece(t, cuts, func(off int64) (*gcmStream, error) { return s.piece(uint64(off)) },
				func(piece *gcmStream, a, b int) error {
					p, r := buf[a:b:b], rand.New(rand.NewPCG(uint64(i), uint64(a)))
					for len(p) > 0 {
						k := min(len(p), 1+r.IntN(100000))
						var err error
						if open {
							err = piece.open(p[:k], p[:k])
						} else {
							err = piece.seal(p[:k], p[:k])
						}
						if err != nil {
							return err
						}
						p = p[k:]
					}
					return nil
				}, s.join)
			tag := s.tag()
			wantBuf := want[:size]
			if open {
				wantBuf = pt
			}
			if !bytes.Equal(buf, wantBuf) || !bytes.Equal(tag[:], want[size:]) {
				t.Fatalf("size %d cuts %v open %v: pieces differ from stdlib GCM", size, cuts, open)
			}
		}
	}
}

// pieceCuts cuts size bytes at a few random multiples of 16: offsets from
// 0 to size.
func pieceCuts(rng *rand.Rand, size int) []int {
	cuts := []int{0}
	for range rng.IntN(6) {
		if c := rng.IntN(size/16+1) * 16; c > 0 && c < size {
			cuts = append(cuts, c)
		}
	}
	cuts = append(cuts, size)
	slices.Sort(cuts)
	return slices.Compact(cuts)
}

// TestGCMStreamPieceRules: a piece starts at a block edge, pieces join in
// order, and nothing follows a piece that ends mid-block.
func TestGCMStreamPieceRules(t *testing.T) {
	s, err := newGCMStream(make([]byte, 32), make([]byte, 12), nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.piece(8); err == nil {
		t.Fatal("piece at byte 8 accepted")
	}
	a, _ := s.piece(0)
	b, _ := s.piece(32)
	if err := a.open(make([]byte, 32), make([]byte, 32)); err != nil {
		t.Fatal(err)
	}
	if err := b.open(make([]byte, 5), make([]byte, 5)); err != nil {
		t.Fatal(err)
	}
	if err := s.join(b); err == nil {
		t.Fatal("piece at byte 32 joined at byte 0")
	}
	c, _ := s.piece(0)
	if err := c.open(make([]byte, 21), make([]byte, 21)); err != nil {
		t.Fatal(err)
	}
	if err := s.join(c); err != nil {
		t.Fatal(err)
	}
	if err := s.open(make([]byte, 1), make([]byte, 1)); !errors.Is(err, errAfterLastBlock) {
		t.Fatalf("content after a partial last block: err = %v", err)
	}
}
