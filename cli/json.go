package cli

import (
	"encoding/base64"
	"sort"
	"time"

	"github.com/s3crypt/s3crypt/actions"
)

// This file is what --json prints: each verb's result under the AWS API's
// own field names and casing (what `aws kms create-key` or `aws s3api
// head-object` print for the same call), plus s3crypt's extra fields in the
// same PascalCase style. The actions' own JSON tags (camelCase, which the
// actions tests read) are left as they are; the mapping lives here so that
// the command line's contract is in one place. README "JSON output"
// documents it; cli tests check that no value of the actions' JSON is lost
// and that every verb's keys are these.

// awsJSON returns the --json form of an action result.
func awsJSON(res any) any {
	switch r := res.(type) {
	case actions.CreateKeyResult:
		k := keyOf(r.Key)
		k.Warning = r.Warning
		return k
	case actions.KeyInfo:
		return keyOf(r)
	case actions.ListKeysResult:
		return listKeysOf(r)
	case actions.KeyStateResult:
		return keyStateJSON{KeyID: r.KeyID, KeyArn: r.ARN, KeyState: r.KeyState, DeletionDate: r.DeletionDate,
			PendingWindowInDays: r.PendingWindowInDays, Warning: r.Warning, NextStep: r.Next}
	case actions.AliasResult:
		return aliasResultJSON{AliasName: r.AliasName, TargetKeyID: r.KeyID, TargetKeyArn: r.KeyARN}
	case actions.GenerateDataKeyResult:
		return dataKeyOf(r)
	case actions.KMSCryptResult:
		return kmsCryptJSON{KeyID: r.KeyARN, EncryptionAlgorithm: r.Algorithm, InputFile: r.In, OutputFile: r.Out,
			PlaintextBytes: r.PlaintextBytes, CiphertextBytes: r.CiphertextBytes, EncryptionContext: r.Context, Note: r.Note}
	case actions.MakeBucketResult:
		return makeBucketJSON{Bucket: r.Bucket, BucketRegion: r.Region, Location: r.Location,
			ServerSideEncryptionConfiguration: sseConfigOf(r.Encryption), EncryptionError: r.EncryptionError}
	case actions.RemoveBucketResult:
		return removeBucketJSON{Bucket: r.Bucket}
	case actions.BucketEncryptionResult:
		return bucketEncryptionJSON{Bucket: r.Bucket, ServerSideEncryptionConfiguration: sseConfigOf(r.Encryption), Ignored: r.Ignored, Notes: r.Notes}
	case actions.BucketPolicyResult:
		return bucketPolicyOf(r)
	case actions.ListBucketsResult:
		return listBucketsOf(r)
	case actions.ListObjectsResult:
		return listObjectsOf(r)
	case actions.ListVersionsResult:
		return listVersionsOf(r)
	case actions.HeadResult:
		return headOf(r)
	case actions.PutResult:
		mode := r.Mode
		if mode == "" {
			mode = r.Encryption.Mode()
		}
		return putJSON{Bucket: r.Bucket, Key: r.Key, VersionID: r.VersionID, ETag: r.ETag, Size: r.Size,
			objectEncryptionJSON: objectEncryptionOf(r.Encryption), EncryptionMode: mode, PartsCount: r.Parts,
			DurationSeconds: seconds(r.Duration), KMSRequestCount: kmsCount(r.KMSCalls), ClientSide: clientSideOf(r.ClientSide),
			EncryptionUnknown: r.EncryptionUnknown, Ignored: r.Ignored, Notes: r.Notes}
	case actions.GetResult:
		return getJSON{Bucket: r.Bucket, Key: r.Key, OutputFile: r.File, VersionID: r.VersionID, Size: r.Size,
			objectEncryptionJSON: objectEncryptionOf(r.Encryption), EncryptionMode: r.Encryption.Mode(),
			DurationSeconds: seconds(r.Duration), KMSRequestCount: kmsCount(r.KMSCalls), ClientSide: clientSideOf(r.ClientSide)}
	case actions.DeleteObjectResult:
		return deleteObjectJSON{Bucket: r.Bucket, Key: r.Key, VersionID: r.VersionID, DeleteMarker: r.DeleteMarker}
	}
	return res
}

// seconds is a duration as --json prints it: seconds, millisecond precision.
func seconds(d time.Duration) float64 { return float64(d.Milliseconds()) / 1000 }

// kmsCount is a KMS request count; nil (JSON null) when the backend cannot
// tell (-1).
func kmsCount(n int) *int {
	if n < 0 {
		return nil
	}
	return &n
}

// KMS

// keyMetadataJSON is KMS's KeyMetadata (CreateKey, DescribeKey), the
// fields s3crypt knows.
type keyMetadataJSON struct {
	KeyID                string     `json:"KeyId"`
	Arn                  string     `json:"Arn"`
	CreationDate         *time.Time `json:"CreationDate,omitempty"`
	Enabled              bool       `json:"Enabled"`
	Description          string     `json:"Description"`
	KeyUsage             string     `json:"KeyUsage"`
	KeyState             string     `json:"KeyState"`
	DeletionDate         *time.Time `json:"DeletionDate,omitempty"`
	Origin               string     `json:"Origin,omitempty"`
	KeyManager           string     `json:"KeyManager"`
	KeySpec              string     `json:"KeySpec"`
	EncryptionAlgorithms []string   `json:"EncryptionAlgorithms,omitempty"`
	SigningAlgorithms    []string   `json:"SigningAlgorithms,omitempty"`
	MacAlgorithms        []string   `json:"MacAlgorithms,omitempty"`
	KeyAgreementAlgs     []string   `json:"KeyAgreementAlgorithms,omitempty"`
	EncapsulationAlgs    []string   `json:"EncapsulationAlgorithms,omitempty"`
}

// aliasJSON is one entry of ListAliases' Aliases.
type aliasJSON struct {
	AliasName string `json:"AliasName"`
}

// keyJSON is create-key's and describe-key's output: {"KeyMetadata": …}
// as KMS answers, then the key's aliases (ListAliases' entries) and its
// rotation (GetKeyRotationStatus' fields; KeyRotation is s3crypt's word
// for it, which also says "unsupported" or "unknown").
type keyJSON struct {
	KeyMetadata          keyMetadataJSON `json:"KeyMetadata"`
	Aliases              []aliasJSON     `json:"Aliases"`
	KeyRotationEnabled   *bool           `json:"KeyRotationEnabled,omitempty"`
	KeyRotation          string          `json:"KeyRotation"`
	RotationPeriodInDays int             `json:"RotationPeriodInDays,omitempty"`
	Warning              string          `json:"Warning,omitempty"`
}

func aliasesOf(names []string) []aliasJSON {
	out := make([]aliasJSON, 0, len(names))
	for _, n := range names {
		out = append(out, aliasJSON{AliasName: n})
	}
	return out
}

func keyOf(k actions.KeyInfo) keyJSON {
	m := keyMetadataJSON{KeyID: k.KeyID, Arn: k.ARN, Enabled: k.KeyState == "Enabled", Description: k.Description,
		KeyUsage: k.KeyUsage, KeyState: k.KeyState, DeletionDate: k.DeletionDate, Origin: k.Origin, KeyManager: k.KeyManager,
		KeySpec: k.KeySpec, EncryptionAlgorithms: k.EncryptionAlgorithms, SigningAlgorithms: k.SigningAlgorithms,
		MacAlgorithms: k.MacAlgorithms, KeyAgreementAlgs: k.KeyAgreementAlgorithms, EncapsulationAlgs: k.EncapsulationAlgorithms}
	if !k.CreationDate.IsZero() {
		t := k.CreationDate
		m.CreationDate = &t
	}
	out := keyJSON{KeyMetadata: m, Aliases: aliasesOf(k.Aliases), KeyRotation: k.Rotation, RotationPeriodInDays: k.RotationPeriodDays}
	switch k.Rotation {
	case actions.RotationEnabled, actions.RotationDisabled:
		on := k.Rotation == actions.RotationEnabled
		out.KeyRotationEnabled = &on
	}
	return out
}

// keyListEntryJSON is one key of list-keys: ListKeys' KeyId and KeyArn,
// then what describe-key prints for it.
type keyListEntryJSON struct {
	KeyID  string `json:"KeyId"`
	KeyArn string `json:"KeyArn"`
	keyJSON
}

// listKeysJSON is list-keys' output: ListKeys' Keys, plus the aliases that
// name no key yet and, on the sandbox, the AWS owned key S3 uses.
type listKeysJSON struct {
	Keys              []keyListEntryJSON `json:"Keys"`
	UnassignedAliases []aliasJSON        `json:"UnassignedAliases,omitempty"`
	AWSOwnedKey       string             `json:"AWSOwnedKey,omitempty"`
}

func listKeysOf(r actions.ListKeysResult) listKeysJSON {
	out := listKeysJSON{Keys: make([]keyListEntryJSON, 0, len(r.Keys)), AWSOwnedKey: r.AWSOwnedKey}
	for _, k := range r.Keys {
		out.Keys = append(out.Keys, keyListEntryJSON{KeyID: k.KeyID, KeyArn: k.ARN, keyJSON: keyOf(k)})
	}
	if len(r.UnassignedAliases) > 0 {
		out.UnassignedAliases = aliasesOf(r.UnassignedAliases)
	}
	return out
}

// keyStateJSON is enable-key's, disable-key's, schedule-key-deletion's
// and cancel-key-deletion's output: ScheduleKeyDeletion's fields (KeyState,
// DeletionDate, PendingWindowInDays), the key as ListKeys names it, and
// s3crypt's warning and next step.
type keyStateJSON struct {
	KeyID               string     `json:"KeyId"`
	KeyArn              string     `json:"KeyArn"`
	KeyState            string     `json:"KeyState"`
	DeletionDate        *time.Time `json:"DeletionDate,omitempty"`
	PendingWindowInDays int        `json:"PendingWindowInDays,omitempty"`
	Warning             string     `json:"Warning,omitempty"`
	NextStep            string     `json:"NextStep,omitempty"`
}

// aliasResultJSON is create-alias' and delete-alias' output, an
// AliasListEntry (TargetKeyArn is s3crypt's).
type aliasResultJSON struct {
	AliasName    string `json:"AliasName"`
	TargetKeyID  string `json:"TargetKeyId,omitempty"`
	TargetKeyArn string `json:"TargetKeyArn,omitempty"`
}

// dataKeyJSON is generate-data-key's output: GenerateDataKey's response
// (KeyId is the key ARN, as KMS answers; Plaintext only when no --out was
// given), the request's KeySpec, NumberOfBytes and EncryptionContext, and
// the files s3crypt wrote.
type dataKeyJSON struct {
	CiphertextBlob     []byte            `json:"CiphertextBlob"`
	Plaintext          string            `json:"Plaintext,omitempty"`
	KeyID              string            `json:"KeyId"`
	KeySpec            string            `json:"KeySpec"`
	NumberOfBytes      int               `json:"NumberOfBytes"`
	EncryptionContext  map[string]string `json:"EncryptionContext,omitempty"`
	PlaintextFile      string            `json:"PlaintextFile,omitempty"`
	CiphertextBlobFile string            `json:"CiphertextBlobFile,omitempty"`
}

func dataKeyOf(r actions.GenerateDataKeyResult) dataKeyJSON {
	out := dataKeyJSON{CiphertextBlob: r.CiphertextBlob, KeyID: r.KeyARN, KeySpec: r.KeySpec, NumberOfBytes: r.Bytes,
		EncryptionContext: r.Context, PlaintextFile: r.PlaintextFile, CiphertextBlobFile: r.EncryptedFile}
	if r.Plaintext != nil && !r.Plaintext.Wiped() {
		// As aws kms generate-data-key prints it; the verb warns on stderr.
		out.Plaintext = base64.StdEncoding.EncodeToString(r.Plaintext.Bytes())
	}
	return out
}

// kmsCryptJSON is encrypt's and decrypt's output: Encrypt's/Decrypt's
// KeyId (the key ARN) and EncryptionAlgorithm, the request's
// EncryptionContext, and the files (the blobs themselves are in them).
type kmsCryptJSON struct {
	KeyID               string            `json:"KeyId"`
	EncryptionAlgorithm string            `json:"EncryptionAlgorithm"`
	InputFile           string            `json:"InputFile"`
	OutputFile          string            `json:"OutputFile"`
	PlaintextBytes      int               `json:"PlaintextBytes"`
	CiphertextBytes     int               `json:"CiphertextBytes"`
	EncryptionContext   map[string]string `json:"EncryptionContext,omitempty"`
	Note                string            `json:"Note,omitempty"`
}

// S3: buckets

// sseConfigJSON is a ServerSideEncryptionConfiguration, as
// get-bucket-encryption prints it.
type sseConfigJSON struct {
	Rules []sseRuleJSON `json:"Rules"`
}

type sseRuleJSON struct {
	ApplyServerSideEncryptionByDefault sseDefaultJSON `json:"ApplyServerSideEncryptionByDefault"`
	BucketKeyEnabled                   bool           `json:"BucketKeyEnabled"`
	BlockedEncryptionTypes             *blockedJSON   `json:"BlockedEncryptionTypes,omitempty"`
}

type sseDefaultJSON struct {
	SSEAlgorithm   string `json:"SSEAlgorithm"`
	KMSMasterKeyID string `json:"KMSMasterKeyID,omitempty"`
}

type blockedJSON struct {
	EncryptionType []string `json:"EncryptionType"`
}

// sseConfigOf is nil (JSON null) when the bucket has no configuration.
func sseConfigOf(e *actions.BucketEncryption) *sseConfigJSON {
	if e == nil {
		return nil
	}
	rule := sseRuleJSON{ApplyServerSideEncryptionByDefault: sseDefaultJSON{SSEAlgorithm: e.SSEAlgorithm, KMSMasterKeyID: e.KMSKeyID},
		BucketKeyEnabled: e.BucketKey}
	if len(e.Blocked) > 0 {
		rule.BlockedEncryptionTypes = &blockedJSON{EncryptionType: e.Blocked}
	}
	return &sseConfigJSON{Rules: []sseRuleJSON{rule}}
}

// makeBucketJSON is mb's output: CreateBucket's Location, the bucket and
// its region (HeadBucket's BucketRegion) and the default encryption S3
// gave it (null if it could not be read).
type makeBucketJSON struct {
	Bucket                            string         `json:"Bucket"`
	BucketRegion                      string         `json:"BucketRegion"`
	Location                          string         `json:"Location,omitempty"`
	ServerSideEncryptionConfiguration *sseConfigJSON `json:"ServerSideEncryptionConfiguration"`
	// EncryptionError says why the rule could not be read back.
	EncryptionError string `json:"EncryptionError,omitempty"`
}

type removeBucketJSON struct {
	Bucket string `json:"Bucket"`
}

// bucketEncryptionJSON is bucket-encryption get/put/delete's output:
// get-bucket-encryption's, null when the endpoint has no configuration.
type bucketEncryptionJSON struct {
	Bucket                            string         `json:"Bucket"`
	ServerSideEncryptionConfiguration *sseConfigJSON `json:"ServerSideEncryptionConfiguration"`
	// Ignored lists what was asked for that the read-back rule lacks.
	Ignored []string `json:"Ignored,omitempty"`
	Notes   []string `json:"Notes,omitempty"`
}

// bucketJSON is one bucket of ls: ListBuckets' entry and its default
// encryption (or why it could not be read).
type bucketJSON struct {
	Name                              string         `json:"Name"`
	CreationDate                      time.Time      `json:"CreationDate"`
	BucketRegion                      string         `json:"BucketRegion,omitempty"`
	ServerSideEncryptionConfiguration *sseConfigJSON `json:"ServerSideEncryptionConfiguration"`
	EncryptionError                   string         `json:"EncryptionError,omitempty"`
}

type listBucketsJSON struct {
	Buckets []bucketJSON `json:"Buckets"`
}

func listBucketsOf(r actions.ListBucketsResult) listBucketsJSON {
	out := listBucketsJSON{Buckets: make([]bucketJSON, 0, len(r.Buckets))}
	for _, b := range r.Buckets {
		out.Buckets = append(out.Buckets, bucketJSON{Name: b.Name, CreationDate: b.Created, BucketRegion: b.Region,
			ServerSideEncryptionConfiguration: sseConfigOf(b.Encryption), EncryptionError: b.EncryptionError})
	}
	return out
}

// S3: objects

// objectEncryptionJSON is how an object is encrypted, under HeadObject's
// (and PutObject's, GetObject's) names. SSECustomerAlgorithm is AES256,
// the only SSE-C algorithm, whenever S3 reported a customer key MD5.
type objectEncryptionJSON struct {
	ServerSideEncryption string `json:"ServerSideEncryption,omitempty"`
	SSEKMSKeyID          string `json:"SSEKMSKeyId,omitempty"`
	BucketKeyEnabled     bool   `json:"BucketKeyEnabled"`
	SSECustomerAlgorithm string `json:"SSECustomerAlgorithm,omitempty"`
	SSECustomerKeyMD5    string `json:"SSECustomerKeyMD5,omitempty"`
}

func objectEncryptionOf(e actions.ObjectEncryption) objectEncryptionJSON {
	out := objectEncryptionJSON{ServerSideEncryption: e.SSE, SSEKMSKeyID: e.KMSKeyARN, BucketKeyEnabled: e.BucketKey,
		SSECustomerKeyMD5: e.SSECKeyMD5}
	if e.SSECKeyMD5 != "" {
		out.SSECustomerAlgorithm = "AES256"
	}
	return out
}

// clientSideJSON is the client-side layer of put and get.
type clientSideJSON struct {
	Format            int               `json:"Format"`
	KMSKeyArn         string            `json:"KMSKeyArn,omitempty"`
	EncryptionContext map[string]string `json:"EncryptionContext"`
	CiphertextSize    int64             `json:"CiphertextSize"`
	Decrypted         bool              `json:"Decrypted"`
	Range             string            `json:"Range,omitempty"`
	Unauthenticated   bool              `json:"Unauthenticated,omitempty"`
	WrapAlgorithm     string            `json:"WrapAlgorithm,omitempty"`
}

func clientSideOf(c *actions.ClientSideResult) *clientSideJSON {
	if c == nil {
		return nil
	}
	return &clientSideJSON{Format: c.Format, KMSKeyArn: c.KMSKeyARN, EncryptionContext: c.Context,
		CiphertextSize: c.CiphertextSize, Decrypted: c.Decrypted, Range: c.Range, Unauthenticated: c.Unauthenticated, WrapAlgorithm: c.WrapAlg}
}

// putJSON is put's output: PutObject's response (ETag, VersionId, Size,
// the encryption fields), the object, and what s3crypt measured.
type putJSON struct {
	Bucket    string `json:"Bucket"`
	Key       string `json:"Key"`
	VersionID string `json:"VersionId,omitempty"`
	ETag      string `json:"ETag"`
	Size      int64  `json:"Size"`
	objectEncryptionJSON
	EncryptionMode  string          `json:"EncryptionMode"`
	PartsCount      int             `json:"PartsCount,omitempty"`
	DurationSeconds float64         `json:"DurationSeconds"`
	KMSRequestCount *int            `json:"KMSRequestCount"`
	ClientSide      *clientSideJSON `json:"ClientSide,omitempty"`
	// EncryptionUnknown: nothing reported how the object is encrypted.
	EncryptionUnknown bool `json:"EncryptionUnknown,omitempty"`
	// Ignored lists what was asked for that S3's answer does not show.
	Ignored []string `json:"Ignored,omitempty"`
	Notes   []string `json:"Notes,omitempty"`
}

// getJSON is get's output: GetObject's VersionId and encryption fields,
// the bytes written to OutputFile, and what s3crypt measured.
type getJSON struct {
	Bucket     string `json:"Bucket"`
	Key        string `json:"Key"`
	OutputFile string `json:"OutputFile"`
	VersionID  string `json:"VersionId,omitempty"`
	Size       int64  `json:"Size"`
	objectEncryptionJSON
	EncryptionMode  string          `json:"EncryptionMode"`
	DurationSeconds float64         `json:"DurationSeconds"`
	KMSRequestCount *int            `json:"KMSRequestCount"`
	ClientSide      *clientSideJSON `json:"ClientSide,omitempty"`
}

// deleteObjectJSON is rm's output: DeleteObject's response and the object.
type deleteObjectJSON struct {
	Bucket       string `json:"Bucket"`
	Key          string `json:"Key"`
	VersionID    string `json:"VersionId,omitempty"`
	DeleteMarker bool   `json:"DeleteMarker"`
}

// objectJSON is one object of ls: ListObjectsV2's Contents entry, the
// encryption its HeadObject reported, and s3crypt's reading of it.
type objectJSON struct {
	Key          string    `json:"Key"`
	LastModified time.Time `json:"LastModified"`
	ETag         string    `json:"ETag"`
	Size         int64     `json:"Size"`
	StorageClass string    `json:"StorageClass,omitempty"`
	objectEncryptionJSON
	KMSKeyAlias            string `json:"KMSKeyAlias,omitempty"`
	ClientSideFormat       int    `json:"ClientSideFormat,omitempty"`
	ClientSideLegacy       string `json:"ClientSideLegacy,omitempty"`
	ClientSideInstruction  bool   `json:"ClientSideInstructionFile,omitempty"`
	ClientSideWrapAlg      string `json:"ClientSideWrapAlgorithm,omitempty"`
	SSECustomerKeyRequired bool   `json:"SSECustomerKeyRequired,omitempty"`
	HeadError              string `json:"HeadError,omitempty"`
	Label                  string `json:"Label"`
}

type prefixJSON struct {
	Prefix string `json:"Prefix"`
}

// listObjectsJSON is ls s3://B/P's output, a ListObjectsV2 response (Name
// is the bucket) over every page.
type listObjectsJSON struct {
	Name           string       `json:"Name"`
	Prefix         string       `json:"Prefix"`
	Delimiter      string       `json:"Delimiter,omitempty"`
	CommonPrefixes []prefixJSON `json:"CommonPrefixes"`
	Contents       []objectJSON `json:"Contents"`
	Pages          int          `json:"Pages"`
	// NextContinuationToken is list-objects-v2's, when a page limit
	// stopped the listing early.
	NextContinuationToken string   `json:"NextContinuationToken,omitempty"`
	Notes                 []string `json:"Notes,omitempty"`
}

func listObjectsOf(r actions.ListObjectsResult) listObjectsJSON {
	out := listObjectsJSON{Name: r.Bucket, Prefix: r.Prefix, Delimiter: r.Delimiter, Pages: r.Pages, Notes: r.Notes, NextContinuationToken: r.Next,
		CommonPrefixes: make([]prefixJSON, 0, len(r.Prefixes)), Contents: make([]objectJSON, 0, len(r.Objects))}
	for _, p := range r.Prefixes {
		out.CommonPrefixes = append(out.CommonPrefixes, prefixJSON{Prefix: p})
	}
	for _, o := range r.Objects {
		out.Contents = append(out.Contents, objectJSON{Key: o.Key, LastModified: o.LastModified, ETag: o.ETag, Size: o.Size,
			StorageClass: o.StorageClass, objectEncryptionJSON: objectEncryptionOf(o.Encryption), KMSKeyAlias: o.KMSAlias,
			ClientSideFormat: o.ClientSide, ClientSideLegacy: o.ClientSideLegacy, ClientSideInstruction: o.ClientSideInstruction, ClientSideWrapAlg: o.ClientSideWrap, SSECustomerKeyRequired: o.SSECKeyRequired, HeadError: o.HeadError, Label: o.Label})
	}
	return out
}

// kmsKeyJSON is what KMS says about the key protecting an object:
// KeyMetadata's fields, its aliases, or why KMS could not be asked.
type kmsKeyJSON struct {
	KeyID       string      `json:"KeyId"`
	Arn         string      `json:"Arn"`
	Aliases     []aliasJSON `json:"Aliases,omitempty"`
	KeyManager  string      `json:"KeyManager,omitempty"`
	KeyState    string      `json:"KeyState,omitempty"`
	KeySpec     string      `json:"KeySpec,omitempty"`
	Description string      `json:"Description,omitempty"`
	Error       string      `json:"Error,omitempty"`
}

// clientSideEnvelopeJSON is the S3 Encryption Client envelope in an
// object's metadata (x-amz-wrap-alg, x-amz-cek-alg, x-amz-matdesc …).
type clientSideEnvelopeJSON struct {
	Format                     int               `json:"Format"`
	Description                string            `json:"Description"`
	Legacy                     string            `json:"Legacy,omitempty"`
	WrapAlgorithm              string            `json:"WrapAlgorithm,omitempty"`
	ContentEncryptionAlgorithm string            `json:"ContentEncryptionAlgorithm,omitempty"`
	WrappedKeyBytes            int               `json:"WrappedKeyBytes,omitempty"`
	MaterialDescription        map[string]string `json:"MaterialDescription,omitempty"`
	Error                      string            `json:"Error,omitempty"`
	InstructionFile            string            `json:"InstructionFile,omitempty"`
}

// atRestJSON is the sandbox's view of what lies on disk.
type atRestJSON struct {
	Bucket                string            `json:"Bucket"`
	Key                   string            `json:"Key"`
	VersionID             string            `json:"VersionId"`
	Mode                  string            `json:"Mode"` // the sandbox's: AES256, aws:kms, aws:kms:dsse or SSE-C
	KMSKeyArn             string            `json:"KMSKeyArn,omitempty"`
	BucketKeyEnabled      bool              `json:"BucketKeyEnabled"`
	Size                  int64             `json:"Size"`
	StoredSize            int64             `json:"StoredSize"`
	Format                string            `json:"Format"`
	PackageSize           int               `json:"PackageSize"`
	Layers                []atRestLayerJSON `json:"Layers"`
	SSECustomerKeyMD5     string            `json:"SSECustomerKeyMD5,omitempty"`
	SSECustomerKeySalt    string            `json:"SSECustomerKeySalt,omitempty"`
	SSECustomerKeyHMAC    string            `json:"SSECustomerKeyHMAC,omitempty"`
	Parts                 []atRestPartJSON  `json:"Parts"`
	UserEncryptionContext map[string]string `json:"UserEncryptionContext,omitempty"`
	PlaintextKey          string            `json:"PlaintextKey"`
}

type atRestLayerJSON struct {
	Wrapping           string            `json:"Wrapping"`
	WrappedKeyBytes    int               `json:"WrappedKeyBytes"`
	WrappedKeyHex      string            `json:"WrappedKeyHex"`
	KMSKeyArn          string            `json:"KMSKeyArn,omitempty"`
	EncryptionContext  map[string]string `json:"EncryptionContext,omitempty"`
	BucketKeyBlobBytes int               `json:"BucketKeyBlobBytes,omitempty"`
}

type atRestPartJSON struct {
	PartNumber     int    `json:"PartNumber"`
	Path           string `json:"Path"`
	Size           int64  `json:"Size"`
	StoredSize     int64  `json:"StoredSize"`
	Packages       int64  `json:"Packages"`
	FirstBytesHex  string `json:"FirstBytesHex"`
	StreamNonceHex string `json:"StreamNonceHex"`
}

// headJSON is head's output: head-object's fields (the checksums one per
// field, as S3 names them), what KMS says of the key, the client-side
// envelope, and on the sandbox the at-rest view.
type headJSON struct {
	Bucket            string            `json:"Bucket"`
	Key               string            `json:"Key"`
	VersionID         string            `json:"VersionId,omitempty"`
	ContentLength     int64             `json:"ContentLength"`
	ETag              string            `json:"ETag"`
	LastModified      time.Time         `json:"LastModified"`
	ContentType       string            `json:"ContentType,omitempty"`
	PartsCount        int               `json:"PartsCount,omitempty"`
	ChecksumCRC32     string            `json:"ChecksumCRC32,omitempty"`
	ChecksumCRC32C    string            `json:"ChecksumCRC32C,omitempty"`
	ChecksumCRC64NVME string            `json:"ChecksumCRC64NVME,omitempty"`
	ChecksumSHA1      string            `json:"ChecksumSHA1,omitempty"`
	ChecksumSHA256    string            `json:"ChecksumSHA256,omitempty"`
	OtherChecksums    map[string]string `json:"OtherChecksums,omitempty"` // any algorithm not above
	ChecksumType      string            `json:"ChecksumType,omitempty"`
	objectEncryptionJSON
	EncryptionMode string                  `json:"EncryptionMode"`
	KMSKey         *kmsKeyJSON             `json:"KMSKey,omitempty"`
	ClientSide     *clientSideEnvelopeJSON `json:"ClientSide,omitempty"`
	Metadata       map[string]string       `json:"Metadata,omitempty"`
	AtRest         *atRestJSON             `json:"AtRest,omitempty"`
	AtRestError    string                  `json:"AtRestError,omitempty"`
	// SSECustomerKeyRequired: the object is SSE-C and the HEAD carried no
	// key (with head's key-optional reading).
	SSECustomerKeyRequired bool     `json:"SSECustomerKeyRequired,omitempty"`
	Notes                  []string `json:"Notes,omitempty"`
}

func headOf(r actions.HeadResult) headJSON {
	out := headJSON{Bucket: r.Bucket, Key: r.Key, VersionID: r.VersionID, ContentLength: r.Size, ETag: r.ETag,
		LastModified: r.LastModified, ContentType: r.ContentType, PartsCount: r.Parts, ChecksumType: r.ChecksumType,
		objectEncryptionJSON: objectEncryptionOf(r.Encryption), EncryptionMode: r.Mode, Metadata: r.Metadata, Notes: r.Notes,
		AtRestError: r.AtRestError, SSECustomerKeyRequired: r.SSECKeyRequired}
	algs := make([]string, 0, len(r.Checksums))
	for alg := range r.Checksums {
		algs = append(algs, alg)
	}
	sort.Strings(algs)
	for _, alg := range algs {
		v := r.Checksums[alg]
		switch alg {
		case "CRC32":
			out.ChecksumCRC32 = v
		case "CRC32C":
			out.ChecksumCRC32C = v
		case "CRC64NVME":
			out.ChecksumCRC64NVME = v
		case "SHA1":
			out.ChecksumSHA1 = v
		case "SHA256":
			out.ChecksumSHA256 = v
		default:
			if out.OtherChecksums == nil {
				out.OtherChecksums = map[string]string{}
			}
			out.OtherChecksums["Checksum"+alg] = v
		}
	}
	if k := r.KMS; k != nil {
		out.KMSKey = &kmsKeyJSON{KeyID: k.KeyID, Arn: k.ARN, KeyManager: k.Manager, KeyState: k.State, KeySpec: k.Spec,
			Description: k.Description, Error: k.Error}
		if len(k.Aliases) > 0 {
			out.KMSKey.Aliases = aliasesOf(k.Aliases)
		}
	}
	if c := r.ClientSide; c != nil {
		out.ClientSide = &clientSideEnvelopeJSON{Format: c.Format, Description: c.Description, Legacy: c.Legacy, WrapAlgorithm: c.WrapAlg, ContentEncryptionAlgorithm: c.CEKAlg,
			WrappedKeyBytes: c.WrappedKey, MaterialDescription: c.Context, Error: c.Error, InstructionFile: c.InstructionFile}
	}
	if a := r.AtRest; a != nil {
		at := &atRestJSON{Bucket: a.Bucket, Key: a.Key, VersionID: a.VersionID, Mode: a.Mode, KMSKeyArn: a.KMSKeyARN,
			BucketKeyEnabled: a.BucketKey, Size: a.Size, StoredSize: a.StoredSize, Format: a.Format, PackageSize: a.PackageSize,
			SSECustomerKeyMD5: a.SSECKeyMD5, SSECustomerKeySalt: a.SSECSalt, SSECustomerKeyHMAC: a.SSECHMAC,
			UserEncryptionContext: a.UserContext, PlaintextKey: a.PlaintextKey,
			Layers: make([]atRestLayerJSON, 0, len(a.Layers)), Parts: make([]atRestPartJSON, 0, len(a.Parts))}
		for _, l := range a.Layers {
			at.Layers = append(at.Layers, atRestLayerJSON{Wrapping: l.Wrapping, WrappedKeyBytes: l.WrappedKeyBytes,
				WrappedKeyHex: l.WrappedKeyHex, KMSKeyArn: l.KMSKeyARN, EncryptionContext: l.Context, BucketKeyBlobBytes: l.BucketKeyBlobSize})
		}
		for _, p := range a.Parts {
			at.Parts = append(at.Parts, atRestPartJSON{PartNumber: p.Number, Path: p.Path, Size: p.Size, StoredSize: p.StoredSize,
				Packages: p.Packages, FirstBytesHex: p.FirstBytes, StreamNonceHex: p.StreamNonce})
		}
		out.AtRest = at
	}
	return out
}
