package crypto

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// Errors of ParseEnvelope, matched with errors.Is.
var (
	// ErrNoEnvelope: the metadata holds no S3EC format. The object is not
	// client-side encrypted, or its envelope is in an instruction file
	// (<key>.instruction), which this package does not read.
	ErrNoEnvelope = errors.New("no S3 Encryption Client metadata on this object")
	// ErrV1NotSupported: a format V1 object (x-amz-key), as in S3EC Go.
	ErrV1NotSupported = errors.New("S3 Encryption Client format V1 (x-amz-key) is legacy: unauthenticated AES-CBC, " +
		"read only with --legacy; re-encrypt the object with a current S3 Encryption Client")
	// ErrAmbiguousEnvelope: more than one format's keys are present.
	ErrAmbiguousEnvelope = errors.New("metadata holds more than one S3 Encryption Client format " +
		"(x-amz-key, x-amz-key-v2, x-amz-3)")
	// ErrBadEnvelope: the metadata has a format's keys but a value is wrong.
	ErrBadEnvelope = errors.New("malformed S3 Encryption Client metadata")
)

// ParseEnvelope reads S3EC metadata from an object's user metadata. Keys
// may carry the x-amz-meta- prefix and any letter case (SDKs differ). The
// format is detected as S3EC does: V1 = x-amz-key + x-amz-iv (rejected),
// V2 = x-amz-key-v2 + x-amz-iv, V3 = x-amz-3 + x-amz-d + x-amz-i; more than
// one of x-amz-key, x-amz-key-v2 and x-amz-3 is an error.
func ParseEnvelope(meta map[string]string) (Envelope, error) {
	return parseEnvelope(meta, false)
}

// ParseEnvelopeLegacy is ParseEnvelope that also reads the legacy formats
// S3 Encryption Clients read only when told to (EnableLegacy… options):
// format V1 (x-amz-key), AES/CBC/PKCS5Padding content and the V1 "kms"
// wrapping (its material description {"kms_cmk_id": …} is the KMS
// encryption context). Nothing authenticates CBC content, and "kms" does
// not bind the data key to the content algorithm.
func ParseEnvelopeLegacy(meta map[string]string) (Envelope, error) {
	return parseEnvelope(meta, true)
}

func parseEnvelope(meta map[string]string, legacy bool) (Envelope, error) {
	m := normaliseMeta(meta)
	has := func(k string) bool { _, ok := m[k]; return ok }
	exclusive := 0
	for _, k := range []string{MetaKeyV1, MetaKeyV2, MetaV3Key} {
		if has(k) {
			exclusive++
		}
	}
	switch {
	case exclusive > 1:
		return Envelope{}, ErrAmbiguousEnvelope
	case has(MetaKeyV1) && has(MetaIV) && !legacy:
		return Envelope{}, ErrV1NotSupported
	case has(MetaKeyV1) && has(MetaIV):
		return parseV2(m, 1, MetaKeyV1, true)
	case has(MetaKeyV2) && has(MetaIV):
		return parseV2(m, FormatV2, MetaKeyV2, legacy)
	case has(MetaV3Key) && has(MetaV3Commitment) && has(MetaV3MessageID):
		return parseV3(m)
	default:
		return Envelope{}, ErrNoEnvelope
	}
}

// normaliseMeta lower-cases keys and strips the x-amz-meta- prefix.
func normaliseMeta(meta map[string]string) map[string]string {
	m := make(map[string]string, len(meta))
	for k, v := range meta {
		k = strings.ToLower(k)
		m[strings.TrimPrefix(k, metaPrefix)] = v
	}
	return m
}

// parseV2 reads a format V2 envelope (or, legacy, a V1 one: the same
// keys with x-amz-key, CBC content when x-amz-cek-alg is absent).
func parseV2(m map[string]string, format int, keyName string, legacy bool) (Envelope, error) {
	e := Envelope{Format: format, WrapAlg: m[MetaWrapAlg], CEKAlg: m[MetaCEKAlg]}
	if format == 1 && e.CEKAlg == "" {
		e.CEKAlg = CEKAlgAESCBC
	}
	ivSize := gcmNonceSize
	switch e.CEKAlg {
	case CEKAlgAESGCM:
	case CEKAlgAESCBC:
		if !legacy {
			return Envelope{}, fmt.Errorf("%w: legacy unauthenticated content algorithm %s is read only with --legacy", ErrBadEnvelope, CEKAlgAESCBC)
		}
		ivSize = cbcBlock
	default:
		return Envelope{}, fmt.Errorf("%w: %s is %q, want %s", ErrBadEnvelope, MetaCEKAlg, e.CEKAlg, CEKAlgAESGCM)
	}
	var err error
	if e.WrappedKey, err = decodeMetaB64(m, keyName, -1); err != nil {
		return Envelope{}, err
	}
	switch {
	case format == 1 && e.WrapAlg == "":
		// A V1 object of a raw keyring does not say which: as S3EC Java,
		// infer AES or RSA from the wrapped key's length.
		e.WrapAlg = v1WrapAlg(e.WrappedKey)
	case legacy && (e.WrapAlg == WrapAlgKMSLegacy || IsLegacyRawWrap(e.WrapAlg)):
		// V1 KMS wrapping (the material description is the KMS context),
		// or a legacy raw keyring: nothing binds the content algorithm.
	default:
		if err := checkWrapAlg(e.WrapAlg); err != nil {
			return Envelope{}, err
		}
	}
	if tl, ok := m[MetaTagLen]; ok && tl != tagLenBits {
		return Envelope{}, fmt.Errorf("%w: %s is %q, want %s", ErrBadEnvelope, MetaTagLen, tl, tagLenBits)
	}
	if e.IV, err = decodeMetaB64(m, MetaIV, ivSize); err != nil {
		return Envelope{}, err
	}
	if e.MatDesc, err = decodeMatDesc(m, MetaMatDesc); err != nil {
		return Envelope{}, err
	}
	if e.UnencryptedLength, err = decodeLength(m); err != nil {
		return Envelope{}, err
	}
	return e, nil
}

// parseV3 reads a format V3 envelope.
func parseV3(m map[string]string) (Envelope, error) {
	e := Envelope{Format: FormatV3, CEKAlg: m[MetaV3CEKAlg]}
	if e.CEKAlg != CEKAlgCommitKey {
		return Envelope{}, fmt.Errorf("%w: %s is %q, want %s", ErrBadEnvelope, MetaV3CEKAlg, e.CEKAlg, CEKAlgCommitKey)
	}
	code := m[MetaV3WrapAlg]
	for name, c := range v3WrapAlgs {
		if c == code {
			e.WrapAlg = name
		}
	}
	if e.WrapAlg == "" {
		return Envelope{}, fmt.Errorf("%w: unknown %s wrapping algorithm code %q", ErrBadEnvelope, MetaV3WrapAlg, code)
	}
	var err error
	if e.WrappedKey, err = decodeMetaB64(m, MetaV3Key, -1); err != nil {
		return Envelope{}, err
	}
	if e.MessageID, err = decodeMetaB64(m, MetaV3MessageID, messageIDSize); err != nil {
		return Envelope{}, err
	}
	if e.Commitment, err = decodeMetaB64(m, MetaV3Commitment, commitmentSize); err != nil {
		return Envelope{}, err
	}
	descKey := MetaV3MatDesc
	if e.WrapAlg == WrapAlgKMSContext {
		descKey = MetaV3Context
	}
	if e.MatDesc, err = decodeMatDesc(m, descKey); err != nil {
		return Envelope{}, err
	}
	if e.UnencryptedLength, err = decodeLength(m); err != nil {
		return Envelope{}, err
	}
	return e, nil
}

// checkWrapAlg accepts the V2 wrapping algorithms this package can describe.
func checkWrapAlg(alg string) error {
	switch alg {
	case WrapAlgKMSContext, WrapAlgAESGCM, WrapAlgRSAOAEP:
		return nil
	case WrapAlgKMSLegacy:
		return fmt.Errorf("%w: legacy wrapping algorithm %q (V1 KMS) is read only with --legacy", ErrBadEnvelope, alg)
	case WrapAlgAESWrap, WrapAlgRSAOAEPSHA256V1:
		return fmt.Errorf("%w: legacy wrapping algorithm %q (a v1 S3 Encryption Client's own-key wrapping, not bound to the content algorithm) "+
			"is read only with --legacy", ErrBadEnvelope, alg)
	default:
		return fmt.Errorf("%w: unsupported %s %q", ErrBadEnvelope, MetaWrapAlg, alg)
	}
}

// decodeMetaB64 decodes the base64 value of key, which must decode to size
// bytes (any non-zero size if size < 0).
func decodeMetaB64(m map[string]string, key string, size int) ([]byte, error) {
	b, err := base64.StdEncoding.DecodeString(m[key])
	if err != nil {
		return nil, fmt.Errorf("%w: %s is not base64", ErrBadEnvelope, key)
	}
	if len(b) == 0 {
		return nil, fmt.Errorf("%w: %s is empty", ErrBadEnvelope, key)
	}
	if size >= 0 && len(b) != size {
		return nil, fmt.Errorf("%w: %s decodes to %d bytes, want %d", ErrBadEnvelope, key, len(b), size)
	}
	return b, nil
}

// decodeMatDesc parses a JSON string map; an absent or empty value means
// {} (S3EC Go v4 writes x-amz-m "" beside x-amz-t for kms+context).
func decodeMatDesc(m map[string]string, key string) (map[string]string, error) {
	v := strings.TrimSpace(m[key])
	if v == "" {
		return map[string]string{}, nil
	}
	var md map[string]string
	if err := json.Unmarshal([]byte(v), &md); err != nil {
		if strings.Contains(v, "=?") {
			return nil, fmt.Errorf("%w: %s is RFC 2047 encoded by S3 (a non-ASCII context), which is not supported",
				ErrBadEnvelope, key)
		}
		return nil, fmt.Errorf("%w: %s is not a JSON object of strings", ErrBadEnvelope, key)
	}
	if md == nil {
		md = map[string]string{}
	}
	return md, nil
}

// decodeLength reads x-amz-unencrypted-content-length; absent or empty
// means -1, unknown (S3EC Go v4 writes it empty for every V3 object: the
// length is optional and the body's own length, less the tag, is the
// truth).
func decodeLength(m map[string]string) (int64, error) {
	v := strings.TrimSpace(m[MetaUnencryptedLen])
	if v == "" {
		return -1, nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < 0 {
		return 0, fmt.Errorf("%w: %s is %q, which is not a byte count", ErrBadEnvelope, MetaUnencryptedLen, v)
	}
	return n, nil
}
