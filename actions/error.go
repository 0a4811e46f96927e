package actions

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"net/http"
	"strings"

	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go"

	"github.com/s3crypt/s3crypt/awsclient"
)

// Error is a failed action explained: what happened, why, and what to do.
// It never holds a secret.
type Error struct {
	Op   string // what was being done: "upload a.txt to s3://b/a.txt"
	What string // what happened
	Why  string // the cause, when known
	Fix  string // what to do
	// Kind is what went wrong, for code to act on (the words above are for
	// people and may change).
	Kind   Kind
	Code   string // AWS error code, if any
	Status int    // HTTP status, if any
	Err    error  // the underlying error
}

// Kind says what went wrong, in terms a program can switch on.
type Kind int

// The kinds of failure Diagnose tells apart. KindOther is anything else
// (a local file error, an answer s3crypt does not recognise).
const (
	KindOther              Kind = iota
	KindNotFound                // a 404 about neither a bucket nor a key s3crypt knows
	KindNoSuchBucket            // the bucket does not exist
	KindNoSuchKey               // the object (or version) does not exist
	KindAccessDenied            // an identity or key policy refuses the request
	KindSSECBlocked             // the bucket blocks SSE-C writes
	KindSSECKeyRequired         // an SSE-C object read without its key
	KindSSECWrongKey            // an SSE-C key other than the object's
	KindSSECBadKey              // an SSE-C key that is not 32 bytes
	KindKeyDisabled             // the KMS key is disabled
	KindKeyPendingDeletion      // the KMS key is scheduled for deletion
	KindKeyInvalidState         // the KMS key is in another state the request cannot use
	KindKMSKeyNotFound          // no KMS key matches the id, ARN or alias
	KindInvalidKeyUsage         // the KMS key cannot do this (an RSA key for data keys)
	KindSSEOnRead               // encryption headers sent on a read
	KindTooLarge                // more plaintext than KMS (or RSA-OAEP) encrypts at once
	KindInvalidCiphertext       // not a KMS ciphertext for this key and context
	KindIncorrectKey            // a ciphertext made under another KMS key
	KindAlreadyExists           // the name (an alias, a bucket) is taken
	KindBucketNotEmpty          // a bucket still holds objects
	KindInvalidRequest          // S3 or KMS refused the request as malformed
	KindDiskFull                // the sandbox's disk has no space left
	KindNoKMSAPI                // the endpoint does not serve the AWS KMS API
	KindTLS                     // the endpoint's TLS certificate is not trusted
	KindKMSRefused              // a 5xx on an SSE-KMS request: the endpoint's KMS may have refused
)

var kindNames = [...]string{
	KindOther:              "error",
	KindNotFound:           "not found",
	KindNoSuchBucket:       "no such bucket",
	KindNoSuchKey:          "no such key",
	KindAccessDenied:       "access denied",
	KindSSECBlocked:        "SSE-C blocked",
	KindSSECKeyRequired:    "SSE-C key required",
	KindSSECWrongKey:       "wrong SSE-C key",
	KindSSECBadKey:         "invalid SSE-C key",
	KindKeyDisabled:        "key disabled",
	KindKeyPendingDeletion: "key pending deletion",
	KindKeyInvalidState:    "key in invalid state",
	KindKMSKeyNotFound:     "KMS key not found",
	KindInvalidKeyUsage:    "invalid key usage",
	KindSSEOnRead:          "encryption headers on a read",
	KindTooLarge:           "too large for KMS",
	KindInvalidCiphertext:  "invalid ciphertext",
	KindIncorrectKey:       "incorrect KMS key",
	KindAlreadyExists:      "already exists",
	KindBucketNotEmpty:     "bucket not empty",
	KindInvalidRequest:     "invalid request",
	KindDiskFull:           "sandbox disk full",
	KindNoKMSAPI:           "no KMS API",
	KindTLS:                "TLS certificate not trusted",
	KindKMSRefused:         "endpoint's KMS refused",
}

func (k Kind) String() string {
	if k >= 0 && int(k) < len(kindNames) {
		return kindNames[k]
	}
	return fmt.Sprintf("Kind(%d)", int(k))
}

// KindOf is the Kind of err: its *Error's, or KindOther.
func KindOf(err error) Kind {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return KindOther
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.Op + ": " + e.What)
	if e.Why != "" {
		b.WriteString(" — " + e.Why)
	}
	if e.Fix != "" {
		b.WriteString(". " + e.Fix)
	}
	return b.String()
}

func (e *Error) Unwrap() error { return e.Err }

// Hint tells Diagnose what the failed request was about.
type Hint struct {
	Bucket, Key string
	KMSKey      string // the KMS key named in the request
	UsedSSEC    bool   // the request carried an SSE-C key
	Write       bool   // the request wrote data
	SSECBlocked bool   // the bucket blocks SSE-C (if known)
}

// apiError extracts the AWS error code, message and HTTP status of err.
func apiError(err error) (code, msg string, status int) {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		code, msg = ae.ErrorCode(), ae.ErrorMessage()
	}
	var re *awshttp.ResponseError
	if errors.As(err, &re) {
		status = re.HTTPStatusCode()
	}
	return code, msg, status
}

// apiErrorText is err as a server answered it: "403 AccessDenied the
// message", the parts it has.
func apiErrorText(err error) string {
	code, msg, status := apiError(err)
	return strings.TrimSpace(fmt.Sprintf("%d %s %s", status, code, msg))
}

// Diagnose explains err, the failure of op, in terms of its likely cause.
// A bare AccessDenied or 400 is turned into what it means where the
// request says enough to tell. An endpoint that is not AWS keeps its own
// words: the code and message of an XML, JSON or plain-text body the SDK
// could not read (awsclient.Answer).
func Diagnose(op string, err error, h Hint) error {
	if err == nil {
		return nil
	}
	var already *Error
	if errors.As(err, &already) {
		return err
	}
	if e := tlsError(op, err); e != nil {
		return e
	}
	code, msg, status := apiError(err)
	if code == "BadRequest" || code == "Forbidden" || code == "NotFound" {
		code = "" // a HEAD error, or a body the SDK could not read: status only
	}
	var ans *awsclient.Answer
	errors.As(err, &ans)
	w := answerWords(ans)
	if code == "" && msg == http.StatusText(status) && (w.code != "" || w.msg != "" || w.text != "") {
		msg = "" // the SDK's stand-in for a body it could not read: the body's own words instead
	}
	if ans != nil && ans.Service == "KMS" && !w.json && status != 0 {
		return noKMSAPI(op, err, ans, w, status)
	}
	if w.code != "" && (code == "" || strings.HasPrefix(w.code, code+":")) {
		code = w.code // the SDK keeps a JSON code only up to its colon ("kms" of "kms:KeyNotFound")
	}
	if msg == "" {
		msg = w.msg
	}
	e := &Error{Op: op, What: msg, Code: code, Status: status, Err: err}
	switch {
	case e.What == "" && status != 0 && w.text != "":
		e.What = fmt.Sprintf("the server answered %d: %s", status, w.text) // its own words, not AWS's
	case e.What == "" && status != 0:
		e.What = strings.TrimSpace(fmt.Sprintf("the server answered %d %s", status, code))
	case e.What == "":
		e.What = err.Error()
	}
	explain(e, msg, h)
	if e.Kind == KindOther {
		explainEndpoint(e, ans, h)
	}
	if e.Kind == KindOther {
		e.Kind = fallbackKind(e.Code, e.Status, h)
	}
	return e
}

// tlsError explains a TLS handshake that failed on the certificate.
func tlsError(op string, err error) *Error {
	var (
		verify   *tls.CertificateVerificationError
		unknown  x509.UnknownAuthorityError
		hostname x509.HostnameError
		invalid  x509.CertificateInvalidError
	)
	if !errors.As(err, &verify) && !errors.As(err, &unknown) && !errors.As(err, &hostname) && !errors.As(err, &invalid) {
		return nil
	}
	what := err.Error()
	if i := strings.Index(what, "x509: "); i >= 0 {
		what = what[i:]
	}
	return &Error{Op: op, Kind: KindTLS, Err: err, What: "the endpoint's TLS certificate is not trusted (" + what + ")",
		Why: "s3crypt trusts the system's CAs, or AWS_CA_BUNDLE's when it is set, and the endpoint's certificate is signed by neither (or names another host)",
		Fix: "Point AWS_CA_BUNDLE at the CA certificate that signed it (for an s3crypt serve, ca.pem in its data directory; the serve of --data is trusted by itself)"}
}

// noKMSAPI is a KMS call that got no JSON back: the endpoint does not
// speak AWS's KMS protocol (engines that serve S3 only answer with XML,
// plain text or an HTML page).
func noKMSAPI(op string, err error, ans *awsclient.Answer, w endpointWords, status int) *Error {
	where := "this endpoint"
	if ans.Endpoint != "" {
		where += " (" + ans.Endpoint + ")"
	}
	said := strings.TrimSpace(fmt.Sprintf("%d %s", status, w.code))
	if w.text != "" {
		said += ": " + w.text
	}
	return &Error{Op: op, Kind: KindNoKMSAPI, Code: w.code, Status: status, Err: err,
		What: where + " does not serve the AWS KMS API (it answered " + said + ")",
		Why:  "AWS KMS calls are JSON over POST, and the answer was not JSON: S3 engines such as SeaweedFS or MinIO serve S3 but not AWS's KMS API",
		Fix:  "Point KMS at an endpoint that serves it: --kms-endpoint-url URL or AWS_ENDPOINT_URL_KMS (an s3crypt serve is one; see the README's \"S3 and KMS at different endpoints\")"}
}

// explainEndpoint explains answers only endpoints other than AWS give:
// MinIO's kms:* codes, a 5xx on an SSE-KMS request.
func explainEndpoint(e *Error, ans *awsclient.Answer, h Hint) {
	key := "that key"
	if h.KMSKey != "" {
		key = "key " + h.KMSKey
	}
	switch {
	case e.Code == "kms:KeyNotFound":
		e.Kind = KindKMSKeyNotFound
		e.Why = "the endpoint's KMS has no " + strings.TrimPrefix(key, "that ") + " (" + e.Code + ")"
		e.Fix = "Name a key that endpoint's KMS has with --kms-key, or create " + key + " in it"
	case e.Code == "kms:KeyAlreadyExists":
		e.Kind = KindAlreadyExists
		e.Why = "the endpoint's KMS has a key by that name already (" + e.Code + ")"
	case e.Code == "kms:InvalidCiphertextException":
		e.Kind = KindInvalidCiphertext
		e.Why = "the endpoint's KMS could not decrypt the object's data key (" + e.Code + "): the key it was sealed with changed or is not this KMS's"
	case e.Code == "kms:NotAuthorized":
		e.Kind = KindAccessDenied
		e.Why = "the endpoint's KMS refused s3crypt's identity (" + e.Code + ")"
	case strings.HasPrefix(e.Code, "kms:"):
		e.Why = "the endpoint's KMS refused the request (" + e.Code + ")"
	case e.Status >= 500 && ans != nil && ans.Service == "S3" && (strings.HasPrefix(ans.SSE, "aws:kms") || h.KMSKey != ""):
		e.Kind = KindKMSRefused
		e.Why = "the endpoint failed an SSE-KMS request: its KMS may have refused (an engine with no default KMS key, such as SeaweedFS, or with no KMS configured fails SSE-KMS this way)"
		if h.KMSKey == "" {
			e.Fix = "Name a key its KMS has: --kms-key KEY (or use --sse AES256)"
		} else {
			e.Fix = "Check that its KMS has " + key + " and answers, or use --sse AES256"
		}
	}
}

// endpointWords is what an error answer's body says: its code and message
// when it is XML or JSON, else its text; json when it is a JSON object.
type endpointWords struct {
	code, msg, text string
	json            bool
}

// answerWords reads an error answer's body. It tries the shapes servers
// use: S3's XML <Error>, the query protocol's <ErrorResponse><Error>, a
// JSON object (AWS's __type/message, MinIO's Code/Message), then plain
// text or an HTML page's visible words.
func answerWords(ans *awsclient.Answer) endpointWords {
	if ans == nil {
		return endpointWords{}
	}
	body := strings.TrimSpace(ans.Body)
	var w endpointWords
	switch {
	case strings.HasPrefix(body, "{"):
		var m map[string]any
		if json.Unmarshal([]byte(body), &m) == nil {
			w.json = true
			w.code = firstString(m, "Code", "code", "__type", "Type")
			if i := strings.LastIndex(w.code, "#"); i >= 0 {
				w.code = w.code[i+1:]
			}
			w.msg = firstString(m, "Message", "message", "errorMessage")
		}
	case strings.HasPrefix(body, "<?xml") || strings.HasPrefix(body, "<Error"):
		var x struct {
			Code    string `xml:"Code"`
			Message string `xml:"Message"`
			Nested  struct {
				Code    string `xml:"Code"`
				Message string `xml:"Message"`
			} `xml:"Error"`
		}
		if xml.Unmarshal([]byte(body), &x) == nil {
			w.code, w.msg = firstNonEmpty(x.Code, x.Nested.Code), firstNonEmpty(x.Message, x.Nested.Message)
		}
	}
	if w.code == "" && w.msg == "" {
		w.text = bodyText(body)
	}
	return w
}

func firstString(m map[string]any, keys ...string) string {
	for _, k := range keys {
		if s, ok := m[k].(string); ok && s != "" {
			return s
		}
	}
	return ""
}

func firstNonEmpty(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}

// bodyText is a body's words for a one-line message: an HTML page's
// visible text (tags dropped; a page's title and heading are what it
// says), plain text as it is, whitespace collapsed, at most 200
// characters. Hand-written: these few lines show an error page's words,
// which does not need an HTML parser as a new dependency.
func bodyText(body string) string {
	if strings.HasPrefix(body, "<") {
		var b strings.Builder
		depth, skip := 0, false
		for i := range len(body) {
			switch c := body[i]; {
			case c == '<':
				depth++
				rest := strings.ToLower(body[i+1 : min(len(body), i+8)])
				switch {
				case strings.HasPrefix(rest, "script"), strings.HasPrefix(rest, "style"):
					skip = true
				case strings.HasPrefix(rest, "/script"), strings.HasPrefix(rest, "/style"):
					skip = false
				}
				b.WriteByte(' ')
			case c == '>' && depth > 0:
				depth--
			case depth == 0 && !skip:
				b.WriteByte(c)
			}
		}
		body = b.String()
	}
	text := strings.Join(strings.Fields(body), " ")
	if r := []rune(text); len(r) > 200 {
		text = string(r[:200]) + "…"
	}
	return text
}

// fallbackKind classifies a failure explain did not recognise by its
// AWS error code and HTTP status alone.
func fallbackKind(code string, status int, h Hint) Kind {
	switch code = strings.TrimPrefix(code, "KMS."); {
	case code == "NoSuchBucket":
		return KindNoSuchBucket
	case code == "NoSuchKey" || code == "NoSuchVersion":
		return KindNoSuchKey
	case code == "NotFoundException":
		return KindKMSKeyNotFound
	case code == "DisabledException":
		return KindKeyDisabled
	case code == "KMSInvalidStateException":
		return KindKeyInvalidState
	case status == 404:
		return KindNotFound
	case code == "AccessDenied" || code == "AccessDeniedException" || status == 403:
		return KindAccessDenied
	case code == "AlreadyExistsException" || code == "BucketAlreadyExists" || code == "BucketAlreadyOwnedByYou":
		return KindAlreadyExists
	case code == "BucketNotEmpty":
		return KindBucketNotEmpty
	case status == 400 || code == "ValidationException" || code == "InvalidArgument" || code == "InvalidRequest" ||
		code == "MalformedXML" || code == "InvalidBucketName":
		return KindInvalidRequest
	}
	return KindOther
}

// explain fills in Why and Fix from the error code and the hint.
func explain(e *Error, msg string, h Hint) {
	obj := "s3://" + h.Bucket + "/" + h.Key
	switch {
	case e.Code == "InvalidRequest" && strings.Contains(msg, "stored using a form of Server Side Encryption"),
		e.Status == 400 && e.Code == "" && !h.UsedSSEC && h.Key != "" && !h.Write:
		// A HEAD answers an SSE-C object without key with a bare 400.
		e.Kind = KindSSECKeyRequired
		e.What = obj + " is encrypted with SSE-C and the request carried no key"
		e.Why = "S3 keeps no SSE-C key (on AWS, only a salted HMAC of it); every read must send the key again"
		e.Fix = "Pass the object's key with --sse-c-key FILE"
	case strings.Contains(msg, "encryption parameters are not applicable to this object"),
		e.Status == 400 && e.Code == "" && h.UsedSSEC && h.Key != "" && !h.Write:
		// A read with SSE-C key headers of an object that is not SSE-C:
		// GET says so, HEAD answers a bare 400.
		e.Kind = KindInvalidRequest
		e.What = obj + " is not encrypted with SSE-C, but the request carried an SSE-C key"
		e.Why = "S3 refuses SSE-C key headers on a read of an object stored with SSE-S3, SSE-KMS or DSSE-KMS (a HEAD says only 400 Bad Request)"
		e.Fix = "Leave out the SSE-C key (--sse-c-key; for reencrypt --source-sse-c-key); s3crypt head " + obj + " shows how it is encrypted"
	case e.Code == "InvalidArgument" && strings.Contains(msg, "encryption method specified is not supported"):
		// AWS's words for an SSE value it does not know; an engine answers
		// so for a mode it lacks (SeaweedFS for DSSE-KMS).
		e.Kind = KindInvalidRequest
		e.What = "this endpoint does not support the server-side encryption the request asked for"
		e.Why = "it answered \"" + msg + "\": AWS S3 supports SSE-S3, SSE-KMS, DSSE-KMS and SSE-C, but an S3-compatible engine may support only some of them"
		e.Fix = "See which modes it supports with s3crypt endpoint check, and choose one of those"
	case e.Code == "AccessDenied" && strings.Contains(msg, "explicit deny in a resource-based policy"):
		e.Kind = KindAccessDenied
		e.Why = "a Deny statement of the bucket's policy matches this request (its condition keys test the request's headers: a policy that requires SSE-KMS refuses an upload without --sse aws:kms even when the bucket default would encrypt it)"
		e.Fix = "See what the policy enforces: s3crypt bucket-policy get s3://" + h.Bucket
	case (e.Code == "AccessDenied" || e.Status == 403 && e.Code == "") && h.UsedSSEC && !h.Write:
		e.Kind = KindSSECWrongKey
		e.What = "the SSE-C key does not match the key " + obj + " was written with"
		e.Why = "S3 refused the key: it is not the one the object was written with (on AWS, S3 compares its salted HMAC with the one it stored)"
		e.Fix = "Use the same 32-byte key file that was used to upload it (each version can have its own key)"
	case e.Code == "AccessDenied" && h.UsedSSEC && h.Write && (h.SSECBlocked || strings.Contains(msg, "blocked")):
		e.Kind = KindSSECBlocked
		e.What = "SSE-C writes are blocked on bucket " + h.Bucket
		e.Why = "the bucket's rule blocks SSE-C writes (BlockedEncryptionTypes = SSE-C; on AWS, new buckets do by default since April 2026)"
		e.Fix = "Allow it with: s3crypt bucket-encryption put s3://" + h.Bucket + " --allow-sse-c (or use SSE-KMS)"
	case e.Code == "InvalidArgument" && strings.Contains(msg, "secret key was invalid"):
		e.Kind = KindSSECBadKey
		e.What = "the SSE-C key is not 32 bytes"
		e.Why = "S3 needs exactly 32 raw key bytes; a file holding the key's base64 text (as the blog post's --query Plaintext --output text makes) sends 44+ characters instead"
		e.Fix = "Decode it first (base64 -d Key.txt > key.bin) or let s3crypt read it: --sse-c-key accepts raw, base64 or hex files"
	case e.Code == "KMS.DisabledException" || e.Code == "DisabledException":
		e.Kind = KindKeyDisabled
		e.Why = "the KMS key is disabled, so S3 cannot get or unwrap data keys with it"
		e.Fix = "Enable it: s3crypt kms enable-key --key-id " + keyOrDefault(h.KMSKey, "KEY")
	case (e.Code == "KMS.KMSInvalidStateException" || e.Code == "KMSInvalidStateException") && strings.Contains(msg, "is pending deletion"):
		e.Kind = KindKeyPendingDeletion
		e.Why = "the KMS key is scheduled for deletion; until then it cannot be used, and after it every object under it is lost"
		e.Fix = "Cancel the deletion and enable the key: s3crypt kms cancel-key-deletion --key-id K, then s3crypt kms enable-key --key-id K"
	case (e.Code == "KMS.NotFoundException" || e.Code == "NotFoundException") && strings.Contains(msg, "aws/s3") && !strings.Contains(msg, "alias/"):
		e.Kind = KindKMSKeyNotFound
		e.Why = "aws/s3 is not a key id; the AWS managed key's alias is alias/aws/s3"
		e.Fix = "Use --kms-key alias/aws/s3, or leave --kms-key out to use it"
	case e.Code == "KMS.NotFoundException" || e.Code == "NotFoundException":
		e.Kind = KindKMSKeyNotFound
		e.Why = "no KMS key matches that id, ARN or alias in this region"
		e.Fix = "List the keys with: s3crypt kms list-keys"
	case strings.Contains(e.Code, "InvalidKeyUsage") || (strings.HasPrefix(e.Code, "KMS.") && strings.Contains(msg, "RSA")):
		e.Kind = KindInvalidKeyUsage
		e.Why = invalidKeyUsageWhy(msg)
		e.Fix = "Create a symmetric key: s3crypt kms create-key (no --key-spec)"
	case e.Code == "InvalidArgument" && strings.Contains(msg, "not supported for this operation"):
		e.Kind = KindSSEOnRead
		e.Why = "server-side encryption headers are sent on writes only; S3 decrypts SSE-S3/SSE-KMS objects on GET by itself"
		e.Fix = "Drop --sse and --kms-key from the read"
	case e.Code == "NoSuchBucket":
		e.Kind = KindNoSuchBucket
		e.Why = "bucket " + h.Bucket + " does not exist in this region"
		e.Fix = "Create it: s3crypt mb s3://" + h.Bucket
	case e.Code == "NoSuchKey" || (e.Status == 404 && h.Key != "" && !h.Write && !strings.Contains(e.Code, ":")):
		// A 404 on a write is not about the object (MinIO answers an
		// unknown SSE-KMS key with 404 kms:KeyNotFound).
		e.Kind = KindNoSuchKey
		e.What = obj + " does not exist"
		e.Fix = "List the bucket: s3crypt ls s3://" + h.Bucket + "/"
	case e.Code == "AccessDenied" && strings.Contains(msg, "kms:"):
		e.Kind = KindAccessDenied
		e.Why = "your identity lacks a KMS permission S3 needs on your behalf (kms:GenerateDataKey to write, kms:Decrypt to read SSE-KMS objects)"
		e.Fix = "Grant it in the key policy or your IAM policy"
	case e.Code == "ValidationException" && strings.Contains(msg, "4096"):
		e.Kind = KindTooLarge
		e.Why = "KMS Encrypt takes at most 4096 bytes: KMS keys never encrypt data in bulk"
		e.Fix = "Use envelope encryption: s3crypt put FILE s3://B/K --sse aws:kms, or s3crypt kms generate-data-key and encrypt locally"
	case e.Code == "ValidationException" && strings.Contains(msg, "cannot encrypt data larger than"):
		e.Kind = KindTooLarge
		e.Why = "RSA-OAEP can encrypt only a little less than the key size (e.g. 190 bytes for RSA_2048 with SHA-256)"
		e.Fix = "Encrypt a data key with the RSA key instead, or use a symmetric key with envelope encryption"
	case e.Code == "InvalidCiphertextException":
		e.Kind = KindInvalidCiphertext
		e.Why = "the blob is not a KMS ciphertext for this key and encryption context (a file holding base64 text instead of raw bytes is the usual cause)"
		e.Fix = "Pass the raw ciphertext bytes and the same --context used to encrypt"
	case e.Code == "InternalError" && strings.Contains(msg, "sandbox's disk is full"):
		// The sandbox's 500 names its data directory in msg.
		e.Kind = KindDiskFull
		e.Why = "the disk holding the sandbox's data directory has no space left, so nothing could be stored"
		e.Fix = "Free space on that disk (s3crypt rm old objects, or delete other files), or start the sandbox with --data on another disk"
	case e.Code == "IncorrectKeyException":
		e.Kind = KindIncorrectKey
		e.Why = "the ciphertext was made under another KMS key than --key-id names"
		e.Fix = "Drop --key-id for symmetric ciphertexts, or name the key that encrypted it"
	}
}

func keyOrDefault(k, d string) string {
	if k != "" {
		return k
	}
	return d
}

// refineHeadError tells a missing bucket from a missing key after a HEAD
// answered a bare 404 (HEAD responses carry no error code).
func refineHeadError(ctx context.Context, env *Env, op, bucket string, err error) error {
	if _, _, status := apiError(err); status != 404 {
		return err
	}
	if _, berr := env.Backend.S3.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: &bucket}); berr != nil {
		if _, _, bs := apiError(berr); bs == 404 {
			return &Error{Op: op, What: "The specified bucket does not exist", Kind: KindNoSuchBucket, Code: "NoSuchBucket", Status: 404, Err: err,
				Why: "bucket " + bucket + " does not exist in this region", Fix: "Create it: s3crypt mb s3://" + bucket}
		}
	}
	return err
}

// RefusedByS3 reports whether err is S3 answering a 4xx: the request was
// refused and nothing was stored (so, for instance, an SSE-C key made for
// it protects nothing).
func RefusedByS3(err error) bool {
	var ae *Error
	return errors.As(err, &ae) && ae.Status >= 400 && ae.Status < 500
}

// invalidKeyUsageWhy explains, from KMS's "key usage is X which is not valid
// for Op." text, why the key cannot back SSE-KMS or client-side encryption:
// both need KMS to generate and decrypt a data key, which only a symmetric
// ENCRYPT_DECRYPT key does.
func invalidKeyUsageWhy(msg string) string {
	const need = "; SSE-KMS, DSSE-KMS, bucket keys and client-side encryption need KMS to encrypt a data key, " +
		"which only a symmetric ENCRYPT_DECRYPT key does"
	switch {
	case strings.Contains(msg, "key usage is SIGN_VERIFY"):
		return "this is a signing key (KeyUsage SIGN_VERIFY): it signs and verifies messages and cannot encrypt anything" + need
	case strings.Contains(msg, "key usage is GENERATE_VERIFY_MAC"):
		return "this is an HMAC key (KeyUsage GENERATE_VERIFY_MAC): it computes and verifies MACs and cannot encrypt anything" + need
	case strings.Contains(msg, "key usage is KEY_AGREEMENT"):
		return "this is an ECC key-agreement key (KeyUsage KEY_AGREEMENT): it derives ECDH shared secrets and cannot encrypt anything" + need
	case strings.Contains(msg, "key usage is ENCAPSULATE_DECAPSULATE"):
		return "this is an ML-KEM key (KeyUsage ENCAPSULATE_DECAPSULATE): it establishes shared secrets and cannot encrypt anything" + need
	}
	return "SSE-KMS, DSSE-KMS, bucket keys and data keys need a symmetric KMS key; RSA keys only encrypt small messages directly"
}
