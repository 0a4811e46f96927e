package crypto

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/sha512"
	"crypto/subtle"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"sync"
)

// Errors of content decryption, matched with errors.Is. None of them means
// the output is usable: discard everything DecryptTo wrote.
var (
	// ErrAuthentication: the GCM tag did not verify (the body, its tag or
	// the IV was altered, or the data key is wrong).
	ErrAuthentication = errors.New("object failed authentication: body, tag or IV altered, or wrong data key")
	// ErrCommitment: the data key does not match the V3 key commitment
	// (x-amz-d). Checked before any content is decrypted.
	ErrCommitment = errors.New("key commitment mismatch: this data key does not belong to the object (x-amz-d)")
	// ErrTruncated: the body is shorter than a GCM tag.
	ErrTruncated = errors.New("encrypted body shorter than its 16-byte GCM tag")
	// ErrLengthMismatch: the content length differs from
	// x-amz-unencrypted-content-length.
	ErrLengthMismatch = errors.New("content length differs from x-amz-unencrypted-content-length")
)

// HKDF info labels of suite 115 (SSE-SPEC §6.5).
const (
	commitKeyLabel = "COMMITKEY"
	deriveKeyLabel = "DERIVEKEY"
)

// v3AAD is the GCM additional data of suite 115: its two ID bytes.
var v3AAD = []byte{suiteCommitKey >> 8, suiteCommitKey & 0xff}

// v3Nonce is suite 115's fixed GCM nonce: twelve 0x01 bytes.
var v3Nonce = []byte{1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1}

// deriveV3 derives suite 115's 28-byte commit key and 32-byte content key
// from the plaintext data key and the Message ID with HKDF-SHA512.
func deriveV3(pdk, messageID []byte) (commit, derived []byte, err error) {
	if len(pdk) != dataKeySize {
		return nil, nil, errKeyLen("data key", len(pdk), dataKeySize)
	}
	if len(messageID) != messageIDSize {
		return nil, nil, errKeyLen("message ID", len(messageID), messageIDSize)
	}
	prk, err := hkdf.Extract(sha512.New, pdk, messageID)
	if err != nil {
		return nil, nil, fmt.Errorf("hkdf extract: %w", err)
	}
	defer clear(prk)
	commit, err = hkdf.Expand(sha512.New, prk, string(v3AAD)+commitKeyLabel, commitmentSize)
	if err != nil {
		return nil, nil, fmt.Errorf("hkdf commit key: %w", err)
	}
	derived, err = hkdf.Expand(sha512.New, prk, string(v3AAD)+deriveKeyLabel, dataKeySize)
	if err != nil {
		return nil, nil, fmt.Errorf("hkdf derive key: %w", err)
	}
	return commit, derived, nil
}

// contentStream sets up the GCM message of an envelope's content: for V3 it
// verifies the key commitment (in constant time, before anything else) and
// derives the content key.
func contentStream(dataKey *Key, e Envelope) (*gcmStream, error) {
	if dataKey.Wiped() {
		return nil, ErrWipedKey
	}
	if dataKey.Len() != dataKeySize {
		return nil, errKeyLen("data key", dataKey.Len(), dataKeySize)
	}
	switch e.Format {
	case FormatV2:
		if e.CEKAlg != CEKAlgAESGCM {
			return nil, fmt.Errorf("%w: V2 content algorithm %q", ErrBadEnvelope, e.CEKAlg)
		}
		return newGCMStream(dataKey.Bytes(), e.IV, nil)
	case FormatV3:
		if e.CEKAlg != CEKAlgCommitKey {
			return nil, fmt.Errorf("%w: V3 content algorithm %q", ErrBadEnvelope, e.CEKAlg)
		}
		commit, derived, err := deriveV3(dataKey.Bytes(), e.MessageID)
		if err != nil {
			return nil, err
		}
		defer clear(derived)
		if subtle.ConstantTimeCompare(commit, e.Commitment) != 1 {
			return nil, ErrCommitment
		}
		return newGCMStream(derived, v3Nonce, v3AAD)
	default:
		return nil, fmt.Errorf("%w: format %d", ErrBadEnvelope, e.Format)
	}
}

// encryptReader produces an S3EC body (ciphertext then tag) from plaintext.
// mu serialises Read and Close: an HTTP transport may still read an aborted
// request's body from its own goroutine while the caller's deferred Close
// wipes the stream.
type encryptReader struct {
	mu   sync.Mutex
	src  io.Reader
	s    *gcmStream
	want int64 // expected plaintext length, or -1
	n    int64 // plaintext bytes read
	tag  []byte
	eof  bool
	err  error
}

// NewEncryptReader returns a reader of the S3EC body of src under e: the
// AES-GCM ciphertext followed by the 16-byte tag, EncryptedLength(n) bytes
// for n bytes of plaintext. Memory use is bounded whatever the size. If
// e.UnencryptedLength is not -1 the plaintext must have exactly that length
// (the metadata would otherwise lie) or reading fails with
// ErrLengthMismatch. The data key is not retained: wipe it as soon as
// NewEncryptReader returns. The stream wipes itself when it ends (tag
// read or error); Close wipes it earlier, so defer Close to cover an
// upload that is abandoned before the last byte. Read after Close fails
// with ErrWipedKey.
func NewEncryptReader(src io.Reader, dataKey *Key, e Envelope) (io.ReadCloser, error) {
	s, err := contentStream(dataKey, e)
	if err != nil {
		return nil, fmt.Errorf("encrypt: %w", err)
	}
	return &encryptReader{src: src, s: s, want: e.UnencryptedLength}, nil
}

// Close wipes the stream's secrets if it has not ended; it is idempotent
// and safe beside a Read in another goroutine.
func (r *encryptReader) Close() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.err == nil && !r.eof {
		r.err = fmt.Errorf("encrypt: closed before the end: %w", ErrWipedKey)
	}
	r.s.wipe()
	return nil
}

// Read implements io.Reader.
func (r *encryptReader) Read(p []byte) (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.err != nil {
		return 0, r.err
	}
	if r.eof {
		if len(r.tag) == 0 {
			return 0, io.EOF
		}
		n := copy(p, r.tag)
		r.tag = r.tag[n:]
		return n, nil
	}
	if len(p) == 0 {
		return 0, nil
	}
	n, err := r.src.Read(p)
	if n > 0 {
		if serr := r.s.seal(p[:n], p[:n]); serr != nil {
			return 0, r.fail(serr)
		}
		r.n += int64(n)
		if r.want >= 0 && r.n > r.want {
			return 0, r.fail(fmt.Errorf("%w: plaintext longer than %d bytes", ErrLengthMismatch, r.want))
		}
	}
	switch {
	case errors.Is(err, io.EOF):
		if r.want >= 0 && r.n != r.want {
			return 0, r.fail(fmt.Errorf("%w: plaintext is %d bytes, envelope says %d", ErrLengthMismatch, r.n, r.want))
		}
		t := r.s.tag()
		r.tag, r.eof = t[:], true
		return n, nil
	case err != nil:
		return 0, r.fail(fmt.Errorf("read plaintext: %w", err))
	}
	return n, nil
}

// fail records a sticky error and wipes the stream.
func (r *encryptReader) fail(err error) error {
	r.err = fmt.Errorf("encrypt: %w", err)
	r.s.wipe()
	return r.err
}

// Encrypt writes the S3EC body of src under e to dst and returns the number
// of bytes written (see NewEncryptReader).
func Encrypt(dst io.Writer, src io.Reader, dataKey *Key, e Envelope) (int64, error) {
	r, err := NewEncryptReader(src, dataKey, e)
	if err != nil {
		return 0, err
	}
	defer r.Close()
	return io.Copy(dst, r)
}

// NewRangeStream returns the AES-CTR keystream of an S3EC body's content
// starting at plaintext byte offset (a multiple of 16): the CTR twin of
// the object's GCM suite that S3 Encryption Clients use for ranged reads
// (SSE-SPEC §6.6). XOR it over the ciphertext bytes from offset on to get
// the plaintext. Nothing authenticates that plaintext: the GCM tag covers
// the whole body. The V3 key commitment is still checked first
// (ErrCommitment). The data key is not retained.
func NewRangeStream(dataKey *Key, e Envelope, offset int64) (cipher.Stream, error) {
	if offset < 0 || offset%16 != 0 || offset >= gcmMaxPlaintext {
		return nil, fmt.Errorf("range: offset %d is not a block boundary within an AES-GCM message", offset)
	}
	s, err := contentStream(dataKey, e)
	if err != nil {
		return nil, fmt.Errorf("range: %w", err)
	}
	s.wipe()
	key, nonce := dataKey.Bytes(), e.IV
	if e.Format == FormatV3 {
		_, derived, err := deriveV3(dataKey.Bytes(), e.MessageID)
		if err != nil {
			return nil, fmt.Errorf("range: %w", err)
		}
		defer clear(derived)
		key, nonce = derived, v3Nonce
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("range: aes: %w", err)
	}
	// GCM's first content block uses counter nonce‖2; block j uses
	// nonce‖(2+j), never wrapping 32 bits within GCM's limit.
	var ctr [16]byte
	copy(ctr[:], nonce)
	binary.BigEndian.PutUint32(ctr[12:], uint32(2+offset/16))
	return cipher.NewCTR(block, ctr[:]), nil
}

// Encrypter encrypts one S3EC body in pieces (Piece) sealed apart, for
// example the parts of a multipart upload, each on its own goroutine; the
// pieces are joined in order (Join) and Tag gives the body's last 16
// bytes. It is the parallel twin of NewEncryptReader: the same bytes.
type Encrypter struct {
	s    *gcmStream
	e    Envelope
	done bool
}

// NewEncrypter starts the body of e's content. The data key is not
// retained: wipe it once this returns.
func NewEncrypter(dataKey *Key, e Envelope) (*Encrypter, error) {
	s, err := contentStream(dataKey, e)
	if err != nil {
		return nil, fmt.Errorf("encrypt: %w", err)
	}
	return &Encrypter{s: s, e: e}, nil
}

// Piece starts sealing the plaintext from byte off, a multiple of 16.
// Pieces may be used at the same time as each other (not the Encrypter).
func (x *Encrypter) Piece(off int64) (*Piece, error) {
	if x.done {
		return nil, errors.New("encrypt: Piece after Tag")
	}
	if off < 0 {
		return nil, fmt.Errorf("encrypt: piece at byte %d", off)
	}
	s, err := x.s.piece(uint64(off))
	if err != nil {
		return nil, fmt.Errorf("encrypt: %w", err)
	}
	return &Piece{s: s, e: &x.e, off: off}, nil
}

// Seal encrypts the piece's next plaintext in place. It may borrow (and
// restores) the 16 bytes after b within b's capacity: pieces sealed at
// the same time in one array need clipped slices (buf[a:b:b]).
func (p *Piece) Seal(b []byte) error {
	if p.e.UnencryptedLength >= 0 && int64(p.s.n)+int64(len(b)) > p.e.UnencryptedLength {
		return fmt.Errorf("encrypt: %w: plaintext longer than %d bytes", ErrLengthMismatch, p.e.UnencryptedLength)
	}
	if err := p.s.seal(b, b); err != nil {
		return fmt.Errorf("encrypt: %w", err)
	}
	return nil
}

// Join takes a finished piece into the body's tag. Pieces are joined in
// order: p must start where the content so far ends.
func (x *Encrypter) Join(p *Piece) error {
	if x.done {
		return errors.New("encrypt: Join after Tag")
	}
	if err := x.s.join(p.s); err != nil {
		return fmt.Errorf("encrypt: %w", err)
	}
	return nil
}

// Tag checks the length against the envelope and returns the body's
// 16-byte tag; the Encrypter is wiped and cannot be used afterwards.
func (x *Encrypter) Tag() ([]byte, error) {
	if x.done {
		return nil, errors.New("encrypt: Tag twice")
	}
	x.done = true
	if n := int64(x.s.n); x.e.UnencryptedLength >= 0 && n != x.e.UnencryptedLength {
		x.s.wipe()
		return nil, fmt.Errorf("encrypt: %w: plaintext is %d bytes, envelope says %d", ErrLengthMismatch, n, x.e.UnencryptedLength)
	}
	t := x.s.tag()
	return t[:], nil
}

// Wipe drops the Encrypter's key material (Tag does it too).
func (x *Encrypter) Wipe() { x.s.wipe() }
