package crypto

import (
	"crypto/aes"
	"crypto/cipher"
	"encoding/binary"
	"errors"
	"fmt"
)

const (
	gcmTagSize   = 16
	gcmNonceSize = 12
	// gcmMaxPlaintext is GCM's limit, 2^39-256 bits. It is also the point
	// up to which crypto/cipher's 128-bit CTR counter equals GCM's inc32:
	// the counter starts at nonce‖2 and needs at most 2^32-2 blocks, so its
	// low 32 bits never wrap.
	gcmMaxPlaintext = 1<<36 - 32
	// ghashSegment is how much ciphertext one standard-library GHASH call
	// covers; a whole number of blocks.
	ghashSegment       = 64 << 10
	ghashSegmentBlocks = ghashSegment / 16
)

// ErrTooLong is returned when content exceeds what one AES-GCM message may hold.
var ErrTooLong = errors.New("content longer than AES-GCM allows (2^36-32 bytes)")

// gcmStream is one AES-GCM message processed incrementally: crypto/cipher's
// AES-CTR for the keystream and gcmHash for the tag. Output is identical
// to crypto/cipher's GCM with a 12-byte nonce and 16-byte tag.
type gcmStream struct {
	ctr     cipher.Stream
	gh      *gcmHash
	tagMask [16]byte // E_K(J0)
	aadLen  uint64
	n       uint64 // bytes of ciphertext processed

	// Encryption runs the standard library's fused GCM over whole blocks
	// (see sealFused); these are its state.
	block  cipher.Block
	nonce  [gcmNonceSize]byte
	aead16 cipher.AEAD // GCM with 16-byte nonces, same key
	hInv2  [16]byte    // H^-2
	lhIV   [16]byte    // L(0, 128 bits)·H: the length block of a 16-byte nonce's GHASH
	pendKS [16]byte    // keystream of a block the last seal ended inside
	pendCT [16]byte    // its ciphertext so far
	pendN  int         // bytes of that block done (0: seal is block-aligned)
}

// newGCMStream starts a GCM message under key (16, 24 or 32 bytes) with a
// 12-byte nonce and additional data aad. The key is copied into the AES key
// schedule, so the caller may wipe it once this returns.
func newGCMStream(key, nonce, aad []byte) (*gcmStream, error) {
	if len(nonce) != gcmNonceSize {
		return nil, errKeyLen("GCM nonce", len(nonce), gcmNonceSize)
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("aes: %w", err)
	}
	gh, err := newGCMHash(block)
	if err != nil {
		return nil, err
	}
	s := &gcmStream{gh: gh, aadLen: uint64(len(aad)), block: block}
	copy(s.nonce[:], nonce)
	var j0 [16]byte
	copy(j0[:], nonce)
	j0[15] = 1
	block.Encrypt(s.tagMask[:], j0[:])
	j0[15] = 2
	s.ctr = cipher.NewCTR(block, j0[:])
	if len(aad) > 0 {
		s.gh.segment(aad)
	}
	return s, nil
}

// grow accounts for n more bytes of content.
func (s *gcmStream) grow(n int) error {
	if uint64(n) > gcmMaxPlaintext-s.n {
		return ErrTooLong
	}
	s.n += uint64(n)
	return nil
}

// seal encrypts src into dst (which may be src itself; len(dst) >=
// len(src)) and absorbs the ciphertext into the tag.
func (s *gcmStream) seal(dst, src []byte) error {
	if err := s.grow(len(src)); err != nil {
		return err
	}
	s.n -= uint64(len(src)) // sealFused counts blocks from s.n, and adds them back
	s.sealFused(dst[:len(src)], src)
	return nil
}

// sealFused encrypts with the standard library's GCM Seal, which runs AES
// and GHASH interleaved in hardware (the two-pass CTR-then-GHASH of open
// is about 0.7× its speed). Seal always starts its counter at inc32(J0),
// so for a run of blocks starting at block b it is given the 16-byte nonce
// whose J0 = GHASH(nonce ‖ L) = nonce·H² ⊕ L·H is exactly our nonce‖(1+b):
// nonce = (J0_b ⊕ L·H)·H⁻². Its ciphertext is then exactly ours, and its
// tag T = GHASH(C ‖ L(0,|C|)) ⊕ E_K(J0_b) gives the run's GHASH as in
// gcmHash. Seal appends the tag after the run, so every run ends at least
// one block before the end of dst and the 16 bytes it overwrites there
// are put back; the last whole block and any partial one go through a
// single AES block encryption. This path never reads or writes s.ctr.
func (s *gcmStream) sealFused(dst, src []byte) {
	// Finish a block the previous call ended inside.
	if s.pendN > 0 {
		k := min(gcmTagSize-s.pendN, len(src))
		for j := range k {
			c := src[j] ^ s.pendKS[s.pendN+j]
			dst[j], s.pendCT[s.pendN+j] = c, c
		}
		s.pendN += k
		dst, src = dst[k:], src[k:]
		s.n += uint64(k)
		if s.pendN < gcmTagSize {
			return
		}
		s.gh.oneBlock(&s.pendCT)
		s.pendN = 0
	}
	if s.aead16 == nil && len(src) >= 2*gcmTagSize {
		if err := s.initFused(); err != nil {
			panic("crypto: " + err.Error()) // cipher.NewGCMWithNonceSize(aes, 16) cannot fail
		}
	}
	// Whole blocks: fused runs of up to a segment, the last block left out.
	for len(src) >= 2*gcmTagSize {
		k := min(ghashSegment, (len(src)/gcmTagSize-1)*gcmTagSize)
		s.fusedRun(dst[:k+gcmTagSize], src[:k])
		dst, src = dst[k:], src[k:]
		s.n += uint64(k)
	}
	// The rest, one block at a time.
	for len(src) > 0 {
		s.counterBlock(&s.pendKS, s.n/16)
		k := min(gcmTagSize, len(src))
		for j := range k {
			c := src[j] ^ s.pendKS[j]
			dst[j], s.pendCT[j] = c, c
		}
		dst, src = dst[k:], src[k:]
		s.n += uint64(k)
		if k < gcmTagSize {
			s.pendN = k
			return
		}
		s.gh.oneBlock(&s.pendCT)
	}
}

// initFused prepares the fused path: H⁻² and the nonce-length block.
func (s *gcmStream) initFused() error {
	aead, err := cipher.NewGCMWithNonceSize(s.block, 16)
	if err != nil {
		return err
	}
	s.aead16 = aead
	inv := gfInv(&s.gh.h)
	s.hInv2 = gfMul(&inv, &inv)
	clear(inv[:])
	l := lengthBlock(0, 16)
	s.lhIV = s.gh.mulH.mul(&l)
	return nil
}

// counterBlock sets ks to E_K(nonce ‖ 2+block), the keystream of content
// block number block.
func (s *gcmStream) counterBlock(ks *[16]byte, block uint64) {
	var ctr [16]byte
	copy(ctr[:], s.nonce[:])
	binary.BigEndian.PutUint32(ctr[12:], uint32(2+block))
	s.block.Encrypt(ks[:], ctr[:])
}

// fusedRun encrypts src (whole blocks, starting at block s.n/16) into
// dst[:len(src)] with one Seal; dst has 16 more bytes for Seal's tag,
// which are restored afterwards.
func (s *gcmStream) fusedRun(dst, src []byte) {
	k := len(src)
	b := s.n / 16
	var j0, iv, ej0, saved [16]byte
	copy(j0[:], s.nonce[:])
	binary.BigEndian.PutUint32(j0[12:], uint32(1+b))
	for i := range iv {
		iv[i] = j0[i] ^ s.lhIV[i]
	}
	iv = gfMul(&iv, &s.hInv2)
	s.block.Encrypt(ej0[:], j0[:])
	copy(saved[:], dst[k:])
	out := s.aead16.Seal(dst[:0], iv[:], src, nil)
	var t [16]byte
	copy(t[:], out[k:])
	copy(dst[k:], saved[:])
	for i := range t {
		t[i] ^= ej0[i]
	}
	s.gh.run(&t, uint64(k), false)
}

// open absorbs the ciphertext src into the tag and decrypts it into dst
// (which may be src itself). The plaintext is unauthenticated until the
// tag has been checked.
func (s *gcmStream) open(dst, src []byte) error {
	if err := s.grow(len(src)); err != nil {
		return err
	}
	s.gh.write(src)
	s.ctr.XORKeyStream(dst, src)
	return nil
}

// tag finishes the message and returns its 16-byte tag. The stream is
// wiped and must not be used afterwards.
func (s *gcmStream) tag() [16]byte {
	if s.pendN > 0 {
		s.gh.segment(s.pendCT[:s.pendN])
		s.pendN = 0
	}
	t := s.gh.sum(s.aadLen, s.n)
	for i := range t {
		t[i] ^= s.tagMask[i]
	}
	s.wipe()
	return t
}

// wipe drops the stream's secrets that this package can reach (the AES key
// schedule inside crypto/cipher cannot be zeroed; it is left to the GC).
func (s *gcmStream) wipe() {
	if s.gh != nil {
		s.gh.wipe()
	}
	clear(s.tagMask[:])
	clear(s.hInv2[:])
	clear(s.pendKS[:])
	s.ctr, s.aead16, s.block = nil, nil, nil
}

// gcmHash is GHASH over a stream, computed by the standard library's own
// GCM (hardware GHASH where the CPU has it) in 64 KiB segments.
//
// GCM's tag over additional data A and an empty plaintext is
// T = GHASH(A ‖ pad ‖ len(A) ‖ 0) ⊕ E_K(J0'), with J0' from the nonce. With
// P(S) the GHASH state after absorbing a segment S of m blocks from zero,
// GHASH(S ‖ L) = P(S)·H ⊕ L·H, so Seal(nil, nonce, nil, S) gives
// Q(S) = P(S)·H = T ⊕ E_K(J0') ⊕ L·H. GHASH is linear: the state after
// segments S1…Sk is Y = Σ P(Sj)·H^(blocks after Sj), so Z = Y·H is kept
// by Horner's rule, Z ← Z·H^m ⊕ Q(S), and the message's GHASH is
// (Y ⊕ L)·H = Z ⊕ L·H. Each segment costs one Seal and two constant-time
// software multiplications (ghash.go); no table look-ups, no
// data-dependent branches. Only a message's last segment may end
// mid-block: its zero padding is GCM's own padding of A.
type gcmHash struct {
	aead   cipher.AEAD // GCM under the message key: same H
	h      [16]byte    // H = E_K(0)
	mulH   *ghash      // ·H
	mulSeg *ghash      // ·H^ghashSegmentBlocks
	mask0  [16]byte    // E_K(J0') for the all-zero nonce
	lhSeg  [16]byte    // L(ghashSegment)·H
	z      [16]byte    // Y·H so far
	buf    []byte      // a partial segment
	t      [16]byte    // Seal's output
	// cached multiplies by H^cachedM, the last odd run length seen.
	cached  *ghash
	cachedM uint64
}

// zeroNonce is the nonce of the GHASH-only Seal calls (they encrypt nothing).
var zeroNonce = make([]byte, gcmNonceSize)

func newGCMHash(block cipher.Block) (*gcmHash, error) {
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("gcm: %w", err)
	}
	g := &gcmHash{aead: aead, buf: make([]byte, 0, ghashSegment)}
	block.Encrypt(g.h[:], g.h[:])
	var j0 [16]byte
	j0[15] = 1
	block.Encrypt(g.mask0[:], j0[:])
	g.mulH = newGHASH(&g.h)
	hSeg := gfPow(&g.h, ghashSegmentBlocks)
	g.mulSeg = newGHASH(&hSeg)
	clear(hSeg[:])
	l := lengthBlock(ghashSegment, 0)
	g.lhSeg = g.mulH.mul(&l)
	return g, nil
}

// lengthBlock is GCM's final block: the bit lengths of A and C.
func lengthBlock(aadLen, ctLen uint64) [16]byte {
	var l [16]byte
	binary.BigEndian.PutUint64(l[0:8], aadLen*8)
	binary.BigEndian.PutUint64(l[8:16], ctLen*8)
	return l
}

// write absorbs ciphertext, whole segments straight from p.
func (g *gcmHash) write(p []byte) {
	if len(g.buf) > 0 {
		n := min(len(p), ghashSegment-len(g.buf))
		g.buf = append(g.buf, p[:n]...)
		p = p[n:]
		if len(g.buf) < ghashSegment {
			return
		}
		g.fullSegment(g.buf)
		g.buf = g.buf[:0]
	}
	for len(p) >= ghashSegment {
		g.fullSegment(p[:ghashSegment])
		p = p[ghashSegment:]
	}
	g.buf = append(g.buf, p...)
}

// fullSegment absorbs ghashSegment bytes.
func (g *gcmHash) fullSegment(s []byte) {
	t := g.aead.Seal(g.t[:0], zeroNonce, nil, s)
	var q [16]byte
	for i := range q {
		q[i] = t[i] ^ g.mask0[i] ^ g.lhSeg[i]
	}
	g.z = g.mulSeg.mul(&g.z)
	for i := range q {
		g.z[i] ^= q[i]
	}
}

// segment absorbs s of any non-zero length, zero-padded to a whole block:
// the additional data, or the last piece of ciphertext.
func (g *gcmHash) segment(s []byte) {
	m := uint64(len(s)+15) / 16
	hm := gfPow(&g.h, m)
	l := lengthBlock(uint64(len(s)), 0)
	lh := g.mulH.mul(&l)
	t := g.aead.Seal(g.t[:0], zeroNonce, nil, s)
	g.z = gfMul(&g.z, &hm)
	for i := range g.z {
		g.z[i] ^= t[i] ^ g.mask0[i] ^ lh[i]
	}
	clear(hm[:])
}

// oneBlock absorbs one whole block c: Z ← (Z ⊕ c·H)·H.
func (g *gcmHash) oneBlock(c *[16]byte) {
	x := g.mulH.mul(c)
	for i := range x {
		x[i] ^= g.z[i]
	}
	g.z = g.mulH.mul(&x)
}

// run absorbs a run of n bytes (whole blocks) whose GHASH(run ‖ L) the
// caller got as t = GHASH(run ‖ L(0,n)) from a fused Seal (aad false) —
// t ⊕ L·H is the run's P·H, as in segment.
func (g *gcmHash) run(t *[16]byte, n uint64, aad bool) {
	m := (n + 15) / 16
	var l [16]byte
	if aad {
		l = lengthBlock(n, 0)
	} else {
		l = lengthBlock(0, n)
	}
	lh := g.mulH.mul(&l)
	var zh [16]byte
	switch {
	case m == ghashSegmentBlocks:
		zh = g.mulSeg.mul(&g.z)
	case m == g.cachedM && g.cached != nil:
		zh = g.cached.mul(&g.z)
	default:
		hm := gfPow(&g.h, m)
		if g.cached == nil {
			g.cached = new(ghash)
		}
		g.cached.init(&hm)
		g.cachedM = m
		clear(hm[:])
		zh = g.cached.mul(&g.z)
	}
	for i := range zh {
		g.z[i] = zh[i] ^ t[i] ^ lh[i]
	}
}

// sum absorbs what is buffered and the length block and returns GHASH.
func (g *gcmHash) sum(aadLen, ctLen uint64) [16]byte {
	if len(g.buf) > 0 {
		g.segment(g.buf)
		g.buf = g.buf[:0]
	}
	l := lengthBlock(aadLen, ctLen)
	out := g.mulH.mul(&l)
	for i := range out {
		out[i] ^= g.z[i]
	}
	return out
}

// wipe zeroes what this package holds of the hash key.
func (g *gcmHash) wipe() {
	clear(g.h[:])
	clear(g.mask0[:])
	clear(g.lhSeg[:])
	clear(g.z[:])
	clear(g.t[:])
	if g.mulH != nil {
		g.mulH.wipe()
		g.mulSeg.wipe()
	}
	if g.cached != nil {
		g.cached.wipe()
	}
	g.aead = nil
}
