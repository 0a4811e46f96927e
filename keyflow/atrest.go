package keyflow

// AtRest is what a local region keeps on disk for one object version:
// the ciphertext's layout and the wrapped keys, never a plaintext key.
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
