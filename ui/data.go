package ui

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"time"

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
	// HeadObjects reads keys' encryption; listed are other keys of their
	// listing (an object whose KEY.instruction is listed is read through
	// it, as ls does).
	HeadObjects(ctx context.Context, bucket string, keys, listed []string) ([]ObjectEnc, error)
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
	Policy  BucketPolicy
}

// BucketPolicy is a bucket's policy as the Buckets view shows it.
type BucketPolicy struct {
	Summary    string   // what it enforces in one line ("" = no policy)
	Statements []string // one line each
	Err        string   // why it could not be read
}

// ObjectEnc is how one object is encrypted, as HEAD tells.
type ObjectEnc struct {
	Known      bool
	Mode       string // SSE-S3, SSE-KMS, DSSE-KMS, SSE-C, none
	KMSKey     string
	BucketKey  bool
	SSECKeyMD5 string
	// Client is the S3 Encryption Client format's label ("S3EC V3", "S3EC
	// V2 legacy CBC") of a client-side object, "" for others; the rest
	// say which format, its legacy part, how the data key is wrapped
	// ("" unknown) and whether the envelope is in KEY.instruction.
	Client            string
	ClientFormat      int
	ClientLegacy      string
	ClientWrap        string
	ClientInstruction bool
	Err               string
}

// ObjectRow is one object or folder in a listing.
type ObjectRow struct {
	Key      string // the full key (folders end in /)
	Folder   bool
	Size     int64
	Modified time.Time
	Enc      ObjectEnc
	// Version is set on a version row under an expanded object (V).
	Version *VersionInfo
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

// sdkData implements Data with the actions the CLI runs too (kms
// list-keys, ls, head): it only turns their results into rows. They run
// through actions.RunRead, which does not wait for the sandbox's trace.
type sdkData struct{ env *actions.Env }

// NewData returns the Data of backend b.
func NewData(b *awsclient.Backend) Data { return sdkData{env: &actions.Env{Backend: b}} }

// runRead runs a read-only action and returns its typed result.
func runRead[T any](ctx context.Context, d sdkData, a actions.Action) (T, error) {
	var zero T
	res, err := actions.RunRead(ctx, d.env, a, nil)
	if err != nil {
		return zero, err
	}
	out, ok := res.(T)
	if !ok {
		return zero, fmt.Errorf("%s: unexpected result %T", a.Describe(), res)
	}
	return out, nil
}

// Identity says who the requests are signed as.
func (d sdkData) Identity(ctx context.Context) (string, error) {
	id, err := runRead[actions.IdentityResult](ctx, d, &actions.WhoAmI{})
	if err != nil {
		return "", err
	}
	return id.Summary(), nil
}

// ListKeys lists the keys with their aliases and metadata.
func (d sdkData) ListKeys(ctx context.Context) ([]KeyRow, error) {
	res, err := runRead[actions.ListKeysResult](ctx, d, &actions.ListKeys{})
	if err != nil {
		return nil, err
	}
	rows := make([]KeyRow, 0, len(res.Keys)+1)
	for _, k := range res.Keys {
		rows = append(rows, keyRowOf(k))
	}
	sort.SliceStable(rows, func(i, j int) bool {
		if rows[i].Manager != rows[j].Manager {
			return rows[i].Manager > rows[j].Manager // CUSTOMER before AWS
		}
		return rows[i].Name() < rows[j].Name()
	})
	if res.AWSOwnedKey != "" {
		rows = append(rows, ownedKeyRow())
	}
	return rows, nil
}

// keyRowOf is a listed key as the Keys view shows it.
func keyRowOf(k actions.KeyInfo) KeyRow {
	row := KeyRow{ID: k.KeyID, ARN: k.ARN, Aliases: k.Aliases, Spec: k.KeySpec, Usage: k.KeyUsage, State: k.KeyState,
		Manager: k.KeyManager, Description: k.Description, Created: k.CreationDate, Rotation: "—"}
	if k.DeletionDate != nil {
		row.DeletionDate = *k.DeletionDate
	}
	switch k.Rotation {
	case actions.RotationEnabled:
		row.Rotation = "on"
	case actions.RotationDisabled:
		row.Rotation = "off"
	}
	return row
}

// ownedKeyRow is the AWS owned key S3 wraps SSE-S3 data keys with: KMS
// never lists it, the sandbox shows it as what it is.
func ownedKeyRow() KeyRow {
	return KeyRow{ID: "(S3 root key)", Aliases: []string{"AWS owned key (SSE-S3)"}, Spec: "SYMMETRIC_DEFAULT",
		Usage: "ENCRYPT_DECRYPT", State: "In use by S3", Manager: "AWS owned", Rotation: "—", Owned: true,
		Description: "S3's own root key: it wraps every SSE-S3 data key. KMS never lists it and you cannot use it; no KMS call is made for it."}
}

// ListBuckets lists the buckets and reads each one's default encryption.
func (d sdkData) ListBuckets(ctx context.Context) ([]BucketRow, error) {
	res, err := runRead[actions.ListBucketsResult](ctx, d, &actions.ListBuckets{})
	if err != nil {
		return nil, err
	}
	rows := make([]BucketRow, len(res.Buckets))
	for i, b := range res.Buckets {
		rows[i] = BucketRow{Name: b.Name, Created: b.Created, Enc: BucketEncryption{Loaded: true, Err: b.EncryptionError}}
		if e := b.Encryption; e != nil {
			rows[i].Enc.SSE, rows[i].Enc.KMSKey, rows[i].Enc.BucketKey, rows[i].Enc.SSECBlocked = e.SSEAlgorithm, e.KMSKeyID, e.BucketKey, e.SSECBlocked()
		}
	}
	names := make([]string, len(rows))
	for i, r := range rows {
		names[i] = r.Name
	}
	if pol, err := runRead[actions.BucketPoliciesResult](ctx, d, &actions.ReadBucketPolicies{Buckets: names}); err == nil {
		for i, p := range pol.Policies {
			rows[i].Policy = BucketPolicy{Summary: p.Summary, Statements: p.Statements, Err: p.Error}
		}
	}
	sort.Slice(rows, func(i, j int) bool { return rows[i].Name < rows[j].Name })
	return rows, nil
}

// ListObjects lists one page of bucket under prefix, folders first; the
// objects' encryption is read later (HeadObjects) for the rows shown.
func (d sdkData) ListObjects(ctx context.Context, bucket, prefix, token string, max int) (ObjectPage, error) {
	res, err := runRead[actions.ListObjectsResult](ctx, d, &actions.ListObjects{Bucket: bucket, Prefix: prefix, Delimiter: "/",
		Token: token, MaxKeys: max, Pages: 1, NoHeads: true})
	if err != nil {
		return ObjectPage{}, err
	}
	page := ObjectPage{Bucket: bucket, Prefix: prefix, Next: res.Next}
	for _, p := range res.Prefixes {
		page.Rows = append(page.Rows, ObjectRow{Key: p, Folder: true})
	}
	for _, o := range res.Objects {
		page.Rows = append(page.Rows, ObjectRow{Key: o.Key, Size: o.Size, Modified: o.LastModified})
	}
	return page, nil
}

// HeadObjects reads the encryption of each key, a few at a time.
func (d sdkData) HeadObjects(ctx context.Context, bucket string, keys, listed []string) ([]ObjectEnc, error) {
	entries, err := runRead[[]actions.ObjectEntry](ctx, d, &actions.HeadObjects{Bucket: bucket, Keys: keys, Listed: listed, Concurrency: 8})
	if err != nil {
		return nil, err
	}
	out := make([]ObjectEnc, len(entries))
	for i, e := range entries {
		out[i] = objectEncOf(e)
	}
	return out, nil
}

// objectEncOf is a HEADed entry's encryption as the views show it.
func objectEncOf(e actions.ObjectEntry) ObjectEnc {
	switch {
	case e.HeadError != "":
		return ObjectEnc{Known: true, Mode: "?", Err: e.HeadError}
	case e.SSECKeyRequired:
		return ObjectEnc{Known: true, Mode: "SSE-C", SSECKeyMD5: e.Encryption.SSECKeyMD5}
	}
	enc := e.Encryption
	o := ObjectEnc{Known: true, Mode: enc.Mode(), KMSKey: enc.KMSKeyARN, BucketKey: enc.BucketKey, SSECKeyMD5: enc.SSECKeyMD5}
	o.setClient(e.ClientSide, e.ClientSideLegacy, e.ClientSideWrap, e.ClientSideInstruction)
	return o
}

// setClient records an S3 Encryption Client format (0: none).
func (o *ObjectEnc) setClient(format int, legacy, wrap string, instruction bool) {
	if format == 0 {
		return
	}
	o.Client, o.ClientFormat, o.ClientLegacy = actions.ClientSideLabel(format, legacy), format, legacy
	o.ClientWrap, o.ClientInstruction = wrap, instruction
}

// Inspect reads an object's encryption and, on the sandbox, its at-rest
// view: `s3crypt head`, told that an SSE-C object has no key here.
func (d sdkData) Inspect(ctx context.Context, bucket, key string) (Inspection, error) {
	h, err := runRead[actions.HeadResult](ctx, d, &actions.Head{Bucket: bucket, Key: key, KeyOptional: true})
	if err != nil {
		if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
			return Inspection{}, err
		}
		return Inspection{Bucket: bucket, Key: key, Enc: ObjectEnc{Known: true, Mode: "?", Err: shortError(err)}}, nil
	}
	in := Inspection{Bucket: bucket, Key: key, Size: h.Size, ETag: h.ETag, VersionID: h.VersionID, Metadata: h.Metadata,
		AtRest: h.AtRest, AtRestErr: h.AtRestError}
	enc := h.Encryption
	in.Enc = ObjectEnc{Known: true, Mode: h.Mode, KMSKey: enc.KMSKeyARN, BucketKey: enc.BucketKey, SSECKeyMD5: enc.SSECKeyMD5}
	if cs := h.ClientSide; cs != nil {
		in.Enc.setClient(cs.Format, cs.Legacy, cs.WrapAlg, cs.InstructionFile != "")
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
