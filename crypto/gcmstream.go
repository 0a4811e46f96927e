package crypto

import (
	"crypto/aes"
	"crypto/cipher"
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
)

// ErrTooLong is returned when content exceeds what one AES-GCM message may hold.
var ErrTooLong = errors.New("content longer than AES-GCM allows (2^36-32 bytes)")

// gcmStream is one AES-GCM message processed incrementally: AES-CTR for the
// keystream, ghash for the tag. Output is identical to crypto/cipher's GCM
// with a 12-byte nonce and 16-byte tag.
type gcmStream struct {
	ctr     cipher.Stream
	gh      *ghash
	tagMask [16]byte // E_K(J0)
	aadLen  uint64
	n       uint64 // bytes of ciphertext processed
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
	var h [16]byte
	block.Encrypt(h[:], h[:])
	s := &gcmStream{gh: newGHASH(&h), aadLen: uint64(len(aad))}
	clear(h[:])

	var j0 [16]byte
	copy(j0[:], nonce)
	j0[15] = 1
	block.Encrypt(s.tagMask[:], j0[:])
	j0[15] = 2
	s.ctr = cipher.NewCTR(block, j0[:])

	s.gh.write(aad)
	s.gh.pad()
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

// seal encrypts src into dst (which may be src itself) and absorbs the
// ciphertext into the tag.
func (s *gcmStream) seal(dst, src []byte) error {
	if err := s.grow(len(src)); err != nil {
		return err
	}
	s.ctr.XORKeyStream(dst, src)
	s.gh.write(dst[:len(src)])
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
	s.ctr = nil
}
