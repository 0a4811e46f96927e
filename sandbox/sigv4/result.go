package sigv4

import (
	"io"
	"net/http"
)

// Result is a verified request.
type Result struct {
	// AccessKeyID is the access key that signed the request.
	AccessKeyID string
	// Service is the credential scope's service ("s3", "kms").
	Service string
	// Region is the credential scope's region.
	Region string
	// Presigned is true for query-string (presigned URL) authentication.
	Presigned bool
	// Body is the decoded payload (aws-chunked framing removed). Reading it
	// verifies as it goes; at EOF it checks the signed payload hash, chunk
	// and trailer signatures, the declared checksum (x-amz-checksum-* header
	// or trailer), Content-MD5 and declared lengths, and returns a *Error
	// instead of io.EOF on any mismatch. A truncated body is IncompleteBody.
	// Nothing about the payload is verified until EOF: commit or act on it
	// only after a clean EOF (see ReadAll for small documents).
	Body io.ReadCloser
	// DecodedLength is the payload length if known
	// (x-amz-decoded-content-length, or Content-Length for plain bodies),
	// else -1.
	DecodedLength int64
	// ChecksumAlgorithm is the declared flexible checksum (CRC32, CRC32C,
	// CRC64NVME, SHA1, SHA256, SHA512, MD5, XXHASH3, XXHASH64, XXHASH128) or "".
	ChecksumAlgorithm string
	// ContentEncoding is the request's Content-Encoding with aws-chunked
	// removed (what S3 stores), "" if nothing remains.
	ContentEncoding string

	checksum string
	md5      []byte
	body     *bodyReader
}

// SkipMD5 stops computing the body's MD5 when no Content-MD5 asks for it:
// S3 needs the MD5 only for the ETag of SSE-S3 objects and parts, and MD5
// is the costliest hash on the write path. Call it before reading Body;
// MD5 then returns nil.
func (r *Result) SkipMD5() {
	if b := r.body; b != nil && b.checks.contentMD5 == nil && b.n == 0 {
		b.md5 = nil
	}
}

// Checksum returns the declared checksum algorithm and its verified base64
// value once Body has reached a clean EOF; ("", "") before that or when no
// checksum was declared (nothing is computed then).
func (r *Result) Checksum() (alg, b64value string) {
	if r.checksum == "" {
		return "", ""
	}
	return r.ChecksumAlgorithm, r.checksum
}

// MD5 returns the MD5 of the decoded body (the S3 ETag of a single-part
// object) once Body has reached a clean EOF, else nil.
func (r *Result) MD5() []byte {
	return r.md5
}

// ReadAll reads the whole verified body into memory, for small request
// documents (S3 XML, KMS JSON) that must be verified before they are acted
// on: a decoder that stops at the end of the document would never reach the
// EOF where the checks run. A body longer than max is 400
// MaxMessageLengthExceeded; integrity failures come back as from Body.
func (r *Result) ReadAll(max int64) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r.Body, max+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > max {
		return nil, newError(http.StatusBadRequest, "MaxMessageLengthExceeded", "Your request was too big.")
	}
	return b, nil
}
