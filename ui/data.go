package ui

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	kmstypes "github.com/aws/aws-sdk-go-v2/service/kms/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/s3crypt/s3crypt/actions"
	"github.com/s3crypt/s3crypt/awsclient"
	"github.com/s3crypt/s3crypt/keyflow"
)

// Data is what the views read: listings and lookups that return quickly
// and change nothing. Changes go through the worker as actions. Every
// method runs inside a tea.Cmd, never in Update or View.
type Data interface {
	Identity(ctx context.Context) (string, error)
	ListKeys(ctx context.Context) ([]KeyRow, error)
	ListBuckets(ctx context.Context) ([]BucketRow, error)
	ListObjects(ctx context.Context, bucket, prefix, token string, max int) (ObjectPage, error)
	HeadObjects(ctx context.Context, bucket string, keys []string) ([]ObjectEnc, error)
	Inspect(ctx context.Context, bucket, key string) (Inspection, error)
}

// KeyRow is one KMS key as the Keys view lists it.
type KeyRow struct {
	ID, ARN                     string
	Aliases                     []string
	Spec, Usage, State, Manager string
	Rotation                    string // "on", "off" or "—"
	Description                 string
	Created, DeletionDate       time.Time
	Owned                       bool // the AWS owned key S3 uses for SSE-S3 (sandbox only)
}

// Name is the key's first alias, or its id.
func (k KeyRow) Name() string {
	if len(k.Aliases) > 0 {
		return k.Aliases[0]
	}
	return k.ID
}

// Symmetric reports whether the key can make data keys.
func (k KeyRow) Symmetric() bool { return k.Spec == "SYMMETRIC_DEFAULT" }

// BucketEncryption is a bucket's default encryption settings.
type BucketEncryption struct {
	Loaded      bool
	SSE         string // AES256, aws:kms, aws:kms:dsse
	KMSKey      string
	BucketKey   bool
	SSECBlocked bool
	Err         string // why it could not be read
}

// BucketRow is one bucket as the Buckets view lists it.
type BucketRow struct {
	Name    string
	Created time.Time
	Enc     BucketEncryption
}

// ObjectEnc is how one object is encrypted, as HEAD tells.
type ObjectEnc struct {
	Known      bool
	Mode       string // SSE-S3, SSE-KMS, DSSE-KMS, SSE-C, none
	KMSKey     string
	BucketKey  bool
	SSECKeyMD5 string
	Client     string // "v2", "v3" for client-side encrypted objects
	Err        string
}

// ObjectRow is one object or folder in a listing.
type ObjectRow struct {
	Key      string // the full key (folders end in /)
	Folder   bool
	Size     int64
	Modified time.Time
	Enc      ObjectEnc
}

// ObjectPage is one page of a listing.
type ObjectPage struct {
	Bucket, Prefix string
	Rows           []ObjectRow
	Next           string // continuation token; "" on the last page
}

// Inspection is everything known about one object's encryption.
type Inspection struct {
	Bucket, Key string
	Enc         ObjectEnc
	Size        int64
	ETag        string
	VersionID   string
	Metadata    map[string]string
	AtRest      *keyflow.AtRest // sandbox only
	AtRestErr   string
}

// sdkData implements Data with the backend's SDK clients.
type sdkData struct{ b *awsclient.Backend }

// NewData returns the Data of backend b.
func NewData(b *awsclient.Backend) Data { return sdkData{b: b} }

// Identity says who the requests are signed as.
func (d sdkData) Identity(ctx context.Context) (string, error) {
	if d.b.Sandbox != nil {
		return "sandbox account 000000000000 · access key " + d.b.Sandbox.Credentials().AccessKeyID, nil
	}
	out, err := sts.NewFromConfig(d.b.Config).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		return "", fmt.Errorf("get caller identity: %w", err)
	}
	return aws.ToString(out.Arn), nil
}

// ListKeys lists the keys with their aliases and metadata.
func (d sdkData) ListKeys(ctx context.Context) ([]KeyRow, error) {
	aliases := map[string][]string{}
	ap := kms.NewListAliasesPaginator(d.b.KMS, &kms.ListAliasesInput{})
	for ap.HasMorePages() {
		page, err := ap.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("list aliases: %w", err)
		}
		for _, a := range page.Aliases {
			if a.TargetKeyId != nil {
				aliases[*a.TargetKeyId] = append(aliases[*a.TargetKeyId], aws.ToString(a.AliasName))
			}
		}
	}
	var rows []KeyRow
	kp := kms.NewListKeysPaginator(d.b.KMS, &kms.ListKeysInput{})
	for kp.HasMorePages() {
		page, err := kp.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("list keys: %w", err)
		}
		for _, k := range page.Keys {
			row, err := d.describe(ctx, aws.ToString(k.KeyId))
			if err != nil {
				return nil, err
			}
			row.Aliases = aliases[row.ID]
			sort.Strings(row.Aliases)
			rows = append(rows, row)
		}
	}
	sort.SliceStable(rows, func(i, j int) bool {
		if rows[i].Manager != rows[j].Manager {
			return rows[i].Manager > rows[j].Manager // CUSTOMER before AWS
		}
		return rows[i].Name() < rows[j].Name()
	})
	if d.b.Sandbox != nil {
		rows = append(rows, ownedKeyRow())
	}
	return rows, nil
}

// ownedKeyRow is the AWS owned key S3 wraps SSE-S3 data keys with: KMS
// never lists it, the sandbox shows it as what it is.
func ownedKeyRow() KeyRow {
	return KeyRow{ID: "(S3 root key)", Aliases: []string{"AWS owned key (SSE-S3)"}, Spec: "SYMMETRIC_DEFAULT",
		Usage: "ENCRYPT_DECRYPT", State: "In use by S3", Manager: "AWS owned", Rotation: "—", Owned: true,
		Description: "S3's own root key: it wraps every SSE-S3 data key. KMS never lists it and you cannot use it; no KMS call is made for it."}
}

func (d sdkData) describe(ctx context.Context, id string) (KeyRow, error) {
	out, err := d.b.KMS.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: &id})
	if err != nil {
		return KeyRow{}, fmt.Errorf("describe key %s: %w", id, err)
	}
	m := out.KeyMetadata
	row := KeyRow{ID: aws.ToString(m.KeyId), ARN: aws.ToString(m.Arn), Spec: string(m.KeySpec), Usage: string(m.KeyUsage),
		State: string(m.KeyState), Manager: string(m.KeyManager), Description: aws.ToString(m.Description), Rotation: "—"}
	row.Created = aws.ToTime(m.CreationDate)
	row.DeletionDate = aws.ToTime(m.DeletionDate)
	if m.KeySpec == kmstypes.KeySpecSymmetricDefault && m.KeyState != kmstypes.KeyStatePendingDeletion {
		rot, err := d.b.KMS.GetKeyRotationStatus(ctx, &kms.GetKeyRotationStatusInput{KeyId: &id})
		if err == nil {
			row.Rotation = map[bool]string{true: "on", false: "off"}[rot.KeyRotationEnabled]
		}
	}
	return row, nil
}

// ListBuckets lists the buckets and reads each one's default encryption.
func (d sdkData) ListBuckets(ctx context.Context) ([]BucketRow, error) {
	out, err := d.b.S3.ListBuckets(ctx, &s3.ListBucketsInput{})
	if err != nil {
		return nil, fmt.Errorf("list buckets: %w", err)
	}
	rows := make([]BucketRow, len(out.Buckets))
	var wg sync.WaitGroup
	sem := make(chan struct{}, 8)
	for i, b := range out.Buckets {
		rows[i] = BucketRow{Name: aws.ToString(b.Name), Created: aws.ToTime(b.CreationDate)}
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			rows[i].Enc = d.bucketEncryption(ctx, rows[i].Name)
		}(i)
	}
	wg.Wait()
	sort.Slice(rows, func(i, j int) bool { return rows[i].Name < rows[j].Name })
	return rows, nil
}

func (d sdkData) bucketEncryption(ctx context.Context, bucket string) BucketEncryption {
	out, err := d.b.S3.GetBucketEncryption(ctx, &s3.GetBucketEncryptionInput{Bucket: &bucket})
	if err != nil {
		e := actions.Diagnose("read the default encryption of "+bucket, err, actions.Hint{Bucket: bucket})
		var ae *actions.Error
		if errors.As(e, &ae) && ae.Code == "ServerSideEncryptionConfigurationNotFoundError" {
			return BucketEncryption{Loaded: true}
		}
		return BucketEncryption{Loaded: true, Err: shortError(e)}
	}
	enc := BucketEncryption{Loaded: true}
	if out.ServerSideEncryptionConfiguration == nil {
		return enc
	}
	for _, r := range out.ServerSideEncryptionConfiguration.Rules {
		if def := r.ApplyServerSideEncryptionByDefault; def != nil {
			enc.SSE, enc.KMSKey = string(def.SSEAlgorithm), aws.ToString(def.KMSMasterKeyID)
		}
		enc.BucketKey = enc.BucketKey || aws.ToBool(r.BucketKeyEnabled)
		if r.BlockedEncryptionTypes != nil {
			for _, t := range r.BlockedEncryptionTypes.EncryptionType {
				if t == s3types.EncryptionTypeSseC {
					enc.SSECBlocked = true
				}
			}
		}
	}
	return enc
}

// ListObjects lists one page of bucket under prefix, folders first.
func (d sdkData) ListObjects(ctx context.Context, bucket, prefix, token string, max int) (ObjectPage, error) {
	in := &s3.ListObjectsV2Input{Bucket: &bucket, Delimiter: aws.String("/"), MaxKeys: aws.Int32(int32(max))}
	if prefix != "" {
		in.Prefix = &prefix
	}
	if token != "" {
		in.ContinuationToken = &token
	}
	out, err := d.b.S3.ListObjectsV2(ctx, in)
	if err != nil {
		return ObjectPage{}, actions.Diagnose("list s3://"+bucket+"/"+prefix, err, actions.Hint{Bucket: bucket})
	}
	page := ObjectPage{Bucket: bucket, Prefix: prefix, Next: aws.ToString(out.NextContinuationToken)}
	for _, p := range out.CommonPrefixes {
		page.Rows = append(page.Rows, ObjectRow{Key: aws.ToString(p.Prefix), Folder: true})
	}
	for _, o := range out.Contents {
		page.Rows = append(page.Rows, ObjectRow{Key: aws.ToString(o.Key), Size: aws.ToInt64(o.Size), Modified: aws.ToTime(o.LastModified)})
	}
	if !aws.ToBool(out.IsTruncated) {
		page.Next = ""
	}
	return page, nil
}

// HeadObjects reads the encryption of each key, a few at a time.
func (d sdkData) HeadObjects(ctx context.Context, bucket string, keys []string) ([]ObjectEnc, error) {
	out := make([]ObjectEnc, len(keys))
	var wg sync.WaitGroup
	sem := make(chan struct{}, 8)
	for i, k := range keys {
		wg.Add(1)
		go func(i int, k string) {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			out[i], _ = d.head(ctx, bucket, k)
		}(i, k)
	}
	wg.Wait()
	return out, ctx.Err()
}

func (d sdkData) head(ctx context.Context, bucket, key string) (ObjectEnc, *s3.HeadObjectOutput) {
	h, err := d.b.S3.HeadObject(ctx, &s3.HeadObjectInput{Bucket: &bucket, Key: &key})
	if err != nil {
		var ae *actions.Error
		if errors.As(actions.Diagnose("head", err, actions.Hint{Bucket: bucket, Key: key}), &ae) &&
			strings.Contains(ae.What, "encrypted with SSE-C") {
			return ObjectEnc{Known: true, Mode: "SSE-C"}, nil
		}
		return ObjectEnc{Known: true, Mode: "?", Err: shortError(err)}, nil
	}
	e := actions.ObjectEncryption{SSE: string(h.ServerSideEncryption), KMSKeyARN: aws.ToString(h.SSEKMSKeyId),
		BucketKey: aws.ToBool(h.BucketKeyEnabled), SSECKeyMD5: aws.ToString(h.SSECustomerKeyMD5)}
	enc := ObjectEnc{Known: true, Mode: e.Mode(), KMSKey: e.KMSKeyARN, BucketKey: e.BucketKey, SSECKeyMD5: e.SSECKeyMD5}
	enc.Client = clientSideFormat(h.Metadata)
	return enc, h
}

// clientSideFormat names the S3 Encryption Client format the metadata
// carries ("" when none).
func clientSideFormat(meta map[string]string) string {
	for k := range meta {
		switch strings.TrimPrefix(strings.ToLower(k), "x-amz-meta-") {
		case "x-amz-key-v2":
			return "v2"
		case "x-amz-3":
			return "v3"
		case "x-amz-key":
			return "v1"
		}
	}
	return ""
}

// Inspect reads an object's encryption and, on the sandbox, its at-rest view.
func (d sdkData) Inspect(ctx context.Context, bucket, key string) (Inspection, error) {
	enc, h := d.head(ctx, bucket, key)
	in := Inspection{Bucket: bucket, Key: key, Enc: enc}
	if h != nil {
		in.Size, in.ETag, in.VersionID, in.Metadata = aws.ToInt64(h.ContentLength), aws.ToString(h.ETag), aws.ToString(h.VersionId), h.Metadata
	}
	if d.b.Sandbox != nil {
		ar, err := d.b.Sandbox.Inspect(ctx, bucket, key, "")
		if err != nil {
			in.AtRestErr = shortError(err)
		} else {
			in.AtRest = &ar
			if in.Size == 0 {
				in.Size = ar.Size
			}
		}
	}
	return in, nil
}

// shortError is err's message, or its What for an explained error.
func shortError(err error) string {
	var ae *actions.Error
	if errors.As(err, &ae) {
		return ae.What
	}
	return err.Error()
}
