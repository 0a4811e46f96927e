// Package keyflow is the vocabulary of the envelope key flow, shared by the
// sandbox region that performs it, the action core that reports it and the
// screen that draws it: who acts (you, S3, KMS), which operation, the trace
// event a local region publishes for each step, and the description of what
// lies at rest for one object. It depends on nothing of s3crypt's, so the
// server and the screen depend on this vocabulary, not on each other.
//
// Nothing here ever carries key material: only key ids, ARNs, encryption
// contexts, sizes and fingerprints that cannot be turned back into a key.
package keyflow

import (
	"context"
	"time"
)

// Actor is a party of the envelope flow.
type Actor string

// The parties.
const (
	You Actor = "you"
	S3  Actor = "S3"
	KMS Actor = "KMS"
)

// Op names one kind of step.
type Op string

// KMS API operations, as KMS names them.
const (
	OpCreateKey                       Op = "CreateKey"
	OpGenerateDataKey                 Op = "GenerateDataKey"
	OpGenerateDataKeyWithoutPlaintext Op = "GenerateDataKeyWithoutPlaintext"
	OpEncrypt                         Op = "Encrypt"
	OpDecrypt                         Op = "Decrypt"
	OpReEncrypt                       Op = "ReEncrypt"
	OpEnableKey                       Op = "EnableKey"
	OpDisableKey                      Op = "DisableKey"
	OpScheduleKeyDeletion             Op = "ScheduleKeyDeletion"
	OpCancelKeyDeletion               Op = "CancelKeyDeletion"
	OpManagedKeyCreated               Op = "ManagedKeyCreated" // aws/s3 created on first use (not a request)
)

// Steps S3 performs on its side.
const (
	OpDataKeyGenerated Op = "DataKeyGenerated" // S3 made a data key itself (SSE-S3, bucket key, SSE-C)
	OpDataKeyWrapped   Op = "DataKeyWrapped"   // data key wrapped by the owned root key or a bucket key
	OpDataKeyUnwrapped Op = "DataKeyUnwrapped" // data key unwrapped (root key, bucket key, SSE-C)
	OpBucketKeyCreated Op = "BucketKeyCreated" // new bucket key obtained from KMS
	OpBucketKeyReused  Op = "BucketKeyReused"  // cached bucket key used, no KMS call
	OpEncryptData      Op = "EncryptData"      // object bytes encrypted (Bytes = plaintext size)
	OpDecryptData      Op = "DecryptData"      // object bytes decrypted (Bytes = plaintext size)
	OpDataKeyWiped     Op = "DataKeyWiped"     // plaintext data key zeroed in memory
	OpSSECKeyChecked   Op = "SSECKeyChecked"   // customer key MD5 checked and HMAC compared
	OpSSECKeyRejected  Op = "SSECKeyRejected"  // customer key missing or wrong
	OpStored           Op = "Stored"           // ciphertext and wrapped key(s) committed
	OpKeyRewrapped     Op = "KeyRewrapped"     // UpdateObjectEncryption re-wrapped a data key
	OpSSECKeyForgotten Op = "SSECKeyForgotten" // customer key dropped from memory
	OpRequestRejected  Op = "RequestRejected"  // an encryption request failed (Err says why)
	OpPolicyChecked    Op = "PolicyChecked"    // the bucket policy was evaluated for the request (Detail: which statement allowed; Err: which denied, and why)
	OpInspected        Op = "Inspected"        // the region showed an object's at-rest view because someone asked to see it (not an S3 request)
)

// Steps on your side (the client's).
const (
	OpRequest      Op = "Request"      // you → S3/KMS: an API request
	OpResponse     Op = "Response"     // S3/KMS → you: its answer
	OpLocalEncrypt Op = "LocalEncrypt" // you encrypted bytes locally
	OpLocalDecrypt Op = "LocalDecrypt" // you decrypted bytes locally
	OpLocalWipe    Op = "LocalWipe"    // you wiped a plaintext key
	OpKeySaved     Op = "KeySaved"     // a key was written to a file (0600)
	OpKeyLoaded    Op = "KeyLoaded"    // a key was read from a file
	OpKeyChecked   Op = "KeyChecked"   // a key's MD5 was computed for SSE-C
)

// IsKMSRequest reports whether a step by actor with op is a KMS API request
// (and so costs one KMS call).
func IsKMSRequest(actor Actor, op Op) bool {
	return actor == KMS && op != OpManagedKeyCreated && op != OpResponse
}

// JobHeader is the request header a client sets to find its own requests'
// steps in a region's trace. It is not signed and carries no secret.
const JobHeader = "X-S3crypt-Job"

// Event is one step a local region took, as its trace publishes it.
// Zero-value fields are simply absent.
type Event struct {
	Seq       uint64    `json:"seq"`
	Time      time.Time `json:"time"`
	Actor     Actor     `json:"actor"`
	Op        Op        `json:"op"`
	Caller    string    `json:"caller,omitempty"`    // who asked: "S3" when S3 calls KMS, else the access key id
	RequestID string    `json:"requestId,omitempty"` // the S3 or KMS request id this step belongs to
	// Request is the S3 operation of the request this step belongs to
	// (GetObject, HeadObject, PutObject, …), on S3's steps and on the KMS
	// steps S3 took for it: a HEAD and a GET can take the same step.
	Request   string            `json:"request,omitempty"`
	Job       string            `json:"job,omitempty"` // the client's JobHeader, to follow its own requests
	Bucket    string            `json:"bucket,omitempty"`
	Key       string            `json:"key,omitempty"`
	VersionID string            `json:"versionId,omitempty"`
	KeyARN    string            `json:"keyArn,omitempty"`  // KMS key involved
	Context   map[string]string `json:"context,omitempty"` // encryption context sent to KMS
	Mode      string            `json:"mode,omitempty"`    // AES256, aws:kms, aws:kms:dsse, SSE-C
	Layer     int               `json:"layer,omitempty"`   // DSSE layer, 1 or 2
	Bytes     int64             `json:"bytes,omitempty"`
	Detail    string            `json:"detail,omitempty"` // one human sentence
	Err       string            `json:"err,omitempty"`
}

type showKey struct{}

// ShowingAtRest marks ctx as a request to show someone an object's at-rest
// view (s3crypt head, the TUI's inspect): a Region's Inspect then puts an
// OpInspected step on its trace. Inspect calls made for a program's own
// use (labelling a listing, a lesson's check) leave ctx unmarked.
func ShowingAtRest(ctx context.Context) context.Context {
	return context.WithValue(ctx, showKey{}, true)
}

// ShowsAtRest reports whether ctx was marked by ShowingAtRest.
func ShowsAtRest(ctx context.Context) bool {
	v, _ := ctx.Value(showKey{}).(bool)
	return v
}

// Feed is a stream of a region's trace events.
type Feed struct {
	C <-chan Event
	// Sync is true when events are delivered before the response to the
	// request that caused them (an in-process region): draining C after a
	// response sees every step. Otherwise they lag a little.
	Sync bool
	// Stop ends the feed and closes C.
	Stop func()
}

// Region is a local region that shows what it does with keys and what it
// keeps at rest (the sandbox). Real AWS and other endpoints have none.
type Region interface {
	// Follow streams the region's trace events until Stop or ctx ends.
	Follow(ctx context.Context) (Feed, error)
	// Inspect returns the at-rest view of an object version ("" = latest).
	Inspect(ctx context.Context, bucket, key, version string) (AtRest, error)
	// KMSCalls returns how many KMS requests the region has served, by
	// everyone, since it started.
	KMSCalls(ctx context.Context) (int, error)
}

// Journaled is a Region that keeps its trace on disk (the sandbox's
// trace.ndjson), so that a later process can read what happened before it
// started: a lesson's check after the learner acted through the aws CLI.
type Journaled interface {
	// Journal calls fn with each kept event, oldest first, until fn
	// returns false. The oldest events may have been dropped (the
	// journal is bounded).
	Journal(ctx context.Context, fn func(Event) bool) error
}

// KeyInfo is one KMS key as a local region lists it for itself, without a
// KMS request (so nothing is counted or billed): what lesson checks read.
type KeyInfo struct {
	KeyID      string   `json:"keyId"`
	Arn        string   `json:"arn"`
	KeySpec    string   `json:"keySpec"`
	KeyUsage   string   `json:"keyUsage"`
	KeyManager string   `json:"keyManager"` // CUSTOMER or AWS
	KeyState   string   `json:"keyState"`
	Aliases    []string `json:"aliases,omitempty"`
}

// KeyLister is a Region that can list its KMS keys without a KMS request.
type KeyLister interface {
	Keys(ctx context.Context) ([]KeyInfo, error)
}
