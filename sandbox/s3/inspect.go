package s3

import (
	"encoding/hex"
	"io"

	"github.com/s3crypt/s3crypt/keyflow"
	"github.com/s3crypt/s3crypt/sandbox/store"
)

// packageSize is DARE's plaintext package size.
const packageSize = 64 << 10

// Inspect returns the at-rest view of an object version ("" = latest).
func (s *Server) Inspect(bucket, key, version string) (keyflow.AtRest, error) {
	o, err := s.opt.Store.GetObject(bucket, key, version)
	if err != nil {
		return keyflow.AtRest{}, err
	}
	enc := o.Encryption
	v := keyflow.AtRest{Bucket: bucket, Key: key, VersionID: o.VersionID, Mode: enc.Mode, KMSKeyARN: enc.KMSKeyARN, BucketKey: enc.BucketKey,
		Size: o.Size, Format: "DARE 2.0, AES-256-GCM, one stream key per part derived from the data key",
		PackageSize: packageSize, SSECKeyMD5: enc.SSECKeyMD5, UserContext: enc.UserContext, PlaintextKey: "never stored"}
	if enc.Mode == ModeSSEC {
		v.SSECSalt, v.SSECHMAC = hex.EncodeToString(enc.SSECSalt), hex.EncodeToString(enc.SSECHMAC)
	}
	for _, l := range enc.Layers {
		v.Layers = append(v.Layers, keyflow.AtRestLayer{Wrapping: string(l.Wrapping), WrappedKeyBytes: len(l.WrappedKey),
			WrappedKeyHex: hex.EncodeToString(l.WrappedKey), KMSKeyARN: l.KMSKeyARN, Context: l.Context, BucketKeyBlobSize: len(l.BucketKeyBlob)})
	}
	for _, p := range o.Parts {
		v.StoredSize += p.StoredSize
		v.Parts = append(v.Parts, keyflow.AtRestPart{Number: p.Number, Path: s.opt.Store.BlobPath(p.Blob), Size: p.Size, StoredSize: p.StoredSize,
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
