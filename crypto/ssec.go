package crypto

import (
	"bytes"
	"crypto/md5"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
)

// SSECKeySize is the only key size SSE-C accepts (AES-256).
const SSECKeySize = 32

// SSECAlgorithm is the only value of x-amz-server-side-encryption-customer-algorithm.
const SSECAlgorithm = "AES256"

// ErrInvalidSSECKey is matched (errors.Is) by every error from
// ParseSSECKeyFile and CheckCLIKeyFile.
var ErrInvalidSSECKey = errors.New("invalid SSE-C key")

// KeyEncoding says how a key file spells its key.
type KeyEncoding int

// Key file encodings recognised by ParseSSECKeyFile.
const (
	EncodingUnknown KeyEncoding = iota // not a recognisable key
	EncodingRaw                        // the raw key bytes
	EncodingBase64                     // base64 text (std or URL alphabet, padded or not)
	EncodingHex                        // hexadecimal text
)

// String names the encoding.
func (e KeyEncoding) String() string {
	switch e {
	case EncodingRaw:
		return "raw"
	case EncodingBase64:
		return "base64"
	case EncodingHex:
		return "hex"
	default:
		return "unknown"
	}
}

// SSECKeyError explains why some bytes are not a usable SSE-C key. It holds
// sizes and encodings only, never key bytes.
type SSECKeyError struct {
	// Detail is the human explanation.
	Detail string
	// Encoding is how the input was read (EncodingUnknown if not at all).
	Encoding KeyEncoding
	// Trap is true when the input is the text encoding of a valid 32-byte key
	// given where raw bytes are expected (the seed blog's fileb://Key.txt).
	Trap bool
}

// Error returns the explanation.
func (e *SSECKeyError) Error() string { return ErrInvalidSSECKey.Error() + ": " + e.Detail }

// Is makes errors.Is(err, ErrInvalidSSECKey) true.
func (e *SSECKeyError) Is(target error) bool { return target == ErrInvalidSSECKey }

// ParseSSECKeyFile reads an SSE-C key from the contents of a key file, which
// may hold exactly 32 raw bytes, base64 text of 32 bytes (std or URL
// alphabet, padding optional, surrounding whitespace allowed), or 64 hex
// digits. Anything else yields an *SSECKeyError saying what was found.
func ParseSSECKeyFile(data []byte) (*Key, error) {
	k, _, err := parseSSECKey(data)
	return k, err
}

// DetectSSECKeyEncoding reports how ParseSSECKeyFile would read data, or
// EncodingUnknown if it would fail.
func DetectSSECKeyEncoding(data []byte) KeyEncoding {
	k, enc, err := parseSSECKey(data)
	if err != nil {
		return EncodingUnknown
	}
	k.Wipe()
	return enc
}

// parseSSECKey does the work of ParseSSECKeyFile and also returns the encoding.
func parseSSECKey(data []byte) (*Key, KeyEncoding, error) {
	if len(data) == SSECKeySize {
		return NewKey(data), EncodingRaw, nil
	}
	t := bytes.TrimSpace(data)
	if len(t) == 0 {
		return nil, EncodingUnknown, &SSECKeyError{Detail: describeEmpty(len(data))}
	}
	if len(t) == SSECKeySize {
		return nil, EncodingUnknown, &SSECKeyError{Detail: fmt.Sprintf(
			"the file holds %d bytes: 32 characters plus surrounding whitespace (a newline?); "+
				"a raw SSE-C key file must hold exactly 32 bytes (write it without the newline, e.g. with printf)",
			len(data))}
	}
	if isHex(t) && len(t)%2 == 0 {
		if len(t) != 2*SSECKeySize {
			return nil, EncodingHex, &SSECKeyError{Encoding: EncodingHex, Detail: fmt.Sprintf(
				"the file holds %d hex digits (%d bytes); an SSE-C key must be 32 bytes (AES-256), i.e. 64 hex digits",
				len(t), len(t)/2)}
		}
		raw := make([]byte, SSECKeySize)
		if _, err := hex.Decode(raw, t); err != nil {
			return nil, EncodingHex, &SSECKeyError{Encoding: EncodingHex, Detail: "the file's hex text does not decode"}
		}
		defer clear(raw)
		return NewKey(raw), EncodingHex, nil
	}
	if raw, ok := decodeBase64(t); ok {
		defer clear(raw)
		if len(raw) != SSECKeySize {
			return nil, EncodingBase64, &SSECKeyError{Encoding: EncodingBase64, Detail: fmt.Sprintf(
				"the file holds %d bytes of base64 text that decodes to %d bytes; an SSE-C key must be 32 bytes (AES-256)",
				len(t), len(raw))}
		}
		return NewKey(raw), EncodingBase64, nil
	}
	return nil, EncodingUnknown, &SSECKeyError{Detail: fmt.Sprintf(
		"the file holds %d bytes, which is neither 32 raw bytes, nor base64 text of 32 bytes (44 characters), "+
			"nor 64 hex digits; an SSE-C key must be 32 bytes (AES-256)", len(data))}
}

// describeEmpty explains an empty or whitespace-only file.
func describeEmpty(n int) string {
	if n == 0 {
		return "the file is empty; an SSE-C key must be 32 bytes (AES-256)"
	}
	return fmt.Sprintf("the file holds only %d bytes of whitespace; an SSE-C key must be 32 bytes (AES-256)", n)
}

// isHex reports whether t is non-empty and all hexadecimal digits.
func isHex(t []byte) bool {
	for _, c := range t {
		switch {
		case c >= '0' && c <= '9', c >= 'a' && c <= 'f', c >= 'A' && c <= 'F':
		default:
			return false
		}
	}
	return len(t) > 0
}

// decodeBase64 decodes t in any of the four standard base64 variants.
func decodeBase64(t []byte) ([]byte, bool) {
	for _, enc := range []*base64.Encoding{
		base64.StdEncoding, base64.URLEncoding, base64.RawStdEncoding, base64.RawURLEncoding,
	} {
		out := make([]byte, enc.DecodedLen(len(t)))
		n, err := enc.Strict().Decode(out, t)
		if err == nil {
			return out[:n], true
		}
		clear(out)
	}
	return nil, false
}

// CheckCLIKeyFile checks a file meant for the AWS CLI's
// `--sse-customer-key fileb://FILE`. fileb:// sends the file's bytes as they
// are; the CLI then base64-encodes them and computes their MD5 itself, so
// the file must hold exactly the 32 raw key bytes. CheckCLIKeyFile returns
// nil for a 32-byte file and otherwise an *SSECKeyError saying what S3 will
// do. When the file is the base64 (or hex) text of a 32-byte key — the seed
// blog's `generate-data-key --query Plaintext --output text > Key.txt` —
// the error has Trap set and says how to fix it.
func CheckCLIKeyFile(data []byte) error {
	if len(data) == SSECKeySize {
		return nil
	}
	k, enc, err := parseSSECKey(data)
	if err != nil {
		detail := err.Error()
		var kerr *SSECKeyError
		if errors.As(err, &kerr) {
			detail = kerr.Detail
		}
		return &SSECKeyError{Encoding: enc, Detail: fmt.Sprintf(
			"fileb:// would send the file's %d bytes as the key and S3 would reject a PUT with it "+
				"(400 InvalidArgument: The secret key was invalid for the specified algorithm.); %s",
			len(data), detail)}
	}
	k.Wipe()
	return &SSECKeyError{Encoding: enc, Trap: true, Detail: fmt.Sprintf(
		"the file holds the %s text of a 32-byte key (%d bytes), not the key itself. "+
			"`--sse-customer-key fileb://FILE` sends all %d bytes as the key, so S3 rejects the PUT "+
			"(400 InvalidArgument: The secret key was invalid for the specified algorithm.). "+
			"Decode it first (e.g. `%s < FILE > key.bin`, then fileb://key.bin), "+
			"or pass the base64 text with --sse-customer-key together with --sse-customer-key-md5",
		enc, len(data), len(data), decodeCommand(enc))}
}

// decodeCommand is the shell command that turns an encoded key file into raw bytes.
func decodeCommand(enc KeyEncoding) string {
	if enc == EncodingHex {
		return "xxd -r -p"
	}
	return "base64 --decode"
}

// SSECHeaders returns the three SSE-C request header values for k: the
// algorithm (AES256), the base64 of the raw key bytes, and the base64 of
// the MD5 of the raw key bytes. The key string is key material: send it,
// never log or display it. SSECHeaders does not check the key length (S3
// does), so it can also show what a wrong-size key would send.
func SSECHeaders(k *Key) (algorithm, keyB64, keyMD5B64 string) {
	return SSECAlgorithm, base64.StdEncoding.EncodeToString(k.Bytes()), KeyMD5(k)
}

// KeyMD5 returns base64(MD5(raw key bytes)), the value of
// x-amz-server-side-encryption-customer-key-MD5. It identifies the key to
// S3 and is safe to display.
func KeyMD5(k *Key) string {
	sum := md5.Sum(k.Bytes())
	return base64.StdEncoding.EncodeToString(sum[:])
}
