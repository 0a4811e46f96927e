package s3

import (
	"crypto/hmac"
	"crypto/sha256"
	"fmt"
	"io"

	"github.com/minio/sio"

	"github.com/s3crypt/s3crypt/sandbox/store"
)

// partNonceSize is the length of the random value that makes each stored
// part's stream key unique.
const partNonceSize = 16

// streamKey derives the DARE key of one stored part from a data key: DARE
// requires a unique key per stream, and one data key protects all the parts
// of a multipart object.
func streamKey(dataKey, nonce []byte) []byte {
	m := hmac.New(sha256.New, dataKey)
	m.Write([]byte("s3crypt part stream key\x00"))
	m.Write(nonce)
	return m.Sum(nil)
}

func dareConfig(key []byte) sio.Config {
	return sio.Config{MinVersion: sio.Version20, MaxVersion: sio.Version20, Key: key, CipherSuites: []byte{sio.AES_256_GCM}}
}

// sealReader returns r encrypted in one DARE layer per data key (DSSE-KMS
// has two: the second wraps the first).
func sealReader(r io.Reader, keys dataKeys, nonce []byte) (io.Reader, error) {
	for _, k := range keys {
		sk := streamKey(k, nonce)
		enc, err := sio.EncryptReader(r, dareConfig(sk))
		clear(sk)
		if err != nil {
			return nil, fmt.Errorf("seal: %w", err)
		}
		r = enc
	}
	return r, nil
}

// storedSize is the size on disk of size plaintext bytes under n layers.
func storedSize(size int64, layers int) int64 {
	n := uint64(size)
	for range layers {
		n, _ = sio.EncryptedSize(n)
	}
	return int64(n)
}

// openPart returns the plaintext bytes [off, off+n) of a stored part.
// Reading from the start streams; a range decrypts only the packages it
// covers.
func openPart(st *store.Store, p store.Part, keys dataKeys, off, n int64) (io.Reader, io.Closer, error) {
	f, err := st.OpenBlob(p.Blob)
	if err != nil {
		return nil, nil, fmt.Errorf("open stored part %d: %w", p.Number, err)
	}
	if off == 0 && n == p.Size {
		var r io.Reader = f
		for i := len(keys) - 1; i >= 0; i-- {
			sk := streamKey(keys[i], p.Nonce)
			d, err := sio.DecryptReader(r, dareConfig(sk))
			clear(sk)
			if err != nil {
				f.Close()
				return nil, nil, err
			}
			r = d
		}
		return r, f, nil
	}
	var ra io.ReaderAt = f
	for i := len(keys) - 1; i >= 0; i-- {
		sk := streamKey(keys[i], p.Nonce)
		d, err := sio.DecryptReaderAt(ra, dareConfig(sk))
		clear(sk)
		if err != nil {
			f.Close()
			return nil, nil, err
		}
		ra = d
	}
	return io.NewSectionReader(ra, off, n), f, nil
}
