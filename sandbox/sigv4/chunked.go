package sigv4

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"hash"
	"io"
	"strconv"
	"strings"
)

const (
	chunkReaderSize   = 8 << 10 // also the longest chunk header or trailer line
	maxTrailerLines   = 16
	chunkSignatureExt = "chunk-signature="
	trailerSigName    = "x-amz-trailer-signature"
)

// chunkSigner chains chunk signatures from the seed (request) signature.
type chunkSigner struct {
	key     []byte
	amzDate string
	scope   string
	prev    string // previous signature, lower-case hex
}

// next verifies one chunk's signature given the SHA-256 of its data.
func (s *chunkSigner) next(dataHash []byte, sent string) bool {
	sts := "AWS4-HMAC-SHA256-PAYLOAD\n" + s.amzDate + "\n" + s.scope + "\n" + s.prev + "\n" +
		emptySHA256Hex + "\n" + hex.EncodeToString(dataHash)
	if !signatureMatches(hmacSHA256(s.key, sts), sent) {
		return false
	}
	s.prev = strings.ToLower(sent)
	return true
}

// trailer verifies the trailer signature over the canonical trailer lines.
func (s *chunkSigner) trailer(canonical, sent string) bool {
	sts := "AWS4-HMAC-SHA256-TRAILER\n" + s.amzDate + "\n" + s.scope + "\n" + s.prev + "\n" + sha256Hex(canonical)
	return signatureMatches(hmacSHA256(s.key, sts), sent)
}

// chunkDecoder removes aws-chunked framing, verifying chunk signatures at
// each chunk end and the trailer at the end. It holds at most its bufio
// buffer and one running hash.
type chunkDecoder struct {
	r         *bufio.Reader
	signer    *chunkSigner // nil for unsigned chunks
	wantTrail bool
	left      int64     // data bytes left in the current chunk
	inChunk   bool      // a chunk header has been read
	chunkSig  string    // signature announced for the current chunk
	chunkHash hash.Hash // SHA-256 of the current chunk's data (signed only)
	trailers  map[string]string
	done      bool
}

func newChunkDecoder(r io.Reader, p plan) *chunkDecoder {
	d := &chunkDecoder{r: bufio.NewReaderSize(r, chunkReaderSize), wantTrail: p.trailer, trailers: map[string]string{}}
	if p.chunkSigs {
		d.chunkHash = sha256.New()
	}
	return d
}

// trailer returns the trailer value sent for checksum algorithm alg.
func (d *chunkDecoder) trailer(alg string) string {
	return d.trailers["x-amz-checksum-"+strings.ToLower(alg)]
}

// Read implements io.Reader over the decoded data.
func (d *chunkDecoder) Read(p []byte) (int, error) {
	for {
		if d.done {
			return 0, io.EOF
		}
		if !d.inChunk {
			if err := d.readHeader(); err != nil {
				return 0, err
			}
			continue
		}
		if d.left == 0 {
			if err := d.endChunk(); err != nil {
				return 0, err
			}
			continue
		}
		if int64(len(p)) > d.left {
			p = p[:d.left]
		}
		n, err := d.r.Read(p)
		d.left -= int64(n)
		if d.chunkHash != nil {
			d.chunkHash.Write(p[:n])
		}
		if err != nil && (n == 0 || !errors.Is(err, io.EOF)) {
			return n, truncated(err)
		}
		return n, nil
	}
}

// readHeader reads "<hex-size>[;chunk-signature=<sig>]\r\n".
func (d *chunkDecoder) readHeader() error {
	line, err := d.readLine()
	if err != nil {
		return truncated(err)
	}
	sizeStr, ext, _ := strings.Cut(line, ";")
	size, perr := strconv.ParseInt(strings.TrimSpace(sizeStr), 16, 64)
	if perr != nil || size < 0 || len(sizeStr) > 16 {
		return errMalformedChunk()
	}
	d.chunkSig = ""
	for _, e := range strings.Split(ext, ";") {
		if sig, ok := strings.CutPrefix(strings.TrimSpace(e), chunkSignatureExt); ok {
			d.chunkSig = sig
		}
	}
	if d.signer != nil && d.chunkSig == "" {
		return errSignature("")
	}
	if d.chunkHash != nil {
		d.chunkHash.Reset()
	}
	d.left, d.inChunk = size, true
	if size == 0 {
		return d.finalChunk()
	}
	return nil
}

// endChunk consumes the CRLF after a chunk's data and checks its signature.
func (d *chunkDecoder) endChunk() error {
	var crlf [2]byte
	if _, err := io.ReadFull(d.r, crlf[:]); err != nil {
		return truncated(err)
	}
	if crlf != [2]byte{'\r', '\n'} {
		return errMalformedChunk()
	}
	if d.signer != nil && !d.signer.next(d.chunkHash.Sum(nil), d.chunkSig) {
		return errSignature("")
	}
	d.inChunk = false
	return nil
}

// finalChunk handles the zero-length chunk, the trailers and the end.
func (d *chunkDecoder) finalChunk() error {
	if d.signer != nil && !d.signer.next(d.chunkHash.Sum(nil), d.chunkSig) {
		return errSignature("")
	}
	if d.wantTrail {
		if err := d.readTrailers(); err != nil {
			return err
		}
	} else if line, err := d.readLine(); err != nil || line != "" {
		return firstErr(err, errMalformedChunk())
	}
	if _, err := d.r.ReadByte(); err == nil {
		return errMalformedChunk()
	} else if !errors.Is(err, io.EOF) {
		return truncated(err)
	}
	d.done = true
	return nil
}

// readTrailers reads "name:value" lines up to the blank line (or the end of
// the body), then checks the trailer signature when chunks are signed.
func (d *chunkDecoder) readTrailers() error {
	var canonical strings.Builder
	sig := ""
	for i := 0; ; i++ {
		line, err := d.readLine()
		if errors.Is(err, io.EOF) && line == "" {
			break // the final blank line is optional
		}
		if err != nil {
			return err
		}
		if line == "" {
			break
		}
		name, value, ok := strings.Cut(line, ":")
		name, value = strings.ToLower(strings.TrimSpace(name)), strings.TrimSpace(value)
		if !ok || name == "" || i >= maxTrailerLines {
			return errMalformedChunk()
		}
		if name == trailerSigName {
			sig = value
			continue
		}
		if _, isSum := checksumAlgFromHeader(name); !isSum {
			return errInvalidRequest(msgTrailer)
		}
		d.trailers[name] = value
		canonical.WriteString(name + ":" + value + "\n")
	}
	if d.signer != nil && (sig == "" || !d.signer.trailer(canonical.String(), sig)) {
		return errSignature("")
	}
	return nil
}

// readLine reads one CRLF-terminated line without its terminator. At the
// very end of the body it returns ("", io.EOF).
func (d *chunkDecoder) readLine() (string, error) {
	b, err := d.r.ReadSlice('\n')
	switch {
	case errors.Is(err, bufio.ErrBufferFull):
		return "", errMalformedChunk()
	case errors.Is(err, io.EOF) && len(b) == 0:
		return "", io.EOF
	case err != nil:
		return "", truncated(err)
	}
	b = bytes.TrimSuffix(b[:len(b)-1], []byte{'\r'})
	return string(b), nil
}

// truncated maps a read failure inside the framing to IncompleteBody.
func truncated(err error) error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return errIncomplete()
	}
	return err
}

func firstErr(a, b error) error {
	if a != nil {
		return truncated(a)
	}
	return b
}

func errMalformedChunk() *Error {
	return errInvalidRequest("The aws-chunked request body is malformed.")
}
