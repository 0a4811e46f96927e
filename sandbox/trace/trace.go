// Package trace records what the sandbox region does with keys: every KMS
// operation, every data key generated, unwrapped and wiped, every bucket key
// created or reused, every SSE-C key checked. AWS never shows this; the
// sandbox does, so that s3crypt can draw the envelope flow as it really
// happened.
//
// Events never carry key material: only key ids, ARNs, encryption contexts,
// sizes and fingerprints that cannot be turned back into a key.
package trace

import (
	"sort"
	"sync"
	"time"
)

// Actor is the party that performed a step.
type Actor string

// JobHeader is the request header a client sets to find its own requests
// steps in the trace. It is not signed and carries no secret.
const JobHeader = "X-S3crypt-Job"

// The parties of the envelope flow.
const (
	ActorYou Actor = "you"
	ActorS3  Actor = "S3"
	ActorKMS Actor = "KMS"
)

// Op names one kind of key operation.
type Op string

// The operations the sandbox reports.
const (
	// KMS API operations, as KMS names them.
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
	OpManagedKeyCreated               Op = "ManagedKeyCreated" // aws/s3 created on first use

	// Steps S3 performs on its side.
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
)

// Event is one step the sandbox took. Zero-value fields are simply absent.
type Event struct {
	Seq       uint64            `json:"seq"`
	Time      time.Time         `json:"time"`
	Actor     Actor             `json:"actor"`
	Op        Op                `json:"op"`
	Caller    string            `json:"caller,omitempty"`    // who asked: "S3" when S3 calls KMS, else the access key id
	RequestID string            `json:"requestId,omitempty"` // the S3 or KMS request id this step belongs to
	Job       string            `json:"job,omitempty"`       // the client's X-S3crypt-Job header, to follow its own requests
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

// Bus fans events out to subscribers and counts KMS calls by caller.
// Publishing never blocks: a subscriber that falls behind loses events and
// its Dropped count says how many.
type Bus struct {
	mu     sync.Mutex
	seq    uint64
	subs   map[*Subscription]struct{}
	counts map[CallKey]int
	now    func() time.Time
}

// CallKey identifies a KMS call counter: who called which operation.
type CallKey struct {
	Caller string
	Op     Op
}

// Subscription receives events until cancelled.
type Subscription struct {
	C       <-chan Event
	c       chan Event
	bus     *Bus
	dropped uint64
}

// NewBus returns an empty bus.
func NewBus() *Bus {
	return &Bus{subs: map[*Subscription]struct{}{}, counts: map[CallKey]int{}, now: time.Now}
}

// Publish stamps e with a sequence number and time and delivers it.
func (b *Bus) Publish(e Event) Event {
	if b == nil {
		return e
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.seq++
	e.Seq = b.seq
	if e.Time.IsZero() {
		e.Time = b.now()
	}
	if e.Actor == ActorKMS && isKMSCall(e.Op) {
		b.counts[CallKey{Caller: e.Caller, Op: e.Op}]++
	}
	for s := range b.subs {
		select {
		case s.c <- e:
		default:
			s.dropped++
		}
	}
	return e
}

// isKMSCall reports whether op is a KMS API request (and so is counted).
func isKMSCall(op Op) bool {
	switch op {
	case OpManagedKeyCreated:
		return false
	}
	return true
}

// Subscribe returns a subscription buffered to n events.
func (b *Bus) Subscribe(n int) *Subscription {
	if n < 1 {
		n = 1
	}
	c := make(chan Event, n)
	s := &Subscription{C: c, c: c, bus: b}
	b.mu.Lock()
	b.subs[s] = struct{}{}
	b.mu.Unlock()
	return s
}

// Close stops delivery and closes C.
func (s *Subscription) Close() {
	b := s.bus
	b.mu.Lock()
	defer b.mu.Unlock()
	if _, ok := b.subs[s]; ok {
		delete(b.subs, s)
		close(s.c)
	}
}

// Dropped reports how many events were lost because C was full.
func (s *Subscription) Dropped() uint64 {
	s.bus.mu.Lock()
	defer s.bus.mu.Unlock()
	return s.dropped
}

// Count is one KMS call counter.
type Count struct {
	Caller string `json:"caller"`
	Op     Op     `json:"op"`
	N      int    `json:"n"`
}

// Counts returns the KMS call counters, sorted by caller then operation.
func (b *Bus) Counts() []Count {
	b.mu.Lock()
	defer b.mu.Unlock()
	out := make([]Count, 0, len(b.counts))
	for k, n := range b.counts {
		out = append(out, Count{Caller: k.Caller, Op: k.Op, N: n})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Caller != out[j].Caller {
			return out[i].Caller < out[j].Caller
		}
		return out[i].Op < out[j].Op
	})
	return out
}

// Total returns the number of KMS calls made by caller ("" for everyone).
func (b *Bus) Total(caller string) int {
	b.mu.Lock()
	defer b.mu.Unlock()
	n := 0
	for k, c := range b.counts {
		if caller == "" || k.Caller == caller {
			n += c
		}
	}
	return n
}
