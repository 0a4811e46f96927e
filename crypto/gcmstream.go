package crypto

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/subtle"
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

// errAfterLastBlock: content after a piece that ended mid-block, which only
// the message's last piece may.
var errAfterLastBlock = errors.New("GCM: content after the message's last partial block")

// gcmStream is one AES-GCM message processed incrementally: crypto/cipher's
// AES-CTR for the keystream and gcmHash for the tag. Output is identical
// to crypto/cipher's GCM with a 12-byte nonce and 16-byte tag.
//
// seal has a faster path for whole blocks (see sealBlocks): one call of
// the standard library's fused AES-GCM per span gives both its ciphertext
// and its GHASH. open cannot use it (GCM authenticates ciphertext, and a
// Seal over ciphertext hashes the plaintext it makes), so it takes two
// passes: AES-CTR, and GHASH through gcmHash.
type gcmStream struct {
	ctr     cipher.Stream
	gh      *gcmHash
	tagMask [16]byte // E_K(J0)
	aadLen  uint64
	n       uint64 // bytes of ciphertext processed

	block  cipher.Block
	nonce  [gcmNonceSize]byte
	sealer cipher.AEAD // GCM with 16-byte nonces, for sealBlocks
	hInv2  *ghash      // ·H^-2
	lhNon  [16]byte    // L(a 16-byte nonce)·H
	ks     [16]byte    // keystream of the block n is in, when n is mid-block
	scr    [32]byte    // a block and its tag, when the caller's buffer has no room

	start uint64 // where a piece (see piece) starts; 0 for a whole message
	ended bool   // a piece ending mid-block was joined: nothing may follow
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
	if s.ended && n > 0 {
		return errAfterLastBlock
	}
	if uint64(n) > gcmMaxPlaintext-s.n {
		return ErrTooLong
	}
	s.n += uint64(n)
	return nil
}

// seal encrypts src into dst (src itself, or a buffer that does not
// overlap it) and absorbs the ciphertext into the tag.
func (s *gcmStream) seal(dst, src []byte) error {
	if err := s.grow(len(src)); err != nil {
		return err
	}
	s.n -= uint64(len(src)) // counted again as each piece is done
	p := dst[:len(src)]
	copy(p, src) // nothing to do when in place
	// Up to a block boundary, byte by byte; then whole blocks; then the
	// rest of a block.
	head := min(len(p), int((16-s.n%16)%16))
	s.sealBytes(p[:head])
	whole := (len(p) - head) / 16 * 16
	if whole > 0 {
		if err := s.sealBlocks(p[head : head+whole]); err != nil {
			return err
		}
	}
	s.sealBytes(p[head+whole:])
	return nil
}

// sealBytes encrypts p in place with the keystream of the block s.n is in,
// never past its end, and hands the ciphertext to gcmHash, which keeps it
// until a block boundary (or the end of the message).
func (s *gcmStream) sealBytes(p []byte) {
	for len(p) > 0 {
		off := int(s.n % 16)
		if off == 0 {
			var ctr [16]byte
			copy(ctr[:], s.nonce[:])
			binary.BigEndian.PutUint32(ctr[12:], uint32(2+s.n/16))
			s.block.Encrypt(s.ks[:], ctr[:])
		}
		k := min(len(p), 16-off)
		subtle.XORBytes(p[:k], p[:k], s.ks[off:off+k])
		s.gh.write(p[:k])
		s.n += uint64(k)
		p = p[k:]
		if s.n%16 == 0 {
			clear(s.ks[:])
			s.gh.flushBlocks()
		}
	}
}

// sealBlocks encrypts whole blocks in place, s.n being at a block
// boundary, with the standard library's fused AES-GCM: a GCM nonce of 16
// bytes is hashed into its first counter block, J0 = GHASH(N' ‖ L) =
// N'·H² ⊕ L·H, so N' = (J0 ⊕ L·H)·H^-2 starts the counter at this
// message's nonce‖(2+b) for block b. Seal then gives the span's
// ciphertext and T = GHASH(C ‖ L(C)) ⊕ E_K(J0), from which gcmHash's
// Horner state takes Q(C) = T ⊕ E_K(J0) ⊕ L(C)·H, as for fullSegment. The
// tag Seal appends lands on the 16 bytes after the span, which are kept
// and put back; when the caller's buffer ends there, the last block goes
// through a small scratch buffer instead.
func (s *gcmStream) sealBlocks(p []byte) error {
	if s.sealer == nil {
		if err := s.initSealer(); err != nil {
			return err
		}
	}
	s.gh.flushBlocks()
	if cap(p)-len(p) < gcmTagSize {
		last := len(p) - 16
		if last > 0 {
			s.sealSpan(p[:last])
		}
		copy(s.scr[:16], p[last:])
		s.sealSpan(s.scr[:16])
		copy(p[last:], s.scr[:16])
		clear(s.scr[:])
		return nil
	}
	s.sealSpan(p)
	return nil
}

// sealSpan is sealBlocks on a span with 16 bytes of room after it.
func (s *gcmStream) sealSpan(p []byte) {
	var j0, n16, keep, mask [16]byte
	copy(j0[:], s.nonce[:])
	binary.BigEndian.PutUint32(j0[12:], uint32(1+s.n/16))
	for i := range n16 {
		n16[i] = j0[i] ^ s.lhNon[i]
	}
	n16 = s.hInv2.mul(&n16)
	room := p[len(p) : len(p)+gcmTagSize]
	copy(keep[:], room)
	out := s.sealer.Seal(p[:0], n16[:], p, nil) //nolint:gosec // G407: the nonce is derived so that the counter continues this message's own (nonce‖2+b): no keystream block is used twice
	s.block.Encrypt(mask[:], j0[:])
	s.gh.absorbSealed(out[len(p):], &mask, uint64(len(p)))
	copy(room, keep[:])
	clear(mask[:])
	s.n += uint64(len(p))
}

// initSealer prepares sealBlocks: GCM with 16-byte nonces under the
// message key, H^-2 and L·H for a 16-byte nonce.
func (s *gcmStream) initSealer() error {
	aead, err := cipher.NewGCMWithNonceSize(s.block, 16)
	if err != nil {
		return fmt.Errorf("gcm: %w", err)
	}
	inv := gfInv(&s.gh.h)
	inv2 := gfMul(&inv, &inv)
	s.hInv2 = newGHASH(&inv2)
	clear(inv[:])
	clear(inv2[:])
	l := lengthBlock(0, 16)
	s.lhNon = s.gh.mulH.mul(&l)
	s.sealer = aead
	return nil
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

// piece returns a stream for the span of this message that starts at
// byte off (a multiple of 16), to be sealed or opened on its own, in
// parallel with other pieces, and then joined in order (join). Its
// keystream starts at the message's counter block for off, and its GHASH
// state starts from zero: GHASH is linear, so a span's contribution to the
// message's GHASH is its own Horner state times H^(blocks after it), which
// join applies. The piece shares the message's AES block (read-only).
// Like seal on the whole message, seal on a piece borrows (and restores)
// the 16 bytes after the span it is given when the slice's capacity has
// them: pieces sealed at the same time into one buffer need clipped slices
// (buf[a:b:b]).
func (s *gcmStream) piece(off uint64) (*gcmStream, error) {
	if off%16 != 0 {
		return nil, fmt.Errorf("GCM piece at byte %d: not a multiple of 16", off)
	}
	if off > gcmMaxPlaintext {
		return nil, ErrTooLong
	}
	if s.block == nil {
		return nil, ErrWipedKey
	}
	gh, err := newGCMHash(s.block)
	if err != nil {
		return nil, err
	}
	p := &gcmStream{gh: gh, block: s.block, nonce: s.nonce, n: off, start: off}
	var ctr [16]byte
	copy(ctr[:], s.nonce[:])
	binary.BigEndian.PutUint32(ctr[12:], uint32(2+off/16))
	p.ctr = cipher.NewCTR(s.block, ctr[:])
	return p, nil
}

// join absorbs piece p, which must start where this stream is (s.n), into
// its GHASH, as if p's content had gone through s, and wipes p. Only the
// message's last piece may end mid-block.
func (s *gcmStream) join(p *gcmStream) error {
	if p.start != s.n || s.n%16 != 0 || s.ended {
		return fmt.Errorf("GCM: piece at byte %d joined at byte %d", p.start, s.n)
	}
	defer p.wipe()
	if p.n == p.start {
		return nil
	}
	s.gh.flushBlocks()
	p.gh.flushBlocks() // a partial last block is zero-padded, as GCM pads C
	s.gh.z = s.gh.powMul((p.n-p.start+15)/16, &s.gh.z)
	for i := range s.gh.z {
		s.gh.z[i] ^= p.gh.z[i]
	}
	s.n = p.n
	s.ended = s.n%16 != 0
	return nil
}

// tag finishes the message and returns its 16-byte tag. The stream is
// wiped and must not be used afterwards.
func (s *gcmStream) tag() [16]byte {
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
	clear(s.ks[:])
	clear(s.lhNon[:])
	clear(s.scr[:])
	if s.hInv2 != nil {
		s.hInv2.wipe()
	}
	s.ctr, s.sealer, s.block = nil, nil, nil
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
// software multiplications (ghash.go); that glue has no table look-ups and
// no data-dependent branches. The Seal itself is the standard library's
// GCM: constant time with AES-NI/PCLMULQDQ (or the arm64 equivalents),
// table-based GHASH in purego builds and on CPUs without them. Only a
// message's last segment may end mid-block: its zero padding is GCM's own
// padding of A.
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
	pows   [2]struct { // ·H^m for recent span lengths m (in blocks)
		m uint64
		g *ghash
	}
}

// zeroNonce is the nonce of the GHASH-only Seal calls (they encrypt nothing).
var zeroNonce = make([]byte, gcmNonceSize)

func newGCMHash(block cipher.Block) (*gcmHash, error) {
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("gcm: %w", err)
	}
	g := &gcmHash{aead: aead}
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
	if len(g.buf) > 0 || len(p) < ghashSegment {
		if g.buf == nil {
			g.buf = make([]byte, 0, ghashSegment) // only once a partial segment is kept
		}
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
	t := g.aead.Seal(g.t[:0], zeroNonce, nil, s) //nolint:gosec // G407: GHASH only: the plaintext is empty, so nothing is encrypted under the zero nonce, and its E(K,J0) is removed (mask0)
	var q [16]byte
	for i := range q {
		q[i] = t[i] ^ g.mask0[i] ^ g.lhSeg[i]
	}
	g.z = g.mulSeg.mul(&g.z)
	for i := range q {
		g.z[i] ^= q[i]
	}
}

// flushBlocks absorbs what write kept, which must be whole blocks (the
// message is at a block boundary), so that sealBlocks can go on from here.
func (g *gcmHash) flushBlocks() {
	if len(g.buf) > 0 {
		g.segment(g.buf)
		g.buf = g.buf[:0]
	}
}

// absorbSealed takes into the Horner state a span of n bytes (whole
// blocks) that the standard library's GCM sealed: tag is its GHASH masked
// with mask.
func (g *gcmHash) absorbSealed(tag []byte, mask *[16]byte, n uint64) {
	l := lengthBlock(0, n)
	lh := g.mulH.mul(&l)
	g.z = g.powMul(n/16, &g.z)
	for i := range g.z {
		g.z[i] ^= tag[i] ^ mask[i] ^ lh[i]
	}
}

// powMul returns x·H^m, keeping the multipliers of the last two m (a
// stream is fed pieces of one or two sizes).
func (g *gcmHash) powMul(m uint64, x *[16]byte) [16]byte {
	if m == ghashSegmentBlocks {
		return g.mulSeg.mul(x)
	}
	for i := range g.pows {
		if g.pows[i].m == m && g.pows[i].g != nil {
			return g.pows[i].g.mul(x)
		}
	}
	hm := gfPow(&g.h, m)
	mg := newGHASH(&hm)
	clear(hm[:])
	if g.pows[1].g != nil {
		g.pows[1].g.wipe()
	}
	g.pows[1] = g.pows[0]
	g.pows[0].m, g.pows[0].g = m, mg
	return mg.mul(x)
}

// segment absorbs s of any non-zero length, zero-padded to a whole block:
// the additional data, or the last piece of ciphertext.
func (g *gcmHash) segment(s []byte) {
	m := uint64(len(s)+15) / 16
	hm := gfPow(&g.h, m)
	l := lengthBlock(uint64(len(s)), 0)
	lh := g.mulH.mul(&l)
	t := g.aead.Seal(g.t[:0], zeroNonce, nil, s) //nolint:gosec // G407: GHASH only, see fullSegment
	g.z = gfMul(&g.z, &hm)
	for i := range g.z {
		g.z[i] ^= t[i] ^ g.mask0[i] ^ lh[i]
	}
	clear(hm[:])
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
	for i := range g.pows {
		if g.pows[i].g != nil {
			g.pows[i].g.wipe()
		}
	}
	g.aead = nil
}
