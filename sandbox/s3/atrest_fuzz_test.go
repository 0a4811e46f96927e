package s3

import (
	"bytes"
	"io"
	"os"
	"sync"
	"testing"

	"github.com/s3crypt/s3crypt/sandbox/store"
)

var (
	atRestOnce  sync.Once
	atRestStore *store.Store
	atRestErr   error
)

// FuzzAtRestRange seals a part in one or two DARE layers (SSE-S3/SSE-KMS,
// DSSE-KMS), optionally flips one stored byte, and reads the plaintext
// range [off, off+n) through openPart's package seek. An intact part gives
// exactly the plaintext's bytes; a tampered one gives an error or, when
// the range does not touch the tampered package, the right bytes — never
// other plaintext.
func FuzzAtRestRange(f *testing.F) {
	f.Add(uint32(100), uint8(1), int64(0), int64(100), uint32(0), uint8(0))
	f.Add(uint32(3*darePayload+17), uint8(1), int64(darePayload-3), int64(darePayload+9), uint32(0), uint8(0))
	f.Add(uint32(2*darePayload), uint8(2), int64(darePayload), int64(darePayload), uint32(0), uint8(0))
	f.Add(uint32(2*darePayload+5), uint8(2), int64(5), int64(2*darePayload), uint32(darePackage+40), uint8(1))
	f.Add(uint32(darePayload+1), uint8(1), int64(darePayload), int64(1), uint32(3), uint8(0x80))
	f.Add(uint32(0), uint8(1), int64(0), int64(0), uint32(0), uint8(0))
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, size uint32, layers uint8, off, n int64, flipAt uint32, mask uint8) {
		atRestOnce.Do(func() { atRestStore, atRestErr = store.Open(dir, store.Options{NoSync: true}) })
		if atRestErr != nil {
			t.Fatal(atRestErr)
		}
		st := atRestStore
		size %= 4*darePayload + 100
		plain := make([]byte, size)
		for i := range plain {
			plain[i] = byte(i*7 + i>>16)
		}
		keys := dataKeys{bytes.Repeat([]byte{1}, 32)}
		if layers%2 == 0 {
			keys = append(keys, bytes.Repeat([]byte{2}, 32))
		}
		nonce := bytes.Repeat([]byte{9}, partNonceSize)
		r, err := sealReader(bytes.NewReader(plain), keys, nonce)
		if err != nil {
			t.Fatal(err)
		}
		id, stored, err := st.WriteBlob(r)
		if err != nil {
			t.Fatal(err)
		}
		defer st.RemoveBlobs(id)
		if mask != 0 && stored > 0 {
			path := st.BlobPath(id)
			b, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			b[int64(flipAt)%stored] ^= mask
			if err := os.WriteFile(path, b, 0o600); err != nil {
				t.Fatal(err)
			}
		}
		// openPart's callers clamp the range to the object (parseRange).
		if off < 0 {
			off = -(off + 1)
		}
		if n < 0 {
			n = -(n + 1)
		}
		if int64(size) == 0 {
			off, n = 0, 0
		} else {
			off %= int64(size)
			n = min(n, int64(size)-off)
		}
		p := store.Part{Number: 1, Blob: id, Size: int64(size), StoredSize: stored, Nonce: nonce}
		rd, c, err := openPart(st, p, keys, off, n)
		if err != nil {
			if mask == 0 {
				t.Fatalf("open intact part: %v", err)
			}
			return
		}
		got, err := io.ReadAll(rd)
		c.Close()
		want := plain[off : off+n]
		if !bytes.HasPrefix(want, got) {
			t.Fatalf("range %d+%d of %d (layers %d, flip %d^%x): bytes differ from the plaintext", off, n, size, len(keys), flipAt, mask)
		}
		if err == nil && len(got) != len(want) {
			t.Fatalf("range %d+%d: %d bytes without an error", off, n, len(got))
		}
		if mask == 0 && err != nil {
			t.Fatalf("intact part: %v", err)
		}
	})
}
