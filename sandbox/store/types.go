package store

import "time"

// Versioning states of a bucket, as S3 names them ("" = never enabled).
const (
	VersioningEnabled   = "Enabled"
	VersioningSuspended = "Suspended"
)

// NullVersion is the version id of objects written while versioning was
// never enabled or is suspended.
const NullVersion = "null"

// BucketEncryption is a bucket's default encryption rule, as
// PutBucketEncryption sets it.
type BucketEncryption struct {
	SSEAlgorithm           string   `json:"sseAlgorithm"`             // AES256 | aws:kms | aws:kms:dsse
	KMSMasterKeyID         string   `json:"kmsMasterKeyId,omitempty"` // exactly as supplied
	BucketKeyEnabled       bool     `json:"bucketKeyEnabled"`
	BlockedEncryptionTypes []string `json:"blockedEncryptionTypes,omitempty"` // SSE-C | NONE
}

// Bucket is one bucket's record.
type Bucket struct {
	Name       string           `json:"name"`
	Region     string           `json:"region"`
	Created    time.Time        `json:"created"`
	Encryption BucketEncryption `json:"encryption"`
	Versioning string           `json:"versioning,omitempty"`
	// Policy is the bucket policy document exactly as PutBucketPolicy
	// received it ("" = none). It lives in the bucket's record, so it is
	// written in the same bbolt transaction as the rest of the record.
	Policy string `json:"policy,omitempty"`
}

// Wrapping says what protects a stored data key.
type Wrapping string

// The ways a data key is protected at rest.
const (
	WrappedByOwnedKey  Wrapping = "aws-owned-key" // SSE-S3: the sandbox root key, never listed by KMS
	WrappedByKMS       Wrapping = "kms"           // SSE-KMS / DSSE-KMS: a KMS ciphertext blob
	WrappedByBucketKey Wrapping = "bucket-key"    // SSE-KMS with a bucket key
	WrappedBySSECKey   Wrapping = "sse-c"         // SSE-C: the customer key (never stored)
)

// KeyLayer is one layer of encryption: a data key as stored (wrapped).
// DSSE-KMS objects have two layers, all others one.
type KeyLayer struct {
	Wrapping   Wrapping `json:"wrapping"`
	WrappedKey []byte   `json:"wrappedKey"`          // the data key, encrypted
	KMSKeyARN  string   `json:"kmsKeyArn,omitempty"` // the KMS key behind it, if any
	// BucketKeyBlob is the KMS ciphertext of the bucket key that wraps
	// WrappedKey (only when Wrapping is WrappedByBucketKey).
	BucketKeyBlob []byte `json:"bucketKeyBlob,omitempty"`
	// Context is the encryption context KMS bound to the wrapped key (or
	// bucket key).
	Context map[string]string `json:"context,omitempty"`
}

// Encryption is how an object (or multipart upload) is encrypted.
type Encryption struct {
	Mode      string `json:"mode"` // AES256 | aws:kms | aws:kms:dsse | SSE-C
	KMSKeyARN string `json:"kmsKeyArn,omitempty"`
	BucketKey bool   `json:"bucketKey,omitempty"`
	// UserContext is what the caller added to the encryption context
	// (without aws:s3:arn), echoed base64 JSON on PUT responses.
	UserContext map[string]string `json:"userContext,omitempty"`
	Layers      []KeyLayer        `json:"layers"`
	// SSE-C: the MD5 of the customer key (base64) as echoed to clients,
	// and a salted HMAC used to check the key of later requests.
	SSECKeyMD5 string `json:"ssecKeyMd5,omitempty"`
	SSECSalt   []byte `json:"ssecSalt,omitempty"`
	SSECHMAC   []byte `json:"ssecHmac,omitempty"`
}

// Part is one stored segment of an object's data: a blob file holding the
// ciphertext of Size plaintext bytes. Single-request objects have one part.
type Part struct {
	Number     int       `json:"number"`
	Blob       string    `json:"blob"`       // blob id (see Store.WriteBlob)
	Size       int64     `json:"size"`       // plaintext bytes
	StoredSize int64     `json:"storedSize"` // bytes in the blob file
	ETag       string    `json:"etag"`       // quoted, as S3 returns it
	Checksums  Checksums `json:"checksums,omitempty"`
	Modified   time.Time `json:"modified"`
	// Nonce distinguishes the key this part was sealed with from other
	// parts' keys under the same data key.
	Nonce []byte `json:"nonce"`
}

// Checksums holds flexible checksums (base64 of the digest) by algorithm
// name as S3 spells it: CRC32, CRC32C, CRC64NVME, SHA1, SHA256, SHA512, MD5,
// XXHASH3, XXHASH64, XXHASH128.
type Checksums map[string]string

// Object is one version of an object, or a delete marker.
type Object struct {
	Bucket         string     `json:"bucket"`
	Key            string     `json:"key"`
	VersionID      string     `json:"versionId"` // NullVersion when unversioned
	DeleteMarker   bool       `json:"deleteMarker,omitempty"`
	Size           int64      `json:"size"`
	ETag           string     `json:"etag"` // quoted
	LastModified   time.Time  `json:"lastModified"`
	ContentType    string     `json:"contentType,omitempty"`
	Headers        Headers    `json:"headers,omitempty"`
	UserMeta       Headers    `json:"userMeta,omitempty"` // without the x-amz-meta- prefix, lower-case names
	Checksums      Checksums  `json:"checksums,omitempty"`
	ChecksumType   string     `json:"checksumType,omitempty"` // FULL_OBJECT | COMPOSITE
	Encryption     Encryption `json:"encryption"`
	Parts          []Part     `json:"parts"`
	MultipartCount int        `json:"multipartCount,omitempty"` // >0 for objects completed from a multipart upload
	StorageClass   string     `json:"storageClass,omitempty"`

	// IsLatest is filled in by reads; it is not stored.
	IsLatest bool `json:"-"`
}

// Headers are stored response headers (Content-Encoding, Cache-Control,
// Content-Disposition, Content-Language, Expires) or user metadata.
type Headers map[string]string

// Upload is an in-progress multipart upload. Its parts are stored apart and
// returned by ListParts.
type Upload struct {
	ID        string    `json:"id"`
	Bucket    string    `json:"bucket"`
	Key       string    `json:"key"`
	Initiated time.Time `json:"initiated"`
	// Template holds what the final object inherits: content type, headers,
	// metadata, storage class, checksum algorithm and encryption (with the
	// wrapped data key generated at CreateMultipartUpload).
	Template          Object `json:"template"`
	ChecksumAlgorithm string `json:"checksumAlgorithm,omitempty"`
	ChecksumType      string `json:"checksumType,omitempty"`
	// RequestSSE holds the encryption headers CreateMultipartUpload was
	// sent (x-amz-server-side-encryption, …-aws-kms-key-id,
	// …-customer-algorithm, by lower-case name): the bucket policy's
	// condition keys for the upload's later requests, which carry none.
	RequestSSE map[string]string `json:"requestSse,omitempty"`
}

// ListOptions selects objects for ListObjects and ListVersions.
type ListOptions struct {
	Prefix    string
	Delimiter string
	// After lists keys strictly greater than After (ListObjectsV2's
	// StartAfter or continuation token, ListObjectVersions' KeyMarker).
	After string
	// AfterVersion, with After, resumes a version listing after this
	// version of key After (VersionIdMarker).
	AfterVersion string
	MaxKeys      int
}

// ListResult is one page of a listing.
type ListResult struct {
	Objects        []Object // latest versions (ListObjects) or all versions and markers (ListVersions)
	CommonPrefixes []string
	Truncated      bool
	// NextAfter and NextAfterVersion resume the listing when Truncated.
	NextAfter        string
	NextAfterVersion string
}
