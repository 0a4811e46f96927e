package crypto

import (
	"encoding/binary"
	"math/bits"
)

// ghash is GCM's field multiplication by a fixed element H (NIST SP
// 800-38D §6.3) in constant time, in software. The streaming GCM hashes
// the bulk of its data with the standard library's GCM (see gcmstream.go)
// and needs only a few multiplications per 64 KiB segment from here.
//
// It is a Go rendering of BearSSL's ghash_ctmul64 (Thomas Pornin, MIT
// licence): carry-less 64×64 multiplication done with ordinary integer
// multiplies on operands whose bits are spread four apart (so carries fall
// into the holes), the upper half of each product obtained from the
// bit-reversed operands, Karatsuba for 128×128, then reduction modulo
// x^128 + x^7 + x^2 + x + 1. No table look-ups and no data-dependent
// branches, unlike the 4-bit table GHASH Go uses where it has no hardware
// support. That constant-time property is this file's only: the bulk GHASH
// and AES are the standard library's (constant time with AES-NI/PCLMULQDQ,
// table-based in purego builds). It is validated against crypto/cipher's
// GCM in the tests.
type ghash struct {
	h0, h1, h2    uint64 // H: low word, high word, and their XOR
	h0r, h1r, h2r uint64 // the same, bit-reversed
	y0, y1        uint64 // accumulator: low word (bytes 8..15), high word (bytes 0..7)
}

// newGHASH returns a multiplier by h.
func newGHASH(h *[16]byte) *ghash {
	g := &ghash{}
	g.setH(h)
	return g
}

// setH makes g a multiplier by h.
func (g *ghash) setH(h *[16]byte) {
	*g = ghash{
		h1: binary.BigEndian.Uint64(h[0:8]),
		h0: binary.BigEndian.Uint64(h[8:16]),
	}
	g.h2 = g.h0 ^ g.h1
	g.h0r = bits.Reverse64(g.h0)
	g.h1r = bits.Reverse64(g.h1)
	g.h2r = g.h0r ^ g.h1r
}

// bmul64 returns the low 64 bits of the carry-less product of x and y.
func bmul64(x, y uint64) uint64 {
	const m0, m1, m2, m3 = 0x1111111111111111, 0x2222222222222222, 0x4444444444444444, 0x8888888888888888
	x0, x1, x2, x3 := x&m0, x&m1, x&m2, x&m3
	y0, y1, y2, y3 := y&m0, y&m1, y&m2, y&m3
	z0 := (x0 * y0) ^ (x1 * y3) ^ (x2 * y2) ^ (x3 * y1)
	z1 := (x0 * y1) ^ (x1 * y0) ^ (x2 * y3) ^ (x3 * y2)
	z2 := (x0 * y2) ^ (x1 * y1) ^ (x2 * y0) ^ (x3 * y3)
	z3 := (x0 * y3) ^ (x1 * y2) ^ (x2 * y1) ^ (x3 * y0)
	return (z0 & m0) | (z1 & m1) | (z2 & m2) | (z3 & m3)
}

// block absorbs one 16-byte block: y = (y xor block) * H.
func (g *ghash) block(b []byte) {
	y1 := g.y1 ^ binary.BigEndian.Uint64(b[0:8])
	y0 := g.y0 ^ binary.BigEndian.Uint64(b[8:16])
	y0r, y1r := bits.Reverse64(y0), bits.Reverse64(y1)
	y2, y2r := y0^y1, y0r^y1r

	z0 := bmul64(y0, g.h0)
	z1 := bmul64(y1, g.h1)
	z2 := bmul64(y2, g.h2)
	z0h := bmul64(y0r, g.h0r)
	z1h := bmul64(y1r, g.h1r)
	z2h := bmul64(y2r, g.h2r)
	z2 ^= z0 ^ z1
	z2h ^= z0h ^ z1h
	z0h = bits.Reverse64(z0h) >> 1
	z1h = bits.Reverse64(z1h) >> 1
	z2h = bits.Reverse64(z2h) >> 1

	v0, v1, v2, v3 := z0, z0h^z2, z1^z2h, z1h
	v3 = v3<<1 | v2>>63
	v2 = v2<<1 | v1>>63
	v1 = v1<<1 | v0>>63
	v0 <<= 1

	v2 ^= v0 ^ v0>>1 ^ v0>>2 ^ v0>>7
	v1 ^= v0<<63 ^ v0<<62 ^ v0<<57
	v3 ^= v1 ^ v1>>1 ^ v1>>2 ^ v1>>7
	v2 ^= v1<<63 ^ v1<<62 ^ v1<<57

	g.y0, g.y1 = v2, v3
}

// mul returns x·H in GF(2^128), GCM's bit order, in constant time.
func (g *ghash) mul(x *[16]byte) [16]byte {
	g.y0, g.y1 = 0, 0
	g.block(x[:])
	var out [16]byte
	binary.BigEndian.PutUint64(out[0:8], g.y1)
	binary.BigEndian.PutUint64(out[8:16], g.y0)
	g.y0, g.y1 = 0, 0
	return out
}

// gfMul returns x·y in GF(2^128), GCM's bit order, in constant time.
func gfMul(x, y *[16]byte) [16]byte {
	var g ghash // on the stack: no allocation per product
	g.setH(y)
	out := g.mul(x)
	g.wipe()
	return out
}

// gfPow returns h^n (n >= 1). n is public (a block count); the operations
// done depend on it, never on h.
func gfPow(h *[16]byte, n uint64) [16]byte {
	result, base := *h, *h
	n--
	for n > 0 {
		if n&1 == 1 {
			result = gfMul(&result, &base)
		}
		base = gfMul(&base, &base)
		n >>= 1
	}
	return result
}

// wipe zeroes the multiplier and state.
func (g *ghash) wipe() {
	*g = ghash{}
}

// gfInv returns h^-1 = h^(2^128-2) in GF(2^128) (h != 0): with
// a_k = h^(2^k-1), a_(k+1) = a_k²·h, and h^(2^128-2) = a_127². The
// operations done never depend on h.
func gfInv(h *[16]byte) [16]byte {
	a := *h
	var mulH ghash
	mulH.setH(h)
	for range 126 {
		a = gfMul(&a, &a)
		a = mulH.mul(&a)
	}
	mulH.wipe()
	return gfMul(&a, &a)
}
