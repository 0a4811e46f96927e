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

// DARE 2.0 package geometry: 64 KiB of plaintext, a 16-byte header and a
// 16-byte tag.
const (
	darePayload = 64 << 10
	darePackage = darePayload + 32
)

// openPart returns a reader of the plaintext bytes [off, off+n) of a
// stored part. It seeks to the first package that holds off (through every
// layer) and decrypts sequentially from there, so a range costs only the
// packages it covers, each decrypted once.
func openPart(st *store.Store, p store.Part, keys dataKeys, off, n int64) (io.Reader, io.Closer, error) {
	f, err := st.OpenBlob(p.Blob)
	if err != nil {
		return nil, nil, fmt.Errorf("open stored part %d: %w", p.Number, err)
	}
	// offs[i] is where reading starts in layer i's plaintext (layer 0 is
	// the object's plaintext); the last entry is the offset in the file.
	layers := len(keys)
	offs := make([]int64, layers+1)
	seqs := make([]int64, layers)
	offs[0] = off
	for i := range layers {
		seqs[i] = offs[i] / darePayload
		offs[i+1] = seqs[i] * darePackage
	}
	var r io.Reader = io.NewSectionReader(f, offs[layers], p.StoredSize-offs[layers])
	for i := layers - 1; i >= 0; i-- {
		sk := streamKey(keys[i], p.Nonce)
		cfg := dareConfig(sk)
		cfg.SequenceNumber = uint32(seqs[i])
		d, err := sio.DecryptReader(r, cfg)
		clear(sk)
		if err != nil {
			f.Close()
			return nil, nil, err
		}
		if skip := offs[i] - seqs[i]*darePayload; skip > 0 {
			if _, err := io.CopyN(io.Discard, d, skip); err != nil {
				f.Close()
				return nil, nil, fmt.Errorf("seek in stored part %d: %w", p.Number, err)
			}
		}
		r = d
	}
	return io.LimitReader(r, n), f, nil
}
