package crypto

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"strings"
	"testing"
)

func TestSSECHeadersVectors(t *testing.T) {
	// SSE-SPEC §1.2 (ceph/s3-tests pair) and Appendix A.3 (AWS-recorded echo).
	ceph, err := base64.StdEncoding.DecodeString("pO3upElrwuEXSoFwCfnZPdSsmt/xWeFa0N9KgDijwVs=")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		raw     []byte
		wantKey string
		wantMD5 string
	}{
		{ceph, "pO3upElrwuEXSoFwCfnZPdSsmt/xWeFa0N9KgDijwVs=", "DWygnHRtgiJ77HCm+1rvHw=="},
		{[]byte("1234567890abcdef1234567890abcdef"), "MTIzNDU2Nzg5MGFiY2RlZjEyMzQ1Njc4OTBhYmNkZWY=", "JMwgiexXqwuPqIPjYFmIZQ=="},
	}
	for _, tt := range tests {
		k := NewKey(tt.raw)
		alg, key, md5 := SSECHeaders(k)
		if alg != "AES256" || key != tt.wantKey || md5 != tt.wantMD5 {
			t.Errorf("SSECHeaders = %s %s %s, want AES256 %s %s", alg, key, md5, tt.wantKey, tt.wantMD5)
		}
		if got := KeyMD5(k); got != tt.wantMD5 {
			t.Errorf("KeyMD5 = %s, want %s", got, tt.wantMD5)
		}
	}
}

func TestParseSSECKeyFileAccepts(t *testing.T) {
	raw := secretBytes()
	b64 := base64.StdEncoding.EncodeToString(raw)
	tests := []struct {
		name string
		data string
		enc  KeyEncoding
	}{
		{"raw", string(raw), EncodingRaw},
		{"raw ascii 32 chars", "1234567890abcdef1234567890abcdef", EncodingRaw},
		{"base64", b64, EncodingBase64},
		{"base64 newline", b64 + "\n", EncodingBase64},
		{"base64 crlf and spaces", "  " + b64 + "\r\n", EncodingBase64},
		{"base64 url", base64.URLEncoding.EncodeToString(raw) + "\n", EncodingBase64},
		{"base64 unpadded", base64.RawStdEncoding.EncodeToString(raw), EncodingBase64},
		{"base64 url unpadded", base64.RawURLEncoding.EncodeToString(raw) + "\n", EncodingBase64},
		{"hex", hex.EncodeToString(raw), EncodingHex},
		{"HEX newline", strings.ToUpper(hex.EncodeToString(raw)) + "\n", EncodingHex},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			k, err := ParseSSECKeyFile([]byte(tt.data))
			if err != nil {
				t.Fatalf("ParseSSECKeyFile: %v", err)
			}
			want := raw
			if tt.name == "raw ascii 32 chars" {
				want = []byte(tt.data)
			}
			if !bytes.Equal(k.Bytes(), want) {
				t.Fatal("wrong key bytes")
			}
			if got := DetectSSECKeyEncoding([]byte(tt.data)); got != tt.enc {
				t.Fatalf("encoding = %v, want %v", got, tt.enc)
			}
		})
	}
}

func TestParseSSECKeyFileRejects(t *testing.T) {
	raw := secretBytes()
	tests := []struct {
		name string
		data []byte
		want string
		enc  KeyEncoding
	}{
		{"empty", nil, "invalid SSE-C key: the file is empty; an SSE-C key must be 32 bytes (AES-256)", EncodingUnknown},
		{"whitespace", []byte(" \n"), "invalid SSE-C key: the file holds only 2 bytes of whitespace; an SSE-C key must be 32 bytes (AES-256)", EncodingUnknown},
		{"base64 of 33 bytes", []byte(base64.StdEncoding.EncodeToString(append(raw, 1))),
			"invalid SSE-C key: the file holds 44 bytes of base64 text that decodes to 33 bytes; an SSE-C key must be 32 bytes (AES-256)", EncodingBase64},
		{"base64 of 16 bytes", []byte(base64.StdEncoding.EncodeToString(raw[:16]) + "\n"),
			"invalid SSE-C key: the file holds 24 bytes of base64 text that decodes to 16 bytes; an SSE-C key must be 32 bytes (AES-256)", EncodingBase64},
		{"hex of 16 bytes", []byte(hex.EncodeToString(raw[:16]) + "x"),
			"invalid SSE-C key: the file holds 33 bytes, which is neither 32 raw bytes, nor base64 text of 32 bytes (44 characters), nor 64 hex digits; an SSE-C key must be 32 bytes (AES-256)", EncodingUnknown},
		{"hex of 24 bytes", []byte(hex.EncodeToString(raw[:24]) + "\n"),
			"invalid SSE-C key: the file holds 48 hex digits (24 bytes); an SSE-C key must be 32 bytes (AES-256), i.e. 64 hex digits", EncodingHex},
		{"raw 32 chars plus newline", []byte("1234567890abcdef1234567890abcdef\n"),
			"invalid SSE-C key: the file holds 33 bytes: 32 characters plus surrounding whitespace (a newline?); a raw SSE-C key file must hold exactly 32 bytes (write it without the newline, e.g. with printf)", EncodingUnknown},
		{"raw 31 bytes", raw[:31],
			"invalid SSE-C key: the file holds 31 bytes, which is neither 32 raw bytes, nor base64 text of 32 bytes (44 characters), nor 64 hex digits; an SSE-C key must be 32 bytes (AES-256)", EncodingUnknown},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			k, err := ParseSSECKeyFile(tt.data)
			if err == nil || k != nil {
				t.Fatal("accepted")
			}
			if err.Error() != tt.want {
				t.Fatalf("error\n got %q\nwant %q", err, tt.want)
			}
			var kerr *SSECKeyError
			if !errors.Is(err, ErrInvalidSSECKey) || !errors.As(err, &kerr) || kerr.Encoding != tt.enc || kerr.Trap {
				t.Fatalf("error type/fields wrong: %#v", err)
			}
			if name := leaks(err.Error(), raw); name != "" {
				t.Fatalf("error leaks key (%s)", name)
			}
		})
	}
}

// TestCheckCLIKeyFileBlogTrap is the seed blog's `generate-data-key --query
// Plaintext --output text > Key.txt` then `--sse-customer-key fileb://Key.txt`.
func TestCheckCLIKeyFileBlogTrap(t *testing.T) {
	raw := secretBytes()
	keyTxt := []byte(base64.StdEncoding.EncodeToString(raw) + "\n") // 45 bytes, as --output text writes
	err := CheckCLIKeyFile(keyTxt)
	var kerr *SSECKeyError
	if !errors.As(err, &kerr) || !kerr.Trap || kerr.Encoding != EncodingBase64 || !errors.Is(err, ErrInvalidSSECKey) {
		t.Fatalf("trap not detected: %v", err)
	}
	want := "invalid SSE-C key: the file holds the base64 text of a 32-byte key (45 bytes), not the key itself. " +
		"`--sse-customer-key fileb://FILE` sends all 45 bytes as the key, so S3 rejects the PUT " +
		"(400 InvalidArgument: The secret key was invalid for the specified algorithm.). " +
		"Decode it first (e.g. `base64 --decode < FILE > key.bin`, then fileb://key.bin), " +
		"or pass the base64 text with --sse-customer-key together with --sse-customer-key-md5"
	if err.Error() != want {
		t.Fatalf("error\n got %q\nwant %q", err, want)
	}
	// Hex text is the same trap, with a different decoder.
	err = CheckCLIKeyFile([]byte(hex.EncodeToString(raw)))
	if !errors.As(err, &kerr) || !kerr.Trap || kerr.Encoding != EncodingHex || !strings.Contains(err.Error(), "xxd -r -p") {
		t.Fatalf("hex trap: %v", err)
	}
	// The decoded 32 raw bytes are what fileb:// needs.
	if err := CheckCLIKeyFile(raw); err != nil {
		t.Fatalf("raw key rejected: %v", err)
	}
	// Not a key at all: not the trap, but still explained.
	err = CheckCLIKeyFile(raw[:20])
	if !errors.As(err, &kerr) || kerr.Trap || !strings.Contains(err.Error(), "fileb:// would send the file's 20 bytes") {
		t.Fatalf("short file: %v", err)
	}
}

func TestKeyEncodingString(t *testing.T) {
	for enc, want := range map[KeyEncoding]string{
		EncodingUnknown: "unknown", EncodingRaw: "raw", EncodingBase64: "base64", EncodingHex: "hex",
	} {
		if enc.String() != want {
			t.Errorf("%d.String() = %q, want %q", int(enc), enc.String(), want)
		}
	}
}
