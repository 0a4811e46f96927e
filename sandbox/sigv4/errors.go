package sigv4

import (
	"fmt"
	"net/http"
	"strings"
)

// Error is an authentication or integrity failure, named as S3 names it.
type Error struct {
	// Status is the HTTP status S3 answers with.
	Status int
	// Code is S3's error code, e.g. "SignatureDoesNotMatch".
	Code string
	// Message is S3's human-readable text for the code.
	Message string
	// Region is the expected region, set for a wrong-region
	// AuthorizationHeaderMalformed (S3 returns it as <Region>).
	Region string
	// StringToSign is the string the server signed, set for
	// SignatureDoesNotMatch on the request signature (S3 returns it too).
	StringToSign string
	// WrongService is the service the endpoint belongs to, set when the
	// credential scope names another one (KMS answers it with its own
	// InvalidSignatureException text).
	WrongService string
}

// Error implements error.
func (e *Error) Error() string {
	return fmt.Sprintf("%s (%d): %s", e.Code, e.Status, e.Message)
}

// ErrMissingAuth is returned by Verify when the request carries no
// authentication at all (no Authorization header, no X-Amz-Algorithm query).
// S3 answers it as anonymous access denied; KMS answers
// MissingAuthenticationToken instead (see IsMissingAuth).
var ErrMissingAuth = &Error{Status: http.StatusForbidden, Code: "AccessDenied", Message: "Access Denied"}

// IsMissingAuth reports whether err is ErrMissingAuth.
func IsMissingAuth(err error) bool {
	return err == ErrMissingAuth //nolint:errorlint // sentinel identity
}

const (
	msgSignature   = "The request signature we calculated does not match the signature you provided. Check your key and signing method."
	msgAccessKey   = "The AWS Access Key Id you provided does not exist in our records."
	msgSkew        = "The difference between the request time and the current time is too large."
	msgContentSHA  = "The provided 'x-amz-content-sha256' header does not match what was computed."
	msgContentMD5  = "The Content-MD5 you specified did not match what we received."
	msgInvalidMD5  = "The Content-MD5 you specified is not valid."
	msgIncomplete  = "You did not provide the number of bytes specified by the Content-Length HTTP header."
	msgTrailer     = "The value specified in the x-amz-trailer header is not supported"
	msgExpired     = "Request has expired"
	msgMalformed   = "The authorization header is malformed; the authorization header requires three components: Credential, SignedHeaders, and Signature."
	msgCredential  = "The authorization header is malformed; the Credential is mal-formed; expecting \"<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request\"."
	msgCredDate    = "The authorization header is malformed; Invalid credential date. Date is not the same as X-Amz-Date."
	msgContentHash = "x-amz-content-sha256 must be UNSIGNED-PAYLOAD, STREAMING-UNSIGNED-PAYLOAD-TRAILER, STREAMING-AWS4-HMAC-SHA256-PAYLOAD, STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER, STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD, STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD-TRAILER or a valid sha256 value."
)

func newError(status int, code, msg string) *Error {
	return &Error{Status: status, Code: code, Message: msg}
}

func errSignature(stringToSign string) *Error {
	return &Error{Status: http.StatusForbidden, Code: "SignatureDoesNotMatch", Message: msgSignature, StringToSign: stringToSign}
}

func errAccessKey() *Error {
	return newError(http.StatusForbidden, "InvalidAccessKeyId", msgAccessKey)
}

func errMalformed(msg string) *Error {
	return newError(http.StatusBadRequest, "AuthorizationHeaderMalformed", msg)
}

func errWrongRegion(got, want string) *Error {
	e := errMalformed(fmt.Sprintf("The authorization header is malformed; the region '%s' is wrong; expecting '%s'", got, want))
	e.Region = want
	return e
}

// errWrongService refuses a credential scoped to another service. S3 names
// the service it got and the one it is; other AWS services answer
// "Credential should be scoped to correct service: '<service>'." (see
// writeKMSAuthError in package sandbox).
func errWrongService(got, want string, presigned bool) *Error {
	msg := fmt.Sprintf("incorrect service \"%s\". This endpoint belongs to \"%s\".", got, want)
	var e *Error
	if presigned {
		e = errQueryParams("Error parsing the X-Amz-Credential parameter; " + msg)
	} else {
		e = errMalformed("The authorization header is malformed; " + msg)
	}
	e.WrongService = want
	return e
}

func errQueryParams(msg string) *Error {
	return newError(http.StatusBadRequest, "AuthorizationQueryParametersError", msg)
}

func errInvalidRequest(msg string) *Error {
	return newError(http.StatusBadRequest, "InvalidRequest", msg)
}

func errInvalidArgument(msg string) *Error {
	return newError(http.StatusBadRequest, "InvalidArgument", msg)
}

// errSigV2 answers Signature Version 2 requests (header or presigned), as
// S3 does for buckets and regions that only accept SigV4. Note that pip
// aws-cli v1 presigns with SigV2 unless s3.signature_version is s3v4.
func errSigV2() *Error {
	return errInvalidRequest("The authorization mechanism you have provided is not supported. Please use AWS4-HMAC-SHA256.")
}

func errIncomplete() *Error {
	return newError(http.StatusBadRequest, "IncompleteBody", msgIncomplete)
}

func errBadDigest(msg string) *Error {
	return newError(http.StatusBadRequest, "BadDigest", msg)
}

func errContentSHA() *Error {
	return newError(http.StatusBadRequest, "XAmzContentSHA256Mismatch", msgContentSHA)
}

func errChecksumMismatch(alg string) *Error {
	return errBadDigest(fmt.Sprintf("The %s you specified did not match the calculated checksum.", alg))
}

func errChecksumInvalid(alg string) *Error {
	return errInvalidRequest(fmt.Sprintf("Value for x-amz-checksum-%s header is invalid.", strings.ToLower(alg)))
}
