package sigv4

import (
	"encoding/binary"
	"hash/crc64"
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
		{"MD5", "", "1B2M2Y8AsgTpgAmY7PhCfg=="},
		{"SHA512", "", "z4PhNX7vuL3xVChQ1m2AB9Yg5AULVxXcg/SpIdNs6c5H0NE8XYXysP+DGNKHfuwvY7kxvUdBeoGlODJ6+SfaPg=="},
		// xxHash's reference digests of "" (XXH64 ef46db3751d8e999, XXH3-64
		// 2d06800538d394c2, XXH3-128 99aa06d3014798d86001c324468d497f), big-endian.
		{"XXHASH64", "", "70bbN1HY6Zk="},
		{"XXHASH3", "", "LQaABTjTlMI="},
		{"XXHASH128", "", "maoG0wFHmNhgAcMkRo1Jfw=="},
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
	for alg, want := range map[string]uint64{"CRC64NVME": 0xae8b14860a799888, "CRC32C": 0xe3069283,
		// xxHash's reference XXH64 of "123456789".
		"XXHASH64": 0x8cb841db40e6ae83} {
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
	if _, err := NewChecksum("XXHASH32"); err == nil {
		t.Error("XXHASH32 accepted")
	}
}

// TestCRC64NVMEMatchesTable checks the accelerated CRC-64/NVME against
// hash/crc64 with the NVME polynomial over lengths around the assembly's
// block sizes and writes split at odd points, as bodies arrive.
func TestCRC64NVMEMatchesTable(t *testing.T) {
	table := crc64.MakeTable(0x9a6c9329ac4bc9b5)
	data := make([]byte, 300<<10)
	for i := range data {
		data[i] = byte(i*7 + i>>9)
	}
	for _, n := range []int{0, 1, 15, 16, 17, 63, 64, 65, 127, 128, 129, 255, 256, 1000, 4095, 4096, 65537, len(data)} {
		for _, split := range []int{0, 1, 13, n / 2} {
			if split > n {
				continue
			}
			h, _ := NewChecksum(CRC64NVME)
			h.Write(data[:split])
			h.Write(data[split:n])
			want := crc64.Update(0, table, data[:n])
			if got := binary.BigEndian.Uint64(h.Sum(nil)); got != want {
				t.Fatalf("CRC64NVME of %d bytes split at %d = %#x, want %#x", n, split, got, want)
			}
		}
	}
}
