package crypto

import (
	"crypto/aes"
	"crypto/cipher"
	"testing"
)

// The streaming GCM against the standard library's one-shot GCM on the
// same 1 MiB message (AES-256, 12-byte nonce, the V3 AAD), one core:
//
//	go test -run ^$ -bench GCM -cpu 1 ./crypto/
//
// bench/cse.sh runs these beside openssl speed and reports the ratio.

const benchMsg = 1 << 20

func benchKey() ([]byte, []byte) { return make([]byte, 32), make([]byte, gcmNonceSize) }

// cpuMetric reports MB per CPU second since start (see cpuSeconds), beside
// the wall-clock MB/s go test prints.
func cpuMetric(b *testing.B, start float64) {
	if used := cpuSeconds() - start; start > 0 && used > 0 {
		b.ReportMetric(float64(b.N)*benchMsg/used/1e6, "MB/cpu-s")
	}
}

func BenchmarkGCMStdlibSeal(b *testing.B) {
	key, nonce := benchKey()
	block, _ := aes.NewCipher(key)
	g, _ := cipher.NewGCM(block)
	buf := make([]byte, benchMsg, benchMsg+gcmTagSize)
	b.SetBytes(benchMsg)
	start := cpuSeconds()
	for b.Loop() {
		g.Seal(buf[:0], nonce, buf, v3AAD)
	}
	cpuMetric(b, start)
}

func BenchmarkGCMStdlibOpen(b *testing.B) {
	key, nonce := benchKey()
	block, _ := aes.NewCipher(key)
	g, _ := cipher.NewGCM(block)
	sealed := g.Seal(nil, nonce, make([]byte, benchMsg), v3AAD)
	out := make([]byte, benchMsg)
	b.SetBytes(benchMsg)
	start := cpuSeconds()
	for b.Loop() {
		if _, err := g.Open(out[:0], nonce, sealed, v3AAD); err != nil {
			b.Fatal(err)
		}
	}
	cpuMetric(b, start)
}

// benchStream runs the stream over the message in 64 KiB pieces, as
// Encrypt and DecryptTo feed it.
func benchStream(b *testing.B, open bool) {
	key, nonce := benchKey()
	buf := make([]byte, benchMsg)
	b.SetBytes(benchMsg)
	start := cpuSeconds()
	defer cpuMetric(b, start)
	for b.Loop() {
		s, err := newGCMStream(key, nonce, v3AAD)
		if err != nil {
			b.Fatal(err)
		}
		for off := 0; off < benchMsg; off += decryptChunk {
			p := buf[off : off+decryptChunk]
			if open {
				err = s.open(p, p)
			} else {
				err = s.seal(p, p)
			}
			if err != nil {
				b.Fatal(err)
			}
		}
		s.tag()
	}
}

func BenchmarkGCMStreamSeal(b *testing.B) { benchStream(b, false) }
func BenchmarkGCMStreamOpen(b *testing.B) { benchStream(b, true) }

// BenchmarkGCMStreamGHASH is the tag half alone.
func BenchmarkGCMStreamGHASH(b *testing.B) {
	key, _ := benchKey()
	block, _ := aes.NewCipher(key)
	buf := make([]byte, benchMsg)
	b.SetBytes(benchMsg)
	for b.Loop() {
		g, _ := newGCMHash(block)
		g.write(buf)
		g.sum(0, benchMsg)
	}
}
