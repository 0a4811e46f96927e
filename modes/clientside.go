package modes

import "slices"

// Client-side encryption has more choices than a server-side mode: how
// the data key is wrapped (the keyring), which S3 Encryption Client
// format is written, where the envelope goes, and the opt-ins a download
// may need. They are described here once, for the CLI's help, the upload
// and download forms and their hints.

// KeyringID names a client-side keyring.
type KeyringID string

// The keyrings.
const (
	KeyringKMS KeyringID = "kms" // a KMS key wraps the data key (kms+context)
	KeyringAES KeyringID = "aes" // your own AES-256 key, from a file (AES/GCM)
	KeyringRSA KeyringID = "rsa" // your own RSA key pair, in PEM (RSA-OAEP-SHA1)
)

// Keyring is one way a client-side data key is wrapped.
type Keyring struct {
	ID   KeyringID
	Name string
	// File: the key is a local file (raw keyrings), not a KMS key.
	File bool
	// PutFlag and GetFlag are s3crypt put's and get's flags for it (FILE
	// and KEY stand for your values); Placeholder is a file name to show.
	PutFlag, GetFlag, Placeholder string
	// PutHint and GetHint are what the forms say when it is chosen.
	PutHint, GetHint string
	// WrapAlgs are the envelope's wrapping algorithm names (x-amz-wrap-alg,
	// or x-amz-w decoded) whose data keys it unwraps, legacy ones last.
	WrapAlgs []string
}

// Keyrings returns the keyrings, KMS first.
func Keyrings() []Keyring {
	return []Keyring{
		{ID: KeyringKMS, Name: "KMS key", PutFlag: "--kms-key KEY", GetFlag: "--kms-key KEY",
			PutHint:  "KMS makes the data key and wraps it under your symmetric customer managed key (kms+context)",
			GetHint:  "KMS unwraps the data key: the envelope names the key, you need kms:Decrypt on it",
			WrapAlgs: []string{"kms+context", "kms"}},
		{ID: KeyringAES, Name: "AES key file", File: true, PutFlag: "--wrapping-key FILE", GetFlag: "--wrapping-key FILE", Placeholder: "wrap.key",
			PutHint:  "a raw AES keyring: your own 32-byte key (raw, base64 or hex) wraps the data key locally (AES/GCM); no KMS, works offline",
			GetHint:  "the 32-byte AES key that wrapped the data key (raw, base64 or hex); it never leaves this machine",
			WrapAlgs: []string{"AES/GCM", "AES", "AESWrap"}},
		{ID: KeyringRSA, Name: "RSA key (PEM)", File: true, PutFlag: "--rsa-key FILE.pem", GetFlag: "--rsa-key FILE.pem", Placeholder: "key.pem",
			PutHint:  "a raw RSA keyring: your RSA public (or private) key in PEM wraps the data key locally (RSA-OAEP-SHA1); no KMS",
			GetHint:  "the RSA private key in PEM whose public key wrapped the data key; it never leaves this machine",
			WrapAlgs: []string{"RSA-OAEP-SHA1", "RSA", "RSA/ECB/OAEPWithSHA-256AndMGF1Padding"}},
	}
}

// KeyringFor is the keyring that unwraps data keys wrapped with wrapAlg,
// or nil when the algorithm is unknown (or not yet read).
func KeyringFor(wrapAlg string) *Keyring {
	for _, k := range Keyrings() {
		if slices.Contains(k.WrapAlgs, wrapAlg) {
			return &k
		}
	}
	return nil
}

// ClientFormat is an S3 Encryption Client format s3crypt writes.
type ClientFormat struct {
	Version int    // 3 or 2
	Name    string // "V3 (key-committing)"
	Flag    string // put's flag for it ("" for the default)
	Hint    string
}

// ClientFormats returns the formats s3crypt writes, the default first.
func ClientFormats() []ClientFormat {
	return []ClientFormat{
		{Version: 3, Name: "V3 (key-committing)", Hint: "S3EC format V3, what S3 Encryption Client Go v4 writes: the data key is committed to the content; Go v3.2+ reads it"},
		{Version: 2, Name: "V2", Flag: "--cse-format v2", Hint: "S3EC format V2, what S3 Encryption Client Go v3 writes: AES-256-GCM without key commitment; v4 reads it only if its commitment policy allows"},
	}
}

// The client-side opt-ins, each with its flag and what the forms say.
const (
	InstructionFlag = "--instruction-file"
	InstructionHint = "the envelope goes in a separate object KEY.instruction instead of the object's metadata, as S3 Encryption Clients can"
	// The download's instruction file is read without being asked (for
	// a V3 object) or because the listing showed one beside the object.
	LegacyFlag = "--legacy"
	LegacyHint = "a legacy format (V1, AES-CBC content, or a wrapping that does not bind the data key): " +
		"S3 Encryption Clients read it only when told to, and nothing authenticates CBC content"
	UnauthenticatedRangeFlag = "--allow-unauthenticated-range"
)
