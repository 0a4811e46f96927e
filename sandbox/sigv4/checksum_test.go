package sigv4

import (
	"encoding/binary"
	"testing"
)

// Appendix A.3 values, recorded against real AWS.
func TestChecksumVectors(t *testing.T) {
	cases := []struct{ alg, in, want string }{
		{"CRC32", "hello world", "DUoRhQ=="},
		{"CRC32", "test-sse", "KHcEKQ=="},
		{"CRC32", "", "AAAAAA=="},
		{"CRC64NVME", "test-sse", "Kr7StX/uFlQ="},
		{"CRC64NVME", "test data..", "qUVrWYOrIAM="},
		{"sha256", "", "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="},
		{"SHA1", "", "2jmj7l5rSw0yVb/vlWAYkK/YBwk="},
	}
	for _, c := range cases {
		h, err := NewChecksum(c.alg)
		if err != nil {
			t.Fatalf("%s: %v", c.alg, err)
		}
		h.Write([]byte(c.in))
		if got := ChecksumValue(h); got != c.want {
			t.Errorf("%s(%q) = %s, want %s", c.alg, c.in, got, c.want)
		}
	}
}

func TestChecksumCheckValues(t *testing.T) {
	for alg, want := range map[string]uint64{"CRC64NVME": 0xae8b14860a799888, "CRC32C": 0xe3069283} {
		h, _ := NewChecksum(alg)
		h.Write([]byte("123456789"))
		sum := h.Sum(nil)
		var got uint64
		if len(sum) == 8 {
			got = binary.BigEndian.Uint64(sum)
		} else {
			got = uint64(binary.BigEndian.Uint32(sum))
		}
		if got != want {
			t.Errorf("%s check = %#x, want %#x", alg, got, want)
		}
	}
	if _, err := NewChecksum("XXHASH64"); err == nil {
		t.Error("XXHASH64 accepted")
	}
}
