// Package sigv4 verifies AWS Signature Version 4 on the server side, for the
// sandbox region's S3 and KMS endpoints.
//
// Verify checks a request's Authorization header (or presigned query
// parameters) against secrets from a lookup function, and returns the request
// body as a reader that removes aws-chunked framing and checks, as the bytes
// flow, everything the client declared about them: the signed payload SHA-256,
// the chunk and trailer signatures of STREAMING-AWS4-HMAC-SHA256-PAYLOAD[-TRAILER]
// bodies, flexible checksums (x-amz-checksum-* headers or trailers), Content-MD5
// and the declared lengths. A mismatch surfaces as a *Error from Read instead of
// io.EOF, so the caller commits a body only after a clean EOF. Memory stays
// bounded whatever the body size.
//
// Why by hand: aws-sdk-go-v2 only signs (its signer cannot verify a received
// request, decode aws-chunked bodies or check chunk signatures), and the server
// libraries that do verify (MinIO's cmd package) are not importable as
// libraries. The canonicalisation here follows aws-sdk-go-v2's signer and
// botocore, which the tests drive against this package.
package sigv4
