package crypto

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"strconv"
)

// S3EC format versions (the object format, not the client version).
const (
	FormatV2 = 2 // AES/GCM/NoPadding, random 12-byte IV; written by S3EC Go v3
	FormatV3 = 3 // suite 115 with key commitment; written by S3EC Go v4
)

// Algorithm names as stored in S3EC metadata.
const (
	CEKAlgAESGCM      = "AES/GCM/NoPadding"    // V2 content algorithm (suite 0x0072)
	CEKAlgCommitKey   = "115"                  // V3 content algorithm (suite 0x0073)
	CEKAlgAESCBC      = "AES/CBC/PKCS5Padding" // legacy content algorithm, not supported
	WrapAlgKMSContext = "kms+context"          // KMS keyring
	WrapAlgAESGCM     = "AES/GCM"              // raw AES keyring
	WrapAlgRSAOAEP    = "RSA-OAEP-SHA1"        // raw RSA keyring
	WrapAlgKMSLegacy  = "kms"                  // legacy V1 KMS wrapping, not supported
)

const (
	tagLenBits     = "128"         // x-amz-tag-len
	suiteCommitKey = 0x0073        // suite ID of CEKAlgCommitKey
	messageIDSize  = 28            // V3 Message ID (HKDF salt)
	commitmentSize = 28            // V3 key commitment
	dataKeySize    = 32            // AES-256 data key
	emptyMatDesc   = "{}"          // default material description
	metaPrefix     = "x-amz-meta-" // added by S3 on the wire
)

// S3 user-metadata keys of the S3EC formats (SSE-SPEC §6.3), without the
// x-amz-meta- prefix S3 adds on the wire.
const (
	MetaKeyV1          = "x-amz-key"
	MetaKeyV2          = "x-amz-key-v2"
	MetaIV             = "x-amz-iv"
	MetaMatDesc        = "x-amz-matdesc"
	MetaWrapAlg        = "x-amz-wrap-alg"
	MetaCEKAlg         = "x-amz-cek-alg"
	MetaTagLen         = "x-amz-tag-len"
	MetaUnencryptedLen = "x-amz-unencrypted-content-length"
	MetaV3CEKAlg       = "x-amz-c"
	MetaV3Key          = "x-amz-3"
	MetaV3WrapAlg      = "x-amz-w"
	MetaV3MatDesc      = "x-amz-m"
	MetaV3Context      = "x-amz-t"
	MetaV3Commitment   = "x-amz-d"
	MetaV3MessageID    = "x-amz-i"
)

// v3WrapAlgs maps full wrapping algorithm names to their V3 codes.
var v3WrapAlgs = map[string]string{WrapAlgAESGCM: "02", WrapAlgKMSContext: "12", WrapAlgRSAOAEP: "22"}

// Envelope is the S3EC metadata of one client-side-encrypted object.
type Envelope struct {
	Format     int    // FormatV2 or FormatV3
	WrappedKey []byte // the encrypted data key (KMS CiphertextBlob)
	WrapAlg    string // full name, e.g. kms+context (V3 stores a code)
	CEKAlg     string // CEKAlgAESGCM (V2) or CEKAlgCommitKey (V3)
	IV         []byte // V2: the 12-byte GCM IV
	MessageID  []byte // V3: the 28-byte Message ID (HKDF salt)
	Commitment []byte // V3: the 28-byte key commitment
	// MatDesc is the material description; for kms+context it is the full
	// KMS encryption context, including aws:x-amz-cek-alg.
	MatDesc map[string]string
	// UnencryptedLength is the plaintext length, or -1 if unknown.
	UnencryptedLength int64
}

// NewEnvelope prepares the envelope for encrypting one object with a fresh
// random IV (V2) or Message ID and key commitment (V3). dataKey is the
// plaintext data key from KMS GenerateDataKey (32 bytes), wrappedKey its
// CiphertextBlob, and kmsContext the context GenerateDataKey was called
// with (see KMSContext). plaintextLen is the object's length, or -1 if
// unknown. The wrapping algorithm is kms+context.
func NewEnvelope(format int, dataKey *Key, wrappedKey []byte, kmsContext map[string]string, plaintextLen int64) (Envelope, error) {
	return newEnvelope(rand.Reader, format, dataKey, wrappedKey, kmsContext, plaintextLen)
}

// newEnvelope is NewEnvelope with the randomness supplied.
func newEnvelope(rnd io.Reader, format int, dataKey *Key, wrappedKey []byte, kmsContext map[string]string, plaintextLen int64) (Envelope, error) {
	if dataKey.Len() != dataKeySize {
		return Envelope{}, fmt.Errorf("new envelope: %w", errKeyLen("data key", dataKey.Len(), dataKeySize))
	}
	if len(wrappedKey) == 0 {
		return Envelope{}, errors.New("new envelope: wrapped data key is empty")
	}
	if err := CheckContext(kmsContext, nil, format); err != nil {
		return Envelope{}, fmt.Errorf("new envelope: %w", err)
	}
	if plaintextLen < -1 || plaintextLen > gcmMaxPlaintext {
		return Envelope{}, fmt.Errorf("new envelope: plaintext length %d out of range", plaintextLen)
	}
	e := Envelope{
		Format: format, WrappedKey: append([]byte(nil), wrappedKey...), WrapAlg: WrapAlgKMSContext,
		MatDesc: maps.Clone(kmsContext), UnencryptedLength: plaintextLen,
	}
	e.CEKAlg, _ = cekAlgFor(format)
	if format == FormatV2 {
		e.IV = make([]byte, gcmNonceSize)
		if _, err := io.ReadFull(rnd, e.IV); err != nil {
			return Envelope{}, fmt.Errorf("new envelope: iv: %w", err)
		}
		return e, nil
	}
	e.MessageID = make([]byte, messageIDSize)
	if _, err := io.ReadFull(rnd, e.MessageID); err != nil {
		return Envelope{}, fmt.Errorf("new envelope: message id: %w", err)
	}
	commit, derived, err := deriveV3(dataKey.Bytes(), e.MessageID)
	if err != nil {
		return Envelope{}, fmt.Errorf("new envelope: %w", err)
	}
	clear(derived)
	e.Commitment = commit
	return e, nil
}

// EncryptedLength is the body length of an S3EC object whose plaintext is
// n bytes (V2 and V3 both append a 16-byte GCM tag).
func EncryptedLength(n int64) int64 { return n + gcmTagSize }

// Metadata returns the S3 user metadata of the envelope, keyed exactly as
// S3EC writes it (SSE-SPEC §6.3), without the x-amz-meta- prefix. A V3
// envelope stores its context as x-amz-t for kms+context and as x-amz-m
// for the raw keyrings; its wrapping algorithm is written as its code.
func (e Envelope) Metadata() map[string]string {
	b64 := base64.StdEncoding.EncodeToString
	matDesc := encodeMatDesc(e.MatDesc)
	m := map[string]string{}
	if e.Format == FormatV3 {
		m[MetaV3CEKAlg] = e.CEKAlg
		m[MetaV3Key] = b64(e.WrappedKey)
		m[MetaV3WrapAlg] = e.WrapAlg
		if code, ok := v3WrapAlgs[e.WrapAlg]; ok {
			m[MetaV3WrapAlg] = code
		}
		if e.WrapAlg == WrapAlgKMSContext {
			m[MetaV3Context] = matDesc
		} else {
			m[MetaV3MatDesc] = matDesc
		}
		m[MetaV3Commitment] = b64(e.Commitment)
		m[MetaV3MessageID] = b64(e.MessageID)
	} else {
		m[MetaKeyV2] = b64(e.WrappedKey)
		m[MetaIV] = b64(e.IV)
		m[MetaMatDesc] = matDesc
		m[MetaWrapAlg] = e.WrapAlg
		m[MetaCEKAlg] = e.CEKAlg
		m[MetaTagLen] = tagLenBits
	}
	if e.UnencryptedLength >= 0 {
		m[MetaUnencryptedLen] = strconv.FormatInt(e.UnencryptedLength, 10)
	}
	return m
}

// encodeMatDesc is the JSON of a material description, as S3EC Go writes
// it (encoding/json: sorted keys); nil encodes as {}.
func encodeMatDesc(md map[string]string) string {
	if md == nil {
		return emptyMatDesc
	}
	b, err := json.Marshal(md)
	if err != nil {
		return emptyMatDesc
	}
	return string(b)
}
