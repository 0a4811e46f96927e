package crypto

import "strings"

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
