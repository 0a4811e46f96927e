// Package modes describes each way an S3 object can be encrypted, once:
// its names, the request headers and command-line flags that ask for it,
// the steps of its key flow on upload and download, the keys its legend
// shows, and the sentences that explain it. The CLI, the upload form, the
// flow panel, the details pane, drawn flows and displayed commands all
// read this table, so adding a mode means adding an entry here, its flow,
// and its support in the sandbox.
package modes

import (
	"slices"
	"sync"

	"github.com/s3crypt/s3crypt/keyflow"
)

// ID names a mode.
type ID string

// The modes S3 has.
const (
	None            ID = "none"
	SSES3           ID = "SSE-S3"
	SSEKMS          ID = "SSE-KMS"
	SSEKMSBucketKey ID = "SSE-KMS+bucket-key"
	DSSEKMS         ID = "DSSE-KMS"
	SSEC            ID = "SSE-C"
	ClientSide      ID = "client-side"
)

// The x-amz-server-side-encryption values.
const (
	APIAES256  = "AES256"
	APIKMS     = "aws:kms"
	APIKMSDSSE = "aws:kms:dsse"
)

// KeySource is what a mode needs from you to encrypt.
type KeySource int

// The key sources.
const (
	KeyNone        KeySource = iota // S3 holds every key (SSE-S3, or nothing)
	KeyKMS                          // a KMS key, the AWS managed aws/s3 one by default
	KeyCustomerKMS                  // a symmetric customer managed KMS key (client-side)
	KeyCustomer                     // your own 256-bit key, sent with every request (SSE-C)
)

// Tone is the colour family a mode is drawn in.
type Tone int

// The tones.
const (
	ToneNone Tone = iota
	ToneS3
	ToneKMS
	ToneDSSE
	ToneCustomer
	ToneClient
)

// Chip is one key (or piece of data) in a flow's legend.
type Chip int

// The chips.
const (
	ChipKMSKey        Chip = iota // the KMS key that wraps the data keys
	ChipS3RootKey                 // the AWS owned key that wraps SSE-S3 data keys
	ChipBucketKey                 // the bucket-level key S3 gets from KMS and reuses
	ChipCustomerKey               // your SSE-C key
	ChipDataKey                   // the plaintext data key (wiped after use)
	ChipSecondDataKey             // DSSE-KMS's second, independent data key
	ChipWrappedKey                // the encrypted data key(s) stored with the object
	ChipCiphertext                // the object's ciphertext
	ChipPlaintextOut              // plaintext delivered to you (downloads)
)

// Step is one expected move of a mode's key flow.
type Step struct {
	Actor, To keyflow.Actor
	Op        keyflow.Op
	// Title is a few words for the step when it is drawn rather than
	// observed; Detail is one sentence saying what happens.
	Title, Detail string
}

// CostSource is where the Cost notes' figures come from, and when they
// were read: KMS keys and requests from the AWS KMS pricing page ($1/month
// per customer managed key, prorated hourly; $0.03 per 10,000 requests
// after 20,000 free a month), bucket keys from the S3 User Guide ("reduce
// AWS KMS request costs by up to 99 percent").
const CostSource = "aws.amazon.com/kms/pricing and the S3 User Guide (bucket-key), read 2026-12-07"

// CostChecked is CostSource in the few words a form has room for.
const CostChecked = "AWS pricing, read 2026-12-07"

// Mode is one way to encrypt an object.
type Mode struct {
	ID ID
	// Name is the display name ("SSE-KMS + bucket key"); Short fits a
	// column ("SSE-KMS").
	Name, Short string
	// API is the x-amz-server-side-encryption value that asks for it and
	// that S3 reports for it ("" when none does: SSE-C, client-side, none).
	API string
	// BucketKey: the mode uses an S3 bucket key.
	BucketKey bool
	// Key is what the mode needs from you.
	Key KeySource
	// Offered: you can ask for it on upload (none cannot be asked for).
	Offered bool
	// Headers are the request headers that ask for it on upload.
	Headers []string
	// AWSFlags are the aws s3api put-object options that ask for it;
	// CLIFlags are s3crypt put's. KEY and FILE stand for your values.
	AWSFlags, CLIFlags string
	// Upload and Download are the expected steps, in order.
	Upload, Download []Step
	// Chips are the legend's keys, in order.
	Chips []Chip
	// Explain says in one line what the mode is; Hint is what the upload
	// form says when it is chosen; Holder says who holds the key;
	// Protects says what it protects against; KMSRequests how many KMS
	// requests a PUT and a GET cost; Cost is a one-line cost note, in the
	// figures of CostSource.
	Explain, Hint, Holder, Protects, KMSRequests, Cost string
	// Tone is the colour family it is drawn in.
	Tone Tone
}

// UsesKMS reports whether the mode's data keys come from KMS.
func (m *Mode) UsesKMS() bool { return m.Key == KeyKMS || m.Key == KeyCustomerKMS }

// ServerSteps are the steps S3 takes on your behalf (and KMS for S3), for
// backends that cannot show them: your own steps, requests and responses
// are left out.
func (m *Mode) ServerSteps(upload bool) []Step {
	steps := m.Download
	if upload {
		steps = m.Upload
	}
	var out []Step
	for _, s := range steps {
		if s.Op == keyflow.OpRequest || s.Op == keyflow.OpResponse {
			continue
		}
		if s.Actor == keyflow.S3 || s.Actor == keyflow.KMS && s.To == keyflow.S3 {
			out = append(out, s)
		}
	}
	return out
}

var (
	mu    sync.RWMutex
	table = builtin()
)

// All returns every mode, in display order.
func All() []*Mode { return slices.Clone(snapshot()) }

// snapshot is the table as it is now. Register replaces the slice rather
// than changing it, so a snapshot can be read without a copy or a lock.
func snapshot() []*Mode {
	mu.RLock()
	defer mu.RUnlock()
	return table
}

// Offered returns the modes you can ask for on upload, in display order.
func Offered() []*Mode {
	var out []*Mode
	for _, m := range snapshot() {
		if m.Offered {
			out = append(out, m)
		}
	}
	return out
}

// Get returns the mode id names, or nil.
func Get(id ID) *Mode {
	for _, m := range snapshot() {
		if m.ID == id {
			return m
		}
	}
	return nil
}

// APIValues returns the distinct x-amz-server-side-encryption values of
// the offered modes, in display order.
func APIValues() []string {
	var out []string
	for _, m := range Offered() {
		if m.API != "" && !slices.Contains(out, m.API) {
			out = append(out, m.API)
		}
	}
	return out
}

// ByAPI returns the mode S3 reports with this x-amz-server-side-encryption
// value and bucket-key flag: "" is none; an unknown value is nil.
func ByAPI(api string, bucketKey bool) *Mode {
	if api == "" {
		return Get(None)
	}
	return pick(func(m *Mode) bool { return m.API == api }, bucketKey)
}

// ByShort returns the mode with this short name ("SSE-KMS") and bucket-key
// flag, or nil.
func ByShort(short string, bucketKey bool) *Mode {
	return pick(func(m *Mode) bool { return m.Short == short }, bucketKey)
}

// pick returns the mode that matches with this bucket-key flag, else the
// first that matches (a bucket key asked of a mode without one), else nil.
func pick(match func(*Mode) bool, bucketKey bool) *Mode {
	var first *Mode
	for _, m := range snapshot() {
		if !match(m) {
			continue
		}
		if m.BucketKey == bucketKey {
			return m
		}
		if first == nil {
			first = m
		}
	}
	return first
}

// Of names the mode of an object as S3 reports it: its SSE value, bucket
// key flag and SSE-C key MD5, and whether it carries a client-side envelope.
func Of(api string, bucketKey bool, ssecKeyMD5 string, clientSide bool) *Mode {
	switch {
	case clientSide:
		return Get(ClientSide)
	case ssecKeyMD5 != "":
		return Get(SSEC)
	}
	return ByAPI(api, bucketKey)
}

// Register adds m to the table (after the built-in modes) and returns a
// function that removes it again. It is how an extension (or a test) adds
// a mode; the built-in modes are registered at start.
func Register(m Mode) (unregister func()) {
	mu.Lock()
	defer mu.Unlock()
	p := &m
	table = append(slices.Clone(table), p)
	return func() {
		mu.Lock()
		defer mu.Unlock()
		table = slices.DeleteFunc(slices.Clone(table), func(x *Mode) bool { return x == p })
	}
}
