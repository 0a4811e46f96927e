package s3

import (
	"encoding/xml"
	"errors"
	"net/http"

	"github.com/s3crypt/s3crypt/sandbox/kms"
	"github.com/s3crypt/s3crypt/sandbox/sigv4"
	"github.com/s3crypt/s3crypt/sandbox/store"
)

// Error is an S3 error response: status, code and message as AWS sends
// them, with the optional ArgumentName/ArgumentValue fields.
type Error struct {
	Status        int
	Code          string
	Message       string
	ArgumentName  string
	ArgumentValue string
	// Resource fields filled in by the writer.
	BucketName string
	Key        string
}

func (e *Error) Error() string { return e.Code + ": " + e.Message }

func newErr(status int, code, msg string) *Error {
	return &Error{Status: status, Code: code, Message: msg}
}

func argErr(code, msg, name, value string) *Error {
	return &Error{Status: http.StatusBadRequest, Code: code, Message: msg, ArgumentName: name, ArgumentValue: value}
}

// The errors the server returns most often.
var (
	errNoSuchBucket       = newErr(404, "NoSuchBucket", "The specified bucket does not exist")
	errNoSuchKey          = newErr(404, "NoSuchKey", "The specified key does not exist.")
	errNoSuchVersion      = newErr(404, "NoSuchVersion", "The specified version does not exist.")
	errNoSuchUpload       = newErr(404, "NoSuchUpload", "The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.")
	errBucketNotEmpty     = newErr(409, "BucketNotEmpty", "The bucket you tried to delete is not empty")
	errBucketOwned        = newErr(409, "BucketAlreadyOwnedByYou", "Your previous request to create the named bucket succeeded and you already own it.")
	errMalformedXML       = newErr(400, "MalformedXML", "The XML you provided was not well-formed or did not validate against our published schema")
	errInvalidBucketName  = newErr(400, "InvalidBucketName", "The specified bucket is not valid.")
	errInvalidRange       = newErr(416, "InvalidRange", "The requested range is not satisfiable")
	errInvalidPart        = newErr(400, "InvalidPart", "One or more of the specified parts could not be found.  The part may not have been uploaded, or the specified entity tag may not match the part's entity tag.")
	errInvalidPartOrder   = newErr(400, "InvalidPartOrder", "The list of parts was not in ascending order. Parts must be ordered by part number.")
	errEntityTooSmall     = newErr(400, "EntityTooSmall", "Your proposed upload is smaller than the minimum allowed object size.")
	errEntityTooLarge     = newErr(400, "EntityTooLarge", "Your proposed upload exceeds the maximum allowed object size.")
	errNotImplemented     = newErr(501, "NotImplemented", "A header or query you provided implies functionality that is not implemented in the s3crypt sandbox.")
	errMethodNotAllowed   = newErr(405, "MethodNotAllowed", "The specified method is not allowed against this resource.")
	errInternal           = newErr(500, "InternalError", "We encountered an internal error. Please try again.")
	errPreconditionFailed = newErr(412, "PreconditionFailed", "At least one of the pre-conditions you specified did not hold")
	errKeyTooLong         = newErr(400, "KeyTooLongError", "Your key is too long")
	errInvalidURI         = newErr(400, "InvalidURI", "Couldn't parse the specified URI.")
)

// toS3Error maps errors from the store, KMS and signature checks to S3's
// wire errors. KMS errors surface as AWS surfaces them: 400 with the KMS
// exception name prefixed by "KMS.".
func toS3Error(err error) *Error {
	var se *Error
	if errors.As(err, &se) {
		return se
	}
	var ke *kms.Error
	if errors.As(err, &ke) {
		return newErr(http.StatusBadRequest, "KMS."+ke.Type, ke.Message)
	}
	var ae *sigv4.Error
	if errors.As(err, &ae) {
		return newErr(ae.Status, ae.Code, ae.Message)
	}
	switch {
	case errors.Is(err, store.ErrNoSuchBucket):
		return errNoSuchBucket
	case errors.Is(err, store.ErrNoSuchKey):
		return errNoSuchKey
	case errors.Is(err, store.ErrNoSuchVersion):
		return errNoSuchVersion
	case errors.Is(err, store.ErrNoSuchUpload):
		return errNoSuchUpload
	case errors.Is(err, store.ErrBucketNotEmpty):
		return errBucketNotEmpty
	case errors.Is(err, store.ErrBucketExists):
		return errBucketOwned
	case errors.Is(err, store.ErrInvalidPart):
		return errInvalidPart
	case errors.Is(err, store.ErrInvalidKey):
		return argErr("InvalidArgument", "Object key is not valid: it must be non-empty UTF-8 without NUL characters.", "key", "")
	}
	return errInternal
}

type errorBody struct {
	XMLName       xml.Name `xml:"Error"`
	Code          string   `xml:"Code"`
	Message       string   `xml:"Message"`
	ArgumentName  string   `xml:"ArgumentName,omitempty"`
	ArgumentValue string   `xml:"ArgumentValue,omitempty"`
	BucketName    string   `xml:"BucketName,omitempty"`
	Key           string   `xml:"Key,omitempty"`
	RequestID     string   `xml:"RequestId"`
	HostID        string   `xml:"HostId"`
}

// writeError writes e as S3 does: an XML body, except for HEAD requests,
// which carry only the status.
func writeError(w http.ResponseWriter, r *http.Request, requestID string, e *Error) {
	h := w.Header()
	h.Set("x-amz-request-id", requestID)
	if r.Method == http.MethodHead {
		w.WriteHeader(e.Status)
		return
	}
	h.Set("Content-Type", "application/xml")
	w.WriteHeader(e.Status)
	body := errorBody{
		Code: e.Code, Message: e.Message, ArgumentName: e.ArgumentName, ArgumentValue: e.ArgumentValue,
		BucketName: e.BucketName, Key: e.Key, RequestID: requestID, HostID: hostID(requestID),
	}
	_, _ = w.Write([]byte(xml.Header))
	_ = xml.NewEncoder(w).Encode(body)
}
