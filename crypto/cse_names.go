package crypto

import (
	"fmt"
	"strings"
)

// envelopeNames says what each metadata key of the S3 Encryption Client's
// envelope holds (V2 names, then V3's compressed ones), for people reading
// an object's metadata.
var envelopeNames = map[string]string{
	"x-amz-key":                        "V1: the wrapped data key (legacy format)",
	"x-amz-key-v2":                     "V2: the data key, encrypted under the KMS key (base64)",
	"x-amz-iv":                         "V2: the 12-byte AES-GCM IV of the content (base64)",
	"x-amz-cek-alg":                    "V2: the content cipher (AES/GCM/NoPadding; AES/CBC/PKCS5Padding is legacy)",
	"x-amz-wrap-alg":                   "V2: how the data key is wrapped (kms+context: KMS with an encryption context)",
	"x-amz-matdesc":                    "V2: the material description: the encryption context sent to KMS (JSON)",
	"x-amz-tag-len":                    "V2: the GCM tag length in bits (128)",
	"x-amz-unencrypted-content-length": "the plaintext's length in bytes",
	"x-amz-c":                          "V3: the content cipher suite (115 = AES-256-GCM with HKDF-SHA512 and key commitment)",
	"x-amz-3":                          "V3: the data key, encrypted under the KMS key (base64)",
	"x-amz-w":                          "V3: how the data key is wrapped (12 = KMS with context, 02 = AES-GCM, 22 = RSA-OAEP)",
	"x-amz-t":                          "V3: the encryption context sent to KMS (JSON)",
	"x-amz-m":                          "V3: the material description of a raw keyring (JSON)",
	"x-amz-d":                          "V3: the key commitment: proves which data key the object was written with (base64)",
	"x-amz-i":                          "V3: the 28-byte message id, the salt of the key derivation (base64)",
}

// EnvelopeFieldMeaning says what a metadata key of the client-side
// envelope holds ("" for keys that are not part of it). The key may carry
// S3's x-amz-meta- prefix.
func EnvelopeFieldMeaning(name string) string {
	return envelopeNames[strings.TrimPrefix(strings.ToLower(name), "x-amz-meta-")]
}

// FormatKind is what an object's metadata says about its S3EC format,
// before (and whether or not) the envelope parses.
type FormatKind struct {
	Format int // 1, 2 or 3; 0 when the object carries no S3EC metadata
	// Legacy names a legacy part that S3 Encryption Clients read only when
	// told to (V1 key, CBC content, kms wrapping), or is "".
	Legacy string
}

// DetectFormat reads which S3EC format an object's user metadata holds
// (keys with or without x-amz-meta-, any letter case), as listings do:
// it only looks at which keys are there and the algorithm names.
func DetectFormat(meta map[string]string) FormatKind {
	m := normaliseMeta(meta)
	has := func(k string) bool { _, ok := m[k]; return ok }
	switch {
	case has(MetaV3Key) || has(MetaV3CEKAlg) && has(MetaV3MessageID):
		return FormatKind{Format: FormatV3}
	case has(MetaKeyV2):
		k := FormatKind{Format: FormatV2}
		switch {
		case m[MetaCEKAlg] == CEKAlgAESCBC:
			k.Legacy = "AES-CBC content"
		case m[MetaWrapAlg] == WrapAlgKMSLegacy:
			k.Legacy = "kms wrapping"
		case IsLegacyRawWrap(m[MetaWrapAlg]):
			k.Legacy = m[MetaWrapAlg] + " wrapping"
		}
		return k
	case has(MetaKeyV1):
		return FormatKind{Format: 1, Legacy: "format V1"}
	}
	return FormatKind{}
}

// Label is the short name of the format for a listing column:
// "S3EC V3", "S3EC V2", "S3EC V2 legacy CBC".
func (k FormatKind) Label() string {
	s := fmt.Sprintf("S3EC V%d", k.Format)
	switch k.Legacy {
	case "":
	case "AES-CBC content":
		s += " legacy CBC"
	default:
		s += " legacy"
	}
	return s
}

// Description says what the format is and which S3 Encryption Clients
// read it. Only what the interop tests (crypto/interop) verified is
// claimed: S3EC Go v3.2.0 and v4.0.0, writing and reading.
func (k FormatKind) Description() string {
	switch {
	case k.Legacy != "":
		return fmt.Sprintf("client-side, S3EC format V%d with %s (legacy, unauthenticated or unbound): "+
			"S3 Encryption Clients read it only when legacy modes are enabled; s3crypt get reads it with --legacy", k.Format, k.Legacy)
	case k.Format == FormatV3:
		return "client-side, S3EC format V3 (key-committing, AES-256-GCM with HKDF-SHA512), " +
			"readable by S3 Encryption Client Go v3.2+ and v4 (what v4 writes)"
	case k.Format == FormatV2:
		return "client-side, S3EC format V2 (AES-256-GCM, no key commitment), readable by S3 Encryption Client Go v3.2+ (what v3 writes) " +
			"and v4 with a commitment policy that allows decrypting it (not v4's default REQUIRE_ENCRYPT_REQUIRE_DECRYPT)"
	}
	return fmt.Sprintf("client-side, S3EC format V%d", k.Format)
}
