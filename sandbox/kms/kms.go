package kms

import (
	"crypto/aes"
	"crypto/cipher"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/s3crypt/s3crypt/keyflow"
	"github.com/s3crypt/s3crypt/sandbox/trace"
)

// CallerS3 is the Call.Caller the sandbox S3 server uses. Only this caller
// may use the AWS managed key aws/s3 cryptographically, as the key policy of
// an AWS managed key allows use only through the owning service.
const CallerS3 = "S3"

// CallerSandbox is the Call.Caller of the sandbox reading its own KMS (its
// key listing for its own views and a lesson's checks): no one's request,
// so nothing is traced.
const CallerSandbox = "sandbox"

// Options configures a KMS.
type Options struct {
	Region    string           // e.g. us-east-1
	AccountID string           // 12 digits
	RootKey   []byte           // 32 bytes; seals key material at rest (AES-256-GCM)
	Trace     *trace.Bus       // may be nil
	Now       func() time.Time // nil = time.Now
	// Principal names the IAM principal of a caller in AccessDenied
	// messages; nil means the account root, arn:aws:iam::<account>:root.
	Principal func(caller string) string
}

// Call identifies who asked and which request a step belongs to, for the
// trace and for the aws/s3 key policy.
type Call struct {
	Caller    string // "S3" for the sandbox S3 server, else the access key id
	RequestID string
	Request   string // the S3 operation S3 called KMS for (GetObject, PutObject, …); "" for a client's own KMS request
	Job       string // the client's keyflow.JobHeader, echoed in trace events
}

// KMS is the sandbox's key management service. It is safe for concurrent use.
type KMS struct {
	db        *bolt.DB
	region    string
	account   string
	partition string
	root      cipher.AEAD
	bus       *trace.Bus
	now       func() time.Time
	principal func(string) string

	mu           sync.Mutex
	nextDeletion time.Time // earliest DeletionDate of a pending key; zero = none
}

var (
	bucketKeys    = []byte("kms-keys")
	bucketAliases = []byte("kms-aliases")
	bucketMeta    = []byte("kms-meta")
	rootCheckName = []byte("root-check")
	rootCheckText = []byte("s3crypt sandbox kms root key check")
)

// New opens the KMS kept in db, creating its buckets on first use. It fails
// if RootKey is not the key that sealed the material already in db.
func New(db *bolt.DB, opts Options) (*KMS, error) {
	if db == nil {
		return nil, errors.New("kms: nil bolt database")
	}
	if opts.Region == "" {
		return nil, errors.New("kms: region is required")
	}
	if !isAccountID(opts.AccountID) {
		return nil, fmt.Errorf("kms: account id %q is not 12 digits", opts.AccountID)
	}
	if len(opts.RootKey) != 32 {
		return nil, fmt.Errorf("kms: root key is %d bytes, want 32", len(opts.RootKey))
	}
	block, err := aes.NewCipher(opts.RootKey)
	if err != nil {
		return nil, fmt.Errorf("kms: root key cipher: %w", err)
	}
	root, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("kms: root key GCM: %w", err)
	}
	k := &KMS{
		db: db, region: opts.Region, account: opts.AccountID,
		partition: partitionOf(opts.Region), root: root, bus: opts.Trace,
		now: opts.Now, principal: opts.Principal,
	}
	if k.now == nil {
		k.now = time.Now
	}
	if err := db.Update(k.initBuckets); err != nil {
		return nil, fmt.Errorf("kms: open store: %w", err)
	}
	if err := k.recomputeNextDeletion(); err != nil {
		return nil, fmt.Errorf("kms: scan keys: %w", err)
	}
	return k, nil
}

// initBuckets creates the buckets and checks (or records) the root key.
func (k *KMS) initBuckets(tx *bolt.Tx) error {
	for _, name := range [][]byte{bucketKeys, bucketAliases, bucketMeta} {
		if _, err := tx.CreateBucketIfNotExists(name); err != nil {
			return fmt.Errorf("create bucket %s: %w", name, err)
		}
	}
	meta := tx.Bucket(bucketMeta)
	if sealed := meta.Get(rootCheckName); sealed != nil {
		if _, err := k.open(sealed, rootCheckName); err != nil {
			return errors.New("root key does not match the one this database was sealed with")
		}
		return nil
	}
	sealed, err := k.seal(rootCheckText, rootCheckName)
	if err != nil {
		return err
	}
	return meta.Put(rootCheckName, sealed)
}

func isAccountID(s string) bool {
	if len(s) != 12 {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

func partitionOf(region string) string {
	switch {
	case strings.HasPrefix(region, "cn-"):
		return "aws-cn"
	case strings.HasPrefix(region, "us-gov-"):
		return "aws-us-gov"
	}
	return "aws"
}

// keyARN returns the ARN of a key id in this region and account.
func (k *KMS) keyARN(id string) string {
	return fmt.Sprintf("arn:%s:kms:%s:%s:key/%s", k.partition, k.region, k.account, id)
}

// aliasARN returns the ARN of an alias name ("alias/…").
func (k *KMS) aliasARN(name string) string {
	return fmt.Sprintf("arn:%s:kms:%s:%s:%s", k.partition, k.region, k.account, name)
}

func (k *KMS) principalOf(caller string) string {
	if k.principal != nil {
		return k.principal(caller)
	}
	return fmt.Sprintf("arn:%s:iam::%s:root", k.partition, k.account)
}

// publish records one KMS step on the trace bus.
func (k *KMS) publish(c Call, op keyflow.Op, arn string, ctx map[string]string, bytes int, detail string, err error) {
	if k.bus == nil || c.Caller == CallerSandbox {
		return
	}
	e := keyflow.Event{
		Actor: keyflow.KMS, Op: op, Caller: c.Caller, RequestID: c.RequestID, Request: c.Request, Job: c.Job,
		KeyARN: arn, Context: copyContext(ctx), Bytes: int64(bytes), Detail: detail,
	}
	if err != nil {
		e.Err = err.Error()
	}
	if c.Caller == CallerS3 && keyflow.IsKMSRequest(e.Actor, op) {
		// S3's requests do not cross the HTTP layer, which counts
		// everyone else's: each is one operation, published once.
		k.bus.CountKMSRequest(c.Caller, op)
	}
	k.bus.Publish(e)
}

func copyContext(ctx map[string]string) map[string]string {
	if len(ctx) == 0 {
		return nil
	}
	out := make(map[string]string, len(ctx))
	for key, v := range ctx {
		out[key] = v
	}
	return out
}

// keyName is how a trace sentence names a key: as the caller gave it when
// that was an alias, else by its ARN.
func keyName(given, arn string) string {
	if strings.HasPrefix(given, "alias/") {
		return given
	}
	if i := strings.Index(given, ":alias/"); i >= 0 {
		return given[i+1:]
	}
	if arn != "" {
		return arn
	}
	return given
}
