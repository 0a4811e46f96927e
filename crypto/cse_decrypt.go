package crypto

import (
	"crypto/subtle"
	"errors"
	"fmt"
	"io"
)

// decryptChunk is how much ciphertext DecryptTo handles at a time.
const decryptChunk = 64 << 10

// DecryptTo decrypts the S3EC body read from src (as stored: ciphertext
// then tag) under e and writes the plaintext to dst, returning the number
// of plaintext bytes written. Memory use is bounded whatever the size.
//
// The contract: plaintext is written to dst BEFORE the tag at the end of
// the body can be checked, so until DecryptTo returns nil what dst holds is
// unauthenticated and must not be used. Write to a temporary file (or
// buffer) and discard it on any error; DecryptToFile does exactly that.
// Errors are ErrCommitment (V3, before any output), ErrAuthentication,
// ErrTruncated, ErrLengthMismatch, or read/write failures.
func DecryptTo(dst io.Writer, src io.Reader, dataKey *Key, e Envelope) (int64, error) {
	if e.CEKAlg == CEKAlgAESCBC {
		return decryptCBC(dst, src, dataKey, e) // legacy, from ParseEnvelopeLegacy only
	}
	s, err := contentStream(dataKey, e)
	if err != nil {
		return 0, fmt.Errorf("decrypt: %w", err)
	}
	defer s.wipe()
	buf := make([]byte, decryptChunk+gcmTagSize)
	have := 0 // bytes in buf; the last gcmTagSize may be the tag
	var total int64
	for {
		n, rerr := src.Read(buf[have:])
		have += n
		if have > gcmTagSize {
			chunk := buf[:have-gcmTagSize]
			if err := s.open(chunk, chunk); err != nil {
				return total, fmt.Errorf("decrypt: %w", err)
			}
			if e.UnencryptedLength >= 0 && total+int64(len(chunk)) > e.UnencryptedLength {
				return total, fmt.Errorf("decrypt: %w: content longer than %d bytes", ErrLengthMismatch, e.UnencryptedLength)
			}
			w, werr := dst.Write(chunk)
			total += int64(w)
			if werr != nil {
				return total, fmt.Errorf("decrypt: write plaintext: %w", werr)
			}
			have = copy(buf, buf[len(chunk):have])
		}
		if errors.Is(rerr, io.EOF) {
			break
		}
		if rerr != nil {
			return total, fmt.Errorf("decrypt: read body: %w", rerr)
		}
	}
	if have < gcmTagSize {
		return total, fmt.Errorf("decrypt: %w", ErrTruncated)
	}
	want := s.tag()
	if subtle.ConstantTimeCompare(want[:], buf[:gcmTagSize]) != 1 {
		return total, fmt.Errorf("decrypt: %w", ErrAuthentication)
	}
	if e.UnencryptedLength >= 0 && total != e.UnencryptedLength {
		return total, fmt.Errorf("decrypt: %w: content is %d bytes, envelope says %d",
			ErrLengthMismatch, total, e.UnencryptedLength)
	}
	return total, nil
}

// Decrypter decrypts one S3EC body in pieces the caller reads itself (for
// example ranges downloaded in parallel): Open each piece of ciphertext
// in order, then Verify the tag. Everything Open returns is
// unauthenticated until Verify returns nil.
type Decrypter struct {
	s    *gcmStream
	e    Envelope
	n    int64
	done bool
}

// NewDecrypter starts decrypting a body under e; for V3 it checks the key
// commitment first (ErrCommitment). The data key is not retained.
func NewDecrypter(dataKey *Key, e Envelope) (*Decrypter, error) {
	s, err := contentStream(dataKey, e)
	if err != nil {
		return nil, fmt.Errorf("decrypt: %w", err)
	}
	return &Decrypter{s: s, e: e}, nil
}

// Open decrypts the next piece of ciphertext (the body without its last 16
// bytes, the tag) in place.
func (d *Decrypter) Open(p []byte) error {
	if d.done {
		return errors.New("decrypt: Open after Verify")
	}
	if d.e.UnencryptedLength >= 0 && d.n+int64(len(p)) > d.e.UnencryptedLength {
		return fmt.Errorf("decrypt: %w: content longer than %d bytes", ErrLengthMismatch, d.e.UnencryptedLength)
	}
	if err := d.s.open(p, p); err != nil {
		return fmt.Errorf("decrypt: %w", err)
	}
	d.n += int64(len(p))
	return nil
}

// Verify checks the body's 16-byte tag, in constant time, and the length
// against the envelope. The Decrypter cannot be used afterwards.
func (d *Decrypter) Verify(tag []byte) error {
	if d.done {
		return errors.New("decrypt: Verify twice")
	}
	d.done = true
	want := d.s.tag()
	if len(tag) != gcmTagSize {
		return fmt.Errorf("decrypt: %w", ErrTruncated)
	}
	if subtle.ConstantTimeCompare(want[:], tag) != 1 {
		return fmt.Errorf("decrypt: %w", ErrAuthentication)
	}
	if d.e.UnencryptedLength >= 0 && d.n != d.e.UnencryptedLength {
		return fmt.Errorf("decrypt: %w: content is %d bytes, envelope says %d", ErrLengthMismatch, d.n, d.e.UnencryptedLength)
	}
	return nil
}

// Wipe drops the Decrypter's key material (Verify does it too).
func (d *Decrypter) Wipe() { d.s.wipe() }

// Piece is a span of a body opened (Decrypter.Piece) or sealed
// (Encrypter.Piece) on its own, so that ranges downloaded or parts
// uploaded in parallel are each handled on their own goroutine: AES-GCM's
// keystream is addressed by block, and its GHASH is linear, so a span's
// share of the tag is computed apart and combined afterwards (Join).
// Everything Open returns is unauthenticated until the Decrypter's Verify
// returns nil.
type Piece struct {
	s   *gcmStream
	e   *Envelope
	off int64
}

// Piece starts decrypting the ciphertext from byte off, a multiple of 16.
// Pieces may be used at the same time as each other (not the Decrypter);
// join them in order with Join before Verify.
func (d *Decrypter) Piece(off int64) (*Piece, error) {
	if d.done {
		return nil, errors.New("decrypt: Piece after Verify")
	}
	if off < 0 {
		return nil, fmt.Errorf("decrypt: piece at byte %d", off)
	}
	s, err := d.s.piece(uint64(off))
	if err != nil {
		return nil, fmt.Errorf("decrypt: %w", err)
	}
	return &Piece{s: s, e: &d.e, off: off}, nil
}

// Open decrypts the piece's next ciphertext in place.
func (p *Piece) Open(b []byte) error {
	if p.e.UnencryptedLength >= 0 && int64(p.s.n)+int64(len(b)) > p.e.UnencryptedLength {
		return fmt.Errorf("decrypt: %w: content longer than %d bytes", ErrLengthMismatch, p.e.UnencryptedLength)
	}
	if err := p.s.open(b, b); err != nil {
		return fmt.Errorf("decrypt: %w", err)
	}
	return nil
}

// Wipe drops the piece's key material (Join does it too).
func (p *Piece) Wipe() { p.s.wipe() }

// Join takes a finished piece into the body's tag. Pieces are joined in
// order: p must start where the content so far ends.
func (d *Decrypter) Join(p *Piece) error {
	if d.done {
		return errors.New("decrypt: Join after Verify")
	}
	if err := d.s.join(p.s); err != nil {
		return fmt.Errorf("decrypt: %w", err)
	}
	d.n = int64(d.s.n)
	return nil
}
