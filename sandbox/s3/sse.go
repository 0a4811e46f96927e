package s3

import (
	"crypto/md5"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"slices"
	"strings"

	"github.com/s3crypt/s3crypt/sandbox/store"
)

// Server-side encryption modes as S3 names them.
const (
	ModeSSES3   = "AES256"
	ModeSSEKMS  = "aws:kms"
	ModeDSSEKMS = "aws:kms:dsse"
	ModeSSEC    = "SSE-C" // not a header value: SSE-C has its own headers
)

const (
	hSSE          = "x-amz-server-side-encryption"
	hSSEKMSKeyID  = "x-amz-server-side-encryption-aws-kms-key-id"
	hSSEContext   = "x-amz-server-side-encryption-context"
	hSSEBucketKey = "x-amz-server-side-encryption-bucket-key-enabled"
	hSSECAlg      = "x-amz-server-side-encryption-customer-algorithm"
	hSSECKey      = "x-amz-server-side-encryption-customer-key"
	hSSECKeyMD5   = "x-amz-server-side-encryption-customer-key-MD5"
	copySrcPrefix = "x-amz-copy-source-"
	plainPrefix   = "x-amz-"
)

// customerKey is an SSE-C key from a request. It lives only for the
// request and is wiped when the request ends.
type customerKey struct {
	key []byte
	md5 string // base64, as echoed
}

func (c *customerKey) wipe() {
	if c != nil {
		clear(c.key)
	}
}

// parseCustomerKey reads the SSE-C trio (prefix "x-amz-", or
// "x-amz-copy-source-" for a copy's source)
// in AWS's validation order. It returns nil when none of the three is sent.
// strictLength reports a wrong key length as AWS does on writes; reads
// (strictLength false) fall through to the object-level key check.
func parseCustomerKey(h http.Header, prefix string, strictLength bool) (*customerKey, error) {
	name := func(base string) string { return strings.Replace(base, "x-amz-", prefix, 1) }
	alg := h.Get(name(hSSECAlg))
	keyB64 := h.Get(name(hSSECKey))
	md5B64 := h.Get(name(hSSECKeyMD5))
	if alg == "" && keyB64 == "" && md5B64 == "" {
		return nil, nil
	}
	const arg = hSSE
	if alg == "" {
		return nil, argErr("InvalidArgument", "Requests specifying Server Side Encryption with Customer provided keys must provide a valid encryption algorithm.", arg, "null")
	}
	if keyB64 == "" {
		return nil, argErr("InvalidArgument", "Requests specifying Server Side Encryption with Customer provided keys must provide an appropriate secret key.", arg, "null")
	}
	if alg != "AES256" {
		return nil, argErr("InvalidEncryptionAlgorithmError", "The Encryption request you specified is not valid. Supported value: AES256.", arg, alg)
	}
	if md5B64 == "" {
		// UNVERIFIED on AWS: the text is MinIO's AWS-compatible one.
		return nil, argErr("InvalidArgument", "Requests specifying Server Side Encryption with Customer provided keys must provide the client calculated MD5 of the secret key.", arg, "null")
	}
	key, err := base64.StdEncoding.DecodeString(keyB64)
	if err != nil || (strictLength && len(key) != 32) {
		clear(key)
		return nil, argErr("InvalidArgument", "The secret key was invalid for the specified algorithm.", arg, "null")
	}
	sum := md5.Sum(key)
	if base64.StdEncoding.EncodeToString(sum[:]) != md5B64 {
		clear(key)
		return nil, argErr("InvalidArgument", "The calculated MD5 hash of the key did not match the hash that was provided.", arg, "null")
	}
	return &customerKey{key: key, md5: md5B64}, nil
}

var (
	errSSECIncompatible = func(v string) error {
		return argErr("InvalidArgument", "Server Side Encryption with Customer provided key is incompatible with the encryption method specified", hSSE, v)
	}
	errSSECNeedsTLS      = newErr(400, "InvalidRequest", "Requests specifying Server Side Encryption with Customer provided keys must be made over a secure connection.")
	errSSECMissing       = newErr(400, "InvalidRequest", "The object was stored using a form of Server Side Encryption. The correct parameters must be provided to retrieve the object.")
	errSSECWrongKey      = newErr(403, "AccessDenied", "Requests specifying Server Side Encryption with Customer provided keys must provide the correct secret key.")
	errSSECNotApplicable = newErr(400, "InvalidRequest", "The encryption parameters are not applicable to this object.")
	// errSSECBlocked: status and code per AWS's docs; the message is UNVERIFIED.
	errSSECBlocked = newErr(403, "AccessDenied", "Server side encryption with customer provided keys (SSE-C) is blocked for this bucket. Allow it with PutBucketEncryption (BlockedEncryptionTypes NONE).")
	errSSEOnRead   = argErr("InvalidArgument", "x-amz-server-side-encryption header is not supported for this operation.", hSSE, "")
)

// writeChoice is the encryption a write will get, after request headers and
// the bucket default are combined (SSE-SPEC 3.4).
type writeChoice struct {
	mode      string
	kmsKey    string // as the request or bucket rule gave it; "" = aws/s3
	bucketKey bool
	userCtx   map[string]string
	ssec      *customerKey
}

// resolveWrite validates a write's encryption headers and combines them
// with bucket b's default rule.
func resolveWrite(q *request, b store.Bucket, h http.Header) (writeChoice, error) {
	sse := h.Get(hSSE)
	ssec, err := parseCustomerKey(h, plainPrefix, true)
	if ssec != nil && sse != "" {
		ssec.wipe()
		return writeChoice{}, errSSECIncompatible(sse)
	}
	if err != nil {
		if sse != "" && (h.Get(hSSECAlg) != "" || h.Get(hSSECKey) != "") {
			return writeChoice{}, errSSECIncompatible(sse)
		}
		return writeChoice{}, err
	}
	if ssec != nil {
		if !q.secure() {
			ssec.wipe()
			return writeChoice{}, errSSECNeedsTLS
		}
		if slices.Contains(b.Encryption.BlockedEncryptionTypes, "SSE-C") {
			ssec.wipe()
			return writeChoice{}, errSSECBlocked
		}
		return writeChoice{mode: ModeSSEC, ssec: ssec}, nil
	}
	keyID := h.Get(hSSEKMSKeyID)
	switch sse {
	case "":
		if keyID != "" {
			return writeChoice{}, argErr("InvalidArgument", "Server Side Encryption with AWS KMS managed key requires HTTP header x-amz-server-side-encryption : aws:kms", hSSE, "null")
		}
		c := writeChoice{mode: b.Encryption.SSEAlgorithm, kmsKey: b.Encryption.KMSMasterKeyID, bucketKey: b.Encryption.BucketKeyEnabled}
		if c.mode == "" {
			c.mode = ModeSSES3
		}
		return finishChoice(c, h)
	case ModeSSES3:
		if keyID != "" {
			return writeChoice{}, argErr("InvalidArgument", "Server Side Encryption with AWS KMS managed key requires HTTP header x-amz-server-side-encryption : aws:kms", hSSE, sse)
		}
		return finishChoice(writeChoice{mode: ModeSSES3}, h)
	case ModeSSEKMS, ModeDSSEKMS:
		// aws:kms without a key id means the aws/s3 key (SSE-SPEC 3.4.3);
		// the bucket's bucket-key setting applies unless the header says.
		c := writeChoice{mode: sse, kmsKey: keyID}
		c.bucketKey = b.Encryption.BucketKeyEnabled && isKMSMode(b.Encryption.SSEAlgorithm)
		return finishChoice(c, h)
	}
	return writeChoice{}, argErr("InvalidArgument", "The encryption method specified is not supported", hSSE, sse)
}

func isKMSMode(m string) bool { return m == ModeSSEKMS || m == ModeDSSEKMS }

// finishChoice applies the bucket-key and context headers.
func finishChoice(c writeChoice, h http.Header) (writeChoice, error) {
	if v := h.Get(hSSEBucketKey); v != "" {
		c.bucketKey = strings.EqualFold(v, "true")
	}
	if c.mode != ModeSSEKMS {
		// Bucket keys apply to SSE-KMS only; S3 accepts and ignores the
		// header for SSE-S3 and DSSE-KMS.
		c.bucketKey = false
	}
	if raw := h.Get(hSSEContext); raw != "" {
		if !isKMSMode(c.mode) {
			// UNVERIFIED on AWS: what it does with a context on SSE-S3.
			return c, argErr("InvalidArgument", "An encryption context applies only to aws:kms and aws:kms:dsse encryption.", hSSEContext, "")
		}
		ctx, err := decodeContext(raw)
		if err != nil {
			return c, err
		}
		c.userCtx = ctx
	}
	return c, nil
}

// decodeContext parses the base64 JSON string map of the context header.
func decodeContext(raw string) (map[string]string, error) {
	bad := argErr("InvalidArgument", "The header 'x-amz-server-side-encryption-context' shall be Base64-encoded UTF-8 string holding JSON which represents a string-string map", hSSEContext, raw)
	data, err := base64.StdEncoding.DecodeString(raw)
	if err != nil {
		return nil, bad
	}
	var m map[string]string
	if err := json.Unmarshal(data, &m); err != nil {
		return nil, bad
	}
	if _, ok := m["aws:s3:arn"]; ok {
		// UNVERIFIED: S3 sets aws:s3:arn itself; refusing a caller's value
		// keeps the context honest.
		return nil, argErr("InvalidArgument", "The encryption context may not set aws:s3:arn; S3 adds it.", hSSEContext, raw)
	}
	return m, nil
}

// encodeContext is the inverse of decodeContext, for response headers.
func encodeContext(m map[string]string) string {
	data, _ := json.Marshal(m)
	return base64.StdEncoding.EncodeToString(data)
}

// checkReadKey checks a read's SSE-C headers against the object's
// encryption. It returns the customer key for SSE-C objects.
func checkReadKey(q *request, enc store.Encryption, prefix string) (*customerKey, error) {
	h := q.r.Header
	if prefix == plainPrefix && h.Get(hSSE) != "" {
		return nil, errSSEOnRead
	}
	ck, err := parseCustomerKey(h, prefix, false)
	if err != nil {
		return nil, err
	}
	if ck != nil && !q.secure() {
		ck.wipe()
		return nil, errSSECNeedsTLS
	}
	if enc.Mode != ModeSSEC {
		if ck != nil {
			ck.wipe()
			return nil, errSSECNotApplicable
		}
		return nil, nil
	}
	if ck == nil {
		return nil, errSSECMissing
	}
	if !ssecMatches(enc, ck.key) {
		ck.wipe()
		return nil, errSSECWrongKey
	}
	return ck, nil
}

// ssecMatches compares key with the salted HMAC stored for the object.
func ssecMatches(enc store.Encryption, key []byte) bool {
	return subtle.ConstantTimeCompare(ssecHMAC(key, enc.SSECSalt), enc.SSECHMAC) == 1
}

// setEncryptionHeaders writes the response headers of enc as AWS does:
// SSE-C echoes algorithm and key MD5 only; KMS modes add the key ARN; the
// bucket-key header appears only when a bucket key is in use.
func setEncryptionHeaders(h http.Header, enc store.Encryption, withContext bool) {
	switch enc.Mode {
	case ModeSSEC:
		h.Set(hSSECAlg, "AES256")
		h.Set(hSSECKeyMD5, enc.SSECKeyMD5)
	case ModeSSES3:
		h.Set(hSSE, ModeSSES3)
	case ModeSSEKMS, ModeDSSEKMS:
		h.Set(hSSE, enc.Mode)
		h.Set(hSSEKMSKeyID, enc.KMSKeyARN)
		if enc.BucketKey {
			h.Set(hSSEBucketKey, "true")
		}
		if withContext && len(enc.UserContext) > 0 {
			h.Set(hSSEContext, encodeContext(enc.UserContext))
		}
	}
}
