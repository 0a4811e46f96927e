package sigv4

import (
	"crypto/md5" //nolint:gosec // ETag, not security
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"hash"
	"io"
	"net/http"
	"strconv"
	"strings"
)

// bodyChecks is what the verifying body checks at EOF.
type bodyChecks struct {
	wantLen     int64  // expected decoded length, -1 unknown
	signedHex   string // plain signed payload hash
	contentMD5  []byte // decoded Content-MD5, nil if absent
	alg         string // declared checksum algorithm
	wantSum     string // checksum from a header ("" when it comes in a trailer)
	fromTrailer bool
}

// buildBody validates the integrity headers and wires Result.Body.
func (v *Verifier) buildBody(req *http.Request, a *authInfo, key []byte, p plan, res *Result) error {
	chk, e := integrityHeaders(req, p)
	if e != nil {
		return e
	}
	res.ChecksumAlgorithm = chk.alg
	res.ContentEncoding = stripAWSChunked(req.Header.Values("Content-Encoding"))
	raw := bodyOf(req, p)
	br := &bodyReader{raw: raw, checks: chk, res: res, md5: md5.New()} //nolint:gosec // ETag
	if chk.alg != "" {
		br.sum, _ = NewChecksum(chk.alg) // validated by integrityHeaders
	}
	if p.signedHex != "" {
		br.payload = sha256.New()
	}
	if p.chunked {
		d := newChunkDecoder(raw, p)
		if p.chunkSigs {
			d.signer = &chunkSigner{key: key, amzDate: a.amzDate, scope: a.scope(), prev: strings.ToLower(a.signature)}
		}
		br.src, br.dec = d, d
	} else {
		br.src = raw
		if chk.wantLen < 0 && req.ContentLength >= 0 {
			br.checks.wantLen = req.ContentLength
		}
		if p.buffered != nil {
			br.checks.wantLen = int64(len(p.buffered))
		}
	}
	res.DecodedLength = br.checks.wantLen
	res.Body, res.body = br, br
	return nil
}

// integrityHeaders parses the headers that declare lengths and checksums.
func integrityHeaders(req *http.Request, p plan) (bodyChecks, *Error) {
	chk := bodyChecks{wantLen: -1}
	if p.chunked {
		if s := req.Header.Get("X-Amz-Decoded-Content-Length"); s != "" {
			n, err := strconv.ParseInt(s, 10, 64)
			if err != nil || n < 0 {
				return chk, errInvalidArgument("x-amz-decoded-content-length must be a non-negative integer")
			}
			chk.wantLen = n
		}
	}
	chk.signedHex = p.signedHex
	if s := req.Header.Get("Content-MD5"); s != "" {
		b, err := base64.StdEncoding.DecodeString(s)
		if err != nil || len(b) != md5.Size {
			return chk, newError(http.StatusBadRequest, "InvalidDigest", msgInvalidMD5)
		}
		chk.contentMD5 = b
	}
	if e := declaredChecksum(req, p, &chk); e != nil {
		return chk, e
	}
	return chk, nil
}

// declaredChecksum finds the one flexible checksum the request declares,
// as an x-amz-checksum-* header or an x-amz-trailer.
func declaredChecksum(req *http.Request, p plan, chk *bodyChecks) *Error {
	const multiple = "Expecting a single x-amz-checksum- header. Multiple checksum Types are not allowed."
	for name, vals := range req.Header {
		alg, ok := checksumAlgFromHeader(name)
		if !ok {
			continue
		}
		if chk.alg != "" || len(vals) != 1 {
			return errInvalidRequest(multiple)
		}
		if checksumSize(alg) == 0 || !validChecksumValue(alg, vals[0]) {
			return errChecksumInvalid(alg)
		}
		chk.alg, chk.wantSum = alg, vals[0]
	}
	if t := req.Header.Values("X-Amz-Trailer"); len(t) > 0 {
		alg, ok := checksumAlgFromHeader(strings.TrimSpace(strings.Join(t, ",")))
		if !ok || !p.trailer || checksumSize(alg) == 0 {
			return errInvalidRequest(msgTrailer)
		}
		if chk.alg != "" {
			return errInvalidRequest(multiple)
		}
		chk.alg, chk.fromTrailer = alg, true
	}
	if s := req.Header.Get("X-Amz-Sdk-Checksum-Algorithm"); s != "" {
		if chk.alg == "" {
			return errInvalidRequest("x-amz-sdk-checksum-algorithm specified, but no corresponding x-amz-checksum-* or x-amz-trailer headers were found.")
		}
		if !strings.EqualFold(s, chk.alg) {
			return errInvalidRequest("Value for x-amz-sdk-checksum-algorithm header is invalid.")
		}
	}
	return nil
}

// stripAWSChunked removes aws-chunked from a Content-Encoding list.
func stripAWSChunked(values []string) string {
	var keep []string
	for _, v := range values {
		for _, part := range strings.Split(v, ",") {
			part = strings.TrimSpace(part)
			if part != "" && !strings.EqualFold(part, "aws-chunked") {
				keep = append(keep, part)
			}
		}
	}
	return strings.Join(keep, ",")
}

// bodyReader is Result.Body: it hashes decoded bytes as they pass and runs
// the checks at EOF.
type bodyReader struct {
	raw     io.ReadCloser
	src     io.Reader
	dec     *chunkDecoder // nil for plain bodies
	checks  bodyChecks
	res     *Result
	md5     hash.Hash
	sum     hash.Hash // declared checksum, nil if none
	payload hash.Hash // plain signed payload SHA-256, nil otherwise
	n       int64
	err     error // sticky: io.EOF or the failure
}

// Read implements io.Reader.
func (b *bodyReader) Read(p []byte) (int, error) {
	if b.err != nil {
		return 0, b.err
	}
	n, err := b.src.Read(p)
	if n > 0 {
		if b.md5 != nil {
			b.md5.Write(p[:n])
		}
		if b.sum != nil {
			b.sum.Write(p[:n])
		}
		if b.payload != nil {
			b.payload.Write(p[:n])
		}
		b.n += int64(n)
		if b.checks.wantLen >= 0 && b.n > b.checks.wantLen {
			err = errInvalidRequest("The request body is longer than its declared length.")
		}
	}
	switch {
	case err == nil:
		return n, nil
	case errors.Is(err, io.EOF):
		b.err = b.finish()
	case errors.Is(err, io.ErrUnexpectedEOF):
		b.err = errIncomplete()
	default:
		b.err = err
	}
	return n, b.err
}

// finish runs the end-of-body checks; io.EOF when all pass.
func (b *bodyReader) finish() error {
	c := b.checks
	if c.wantLen >= 0 && b.n != c.wantLen {
		return errIncomplete()
	}
	if b.payload != nil && hex.EncodeToString(b.payload.Sum(nil)) != c.signedHex {
		return errContentSHA()
	}
	var sum []byte
	if b.md5 != nil {
		sum = b.md5.Sum(nil)
	}
	if c.contentMD5 != nil && string(sum) != string(c.contentMD5) {
		return errBadDigest(msgContentMD5)
	}
	if b.sum != nil {
		want := c.wantSum
		if c.fromTrailer {
			want = b.dec.trailer(c.alg)
			if want == "" {
				return errInvalidRequest("The trailing checksum declared in x-amz-trailer was not sent.")
			}
			if !validChecksumValue(c.alg, want) {
				return errChecksumInvalid(c.alg)
			}
		}
		got := ChecksumValue(b.sum)
		if got != want {
			return errChecksumMismatch(c.alg)
		}
		b.res.checksum = got
	}
	b.res.md5 = sum
	return io.EOF
}

// Close closes the underlying request body.
func (b *bodyReader) Close() error {
	return b.raw.Close()
}
