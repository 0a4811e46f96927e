package crypto

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

// FuzzSSECKeyFile reads SSE-C key files. A file that parses re-encodes in
// every format WriteKeyFile writes to a file that parses to the same key;
// one that does not gets an *SSECKeyError (ErrInvalidSSECKey) that does
// not repeat the file's contents.
func FuzzSSECKeyFile(f *testing.F) {
	key := bytes.Repeat([]byte{0x3c}, 32)
	for _, format := range []KeyFileFormat{KeyFileRaw, KeyFileBase64} {
		b, err := encodeKeyFile(NewKey(key), format)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte("pO3upElrwuEXSoFwCfnZPdSsmt/xWeFa0N9KgDijwVs=\n"))
	f.Add([]byte("pO3upElrwuEXSoFwCfnZPdSsmt_xWeFa0N9KgDijwVs"))
	f.Add([]byte("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"))
	f.Add([]byte("0123456789abcdef0123456789abcdef")) // the blog post's 32-character text key
	f.Fuzz(func(t *testing.T, data []byte) {
		k, err := ParseSSECKeyFile(data)
		if err != nil {
			var ke *SSECKeyError
			if !errors.As(err, &ke) || !errors.Is(err, ErrInvalidSSECKey) {
				t.Fatalf("untyped error %T: %v", err, err)
			}
			if s := strings.TrimSpace(string(data)); len(s) >= 12 && strings.Contains(err.Error(), s) {
				t.Fatalf("error repeats the key file: %v", err)
			}
			return
		}
		if k.Len() != 32 {
			t.Fatalf("%d-byte key", k.Len())
		}
		for _, format := range []KeyFileFormat{KeyFileRaw, KeyFileBase64} {
			b, err := encodeKeyFile(k, format)
			if err != nil {
				t.Fatal(err)
			}
			k2, err := ParseSSECKeyFile(b)
			if err != nil || !bytes.Equal(k2.Bytes(), k.Bytes()) {
				t.Fatalf("format %v: %x does not read back: %v", format, b, err)
			}
		}
	})
}
