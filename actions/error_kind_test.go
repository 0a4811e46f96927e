package actions

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"

	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// apiErr is an SDK error as a failed request returns it: an API error
// with its code and message inside an HTTP response error.
func apiErr(status int, code, msg string) error {
	inner := errors.New("no body")
	if code != "" || msg != "" {
		inner = &smithy.GenericAPIError{Code: code, Message: msg}
	}
	return &awshttp.ResponseError{ResponseError: &smithyhttp.ResponseError{
		Response: &smithyhttp.Response{Response: &http.Response{StatusCode: status}}, Err: inner}}
}

// TestDiagnoseSetsKind: every failure Diagnose explains gets its kind, so
// callers switch on the kind and never on the wording.
func TestDiagnoseSetsKind(t *testing.T) {
	obj := Hint{Bucket: "b", Key: "k"}
	cases := []struct {
		name   string
		err    error
		hint   Hint
		want   Kind
		inText string // what the explanation must still say
	}{
		{"HEAD of an SSE-C object", apiErr(400, "BadRequest", ""), obj, KindSSECKeyRequired, "encrypted with SSE-C"},
		{"GET of an SSE-C object", apiErr(400, "InvalidRequest", "The object was stored using a form of Server Side Encryption. The correct parameters must be provided to retrieve the object."), obj, KindSSECKeyRequired, "--sse-c-key"},
		{"wrong SSE-C key", apiErr(403, "AccessDenied", "Access Denied"), Hint{Bucket: "b", Key: "k", UsedSSEC: true}, KindSSECWrongKey, "does not match"},
		{"HEAD with a wrong SSE-C key", apiErr(403, "Forbidden", ""), Hint{Bucket: "b", Key: "k", UsedSSEC: true}, KindSSECWrongKey, "does not match"},
		{"HEAD with an SSE-C key of an object that is not SSE-C", apiErr(400, "BadRequest", ""), Hint{Bucket: "b", Key: "k", UsedSSEC: true}, KindInvalidRequest, "not encrypted with SSE-C"},
		{"GET with an SSE-C key of an object that is not SSE-C", apiErr(400, "InvalidRequest", "The encryption parameters are not applicable to this object."), Hint{Bucket: "b", Key: "k", UsedSSEC: true}, KindInvalidRequest, "Leave out the SSE-C key"},
		{"an engine without DSSE-KMS", apiErr(400, "InvalidArgument", "The encryption method specified is not supported"), Hint{Bucket: "b", Key: "k", KMSKey: "k1", Write: true}, KindInvalidRequest, "endpoint does not support"},
		{"SSE-C blocked", apiErr(403, "AccessDenied", "SSE-C is blocked for this bucket"), Hint{Bucket: "b", Key: "k", UsedSSEC: true, Write: true}, KindSSECBlocked, "--allow-sse-c"},
		{"SSE-C key not 32 bytes", apiErr(400, "InvalidArgument", "The secret key was invalid for the specified algorithm."), Hint{Bucket: "b", Key: "k", UsedSSEC: true, Write: true}, KindSSECBadKey, "32"},
		{"key disabled via S3", apiErr(400, "KMS.DisabledException", "arn:aws:kms:us-east-1:0:key/x is disabled."), Hint{KMSKey: "x"}, KindKeyDisabled, "enable-key"},
		{"key disabled", apiErr(400, "DisabledException", "x is disabled."), Hint{}, KindKeyDisabled, "enable-key"},
		{"key pending deletion", apiErr(400, "KMS.KMSInvalidStateException", "arn:x is pending deletion."), Hint{}, KindKeyPendingDeletion, "cancel-key-deletion"},
		{"key not pending deletion", apiErr(400, "KMSInvalidStateException", "arn:x is not pending deletion."), Hint{}, KindKeyInvalidState, ""},
		{"aws/s3 as a key id", apiErr(400, "KMS.NotFoundException", "Invalid keyId aws/s3"), Hint{}, KindKMSKeyNotFound, "alias/aws/s3"},
		{"no such KMS key", apiErr(400, "NotFoundException", "Alias alias/none is not found."), Hint{}, KindKMSKeyNotFound, "list-keys"},
		{"RSA key for SSE-KMS", apiErr(400, "KMS.InvalidKeyUsageException", "KeyUsage ENCRYPT_DECRYPT of RSA_2048 key is not supported"), Hint{}, KindInvalidKeyUsage, "symmetric"},
		{"ECC key for SSE-KMS", apiErr(400, "KMS.InvalidKeyUsageException", "arn:aws:kms:us-east-1:0:key/x key usage is SIGN_VERIFY which is not valid for GenerateDataKey."), Hint{}, KindInvalidKeyUsage, "signing key (KeyUsage SIGN_VERIFY)"},
		{"HMAC key for SSE-KMS", apiErr(400, "KMS.InvalidKeyUsageException", "arn:x key usage is GENERATE_VERIFY_MAC which is not valid for GenerateDataKey."), Hint{}, KindInvalidKeyUsage, "HMAC key"},
		{"ML-KEM key for Encrypt", apiErr(400, "InvalidKeyUsageException", "arn:x key usage is ENCAPSULATE_DECAPSULATE which is not valid for Encrypt."), Hint{}, KindInvalidKeyUsage, "ML-KEM key"},
		{"SSE headers on GET", apiErr(400, "InvalidArgument", "x-amz-server-side-encryption header is not supported for this operation."), obj, KindSSEOnRead, "--sse"},
		{"no such bucket", apiErr(404, "NoSuchBucket", "The specified bucket does not exist"), Hint{Bucket: "b"}, KindNoSuchBucket, "s3crypt mb"},
		{"no such key", apiErr(404, "NoSuchKey", "The specified key does not exist."), obj, KindNoSuchKey, "does not exist"},
		{"HEAD of a missing key", apiErr(404, "NotFound", ""), obj, KindNoSuchKey, "does not exist"},
		{"a 404 about nothing known", apiErr(404, "", ""), Hint{}, KindNotFound, ""},
		{"KMS permission", apiErr(403, "AccessDenied", "User is not authorized to perform kms:GenerateDataKey"), Hint{Bucket: "b"}, KindAccessDenied, "kms:GenerateDataKey"},
		{"S3 permission", apiErr(403, "AccessDenied", "Access Denied"), Hint{Bucket: "b"}, KindAccessDenied, ""},
		{"KMS administration refused", apiErr(400, "AccessDeniedException", "not allowed"), Hint{}, KindAccessDenied, ""},
		{"KMS Encrypt limit", apiErr(400, "ValidationException", "Value at 'plaintext' failed to satisfy constraint: Member must have length less than or equal to 4096"), Hint{}, KindTooLarge, "envelope"},
		{"RSA limit", apiErr(400, "ValidationException", "Algorithm RSAES_OAEP_SHA_256 cannot encrypt data larger than 190 bytes"), Hint{}, KindTooLarge, "RSA-OAEP"},
		{"invalid ciphertext", apiErr(400, "InvalidCiphertextException", ""), Hint{}, KindInvalidCiphertext, "encryption context"},
		{"incorrect key", apiErr(400, "IncorrectKeyException", "wrong key"), Hint{}, KindIncorrectKey, "--key-id"},
		{"alias taken", apiErr(400, "AlreadyExistsException", "alias/x already exists"), Hint{}, KindAlreadyExists, ""},
		{"bucket not empty", apiErr(409, "BucketNotEmpty", "The bucket you tried to delete is not empty"), Hint{Bucket: "b"}, KindBucketNotEmpty, ""},
		{"malformed request", apiErr(400, "MalformedXML", "bad"), Hint{Bucket: "b"}, KindInvalidRequest, ""},
		{"network failure", errors.New("dial tcp: connection refused"), Hint{}, KindOther, "connection refused"},
	}
	for _, c := range cases {
		err := Diagnose("op", c.err, c.hint)
		var e *Error
		if !errors.As(err, &e) {
			t.Fatalf("%s: %T", c.name, err)
		}
		if e.Kind != c.want || KindOf(fmt.Errorf("wrapped: %w", err)) != c.want {
			t.Errorf("%s: kind %q, want %q (%v)", c.name, e.Kind, c.want, e)
		}
		if c.inText != "" && !strings.Contains(e.Error(), c.inText) {
			t.Errorf("%s: %q lacks %q", c.name, e.Error(), c.inText)
		}
	}
	if KindOf(errors.New("plain")) != KindOther || KindOf(nil) != KindOther {
		t.Error("KindOf of a plain error is not KindOther")
	}
}

// TestKindNames: every kind has its own name.
func TestKindNames(t *testing.T) {
	seen := map[string]Kind{}
	for k := KindOther; k <= KindDiskFull; k++ {
		n := k.String()
		if n == "" || n == fmt.Sprintf("Kind(%d)", int(k)) {
			t.Errorf("kind %d has no name", int(k))
		}
		if o, dup := seen[n]; dup {
			t.Errorf("kinds %d and %d are both %q", int(o), int(k), n)
		}
		seen[n] = k
	}
	if s := Kind(999).String(); s != "Kind(999)" {
		t.Errorf("unknown kind renders %q", s)
	}
}
