package s3

import (
	"encoding/hex"
	"io"

	"github.com/s3crypt/s3crypt/sandbox/store"
)

// AtRest is what the sandbox keeps on disk for one object version: how it
// is encrypted, the wrapped data key(s), and the first bytes of the
// ciphertext. It never contains a plaintext key or plaintext data.
type AtRest struct {
	Bucket       string            `json:"bucket"`
	Key          string            `json:"key"`
	VersionID    string            `json:"versionId"`
	Mode         string            `json:"mode"`
	KMSKeyARN    string            `json:"kmsKeyArn,omitempty"`
	BucketKey    bool              `json:"bucketKey"`
	Size         int64             `json:"size"`
	StoredSize   int64             `json:"storedSize"`
	Format       string            `json:"format"`
	PackageSize  int               `json:"packageSize"`
	Layers       []AtRestLayer     `json:"layers"`
	SSECKeyMD5   string            `json:"ssecKeyMd5,omitempty"`
	SSECSalt     string            `json:"ssecSalt,omitempty"`
	SSECHMAC     string            `json:"ssecHmac,omitempty"`
	Parts        []AtRestPart      `json:"parts"`
	UserContext  map[string]string `json:"userContext,omitempty"`
	PlaintextKey string            `json:"plaintextKey"` // always "never stored"
}

// AtRestLayer describes one stored (wrapped) data key.
type AtRestLayer struct {
	Wrapping          string            `json:"wrapping"`
	WrappedKeyBytes   int               `json:"wrappedKeyBytes"`
	WrappedKeyHex     string            `json:"wrappedKeyHex"`
	KMSKeyARN         string            `json:"kmsKeyArn,omitempty"`
	Context           map[string]string `json:"context,omitempty"`
	BucketKeyBlobSize int               `json:"bucketKeyBlobBytes,omitempty"`
}

// AtRestPart describes one stored blob of ciphertext.
type AtRestPart struct {
	Number      int    `json:"number"`
	Path        string `json:"path"`
	Size        int64  `json:"size"`
	StoredSize  int64  `json:"storedSize"`
	Packages    int64  `json:"packages"`
	FirstBytes  string `json:"firstBytesHex"`
	StreamNonce string `json:"streamNonceHex"`
}

// packageSize is DARE's plaintext package size.
const packageSize = 64 << 10

// Inspect returns the at-rest view of an object version ("" = latest).
func (s *Server) Inspect(bucket, key, version string) (AtRest, error) {
	o, err := s.opt.Store.GetObject(bucket, key, version)
	if err != nil {
		return AtRest{}, err
	}
	enc := o.Encryption
	v := AtRest{Bucket: bucket, Key: key, VersionID: o.VersionID, Mode: enc.Mode, KMSKeyARN: enc.KMSKeyARN, BucketKey: enc.BucketKey,
		Size: o.Size, Format: "DARE 2.0, AES-256-GCM, one stream key per part derived from the data key",
		PackageSize: packageSize, SSECKeyMD5: enc.SSECKeyMD5, UserContext: enc.UserContext, PlaintextKey: "never stored"}
	if enc.Mode == ModeSSEC {
		v.SSECSalt, v.SSECHMAC = hex.EncodeToString(enc.SSECSalt), hex.EncodeToString(enc.SSECHMAC)
	}
	for _, l := range enc.Layers {
		v.Layers = append(v.Layers, AtRestLayer{Wrapping: string(l.Wrapping), WrappedKeyBytes: len(l.WrappedKey),
			WrappedKeyHex: hex.EncodeToString(l.WrappedKey), KMSKeyARN: l.KMSKeyARN, Context: l.Context, BucketKeyBlobSize: len(l.BucketKeyBlob)})
	}
	for _, p := range o.Parts {
		v.StoredSize += p.StoredSize
		v.Parts = append(v.Parts, AtRestPart{Number: p.Number, Path: s.opt.Store.BlobPath(p.Blob), Size: p.Size, StoredSize: p.StoredSize,
			Packages: (p.Size + packageSize - 1) / packageSize, FirstBytes: firstBytes(s.opt.Store, p), StreamNonce: hex.EncodeToString(p.Nonce)})
	}
	return v, nil
}

func firstBytes(st *store.Store, p store.Part) string {
	f, err := st.OpenBlob(p.Blob)
	if err != nil {
		return ""
	}
	defer f.Close()
	buf := make([]byte, 32)
	n, _ := io.ReadFull(f, buf)
	return hex.EncodeToString(buf[:n])
}
