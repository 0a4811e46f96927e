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

	"github.com/s3crypt/s3crypt/keyflow"
)

// Event is one step the sandbox took (the shared vocabulary's event).
type Event = keyflow.Event

// Bus fans events out to subscribers and counts KMS requests by caller.
// Publishing never blocks: a subscriber that falls behind loses events and
// its Dropped count says how many.
type Bus struct {
	mu     sync.Mutex
	seq    uint64
	subs   map[*Subscription]struct{}
	counts map[CallKey]int
	now    func() time.Time
	jrnl   *Journal
}

// SetJournal makes the bus append every event it publishes to j (nil
// stops it). Only the process that serves a data directory journals.
func (b *Bus) SetJournal(j *Journal) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.jrnl = j
}

// CallKey identifies a KMS call counter: who called which operation.
type CallKey struct {
	Caller string
	Op     keyflow.Op
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
	b.jrnl.Append(e) // before delivery: once a response is sent, its events are on disk
	for s := range b.subs {
		select {
		case s.c <- e:
		default:
			s.dropped++
		}
	}
	return e
}

// CountKMSRequest counts one KMS request that caller made: every request
// KMS served, whatever its outcome, as AWS bills and logs them.
func (b *Bus) CountKMSRequest(caller string, op keyflow.Op) {
	if b == nil {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.counts[CallKey{Caller: caller, Op: op}]++
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
	Caller string     `json:"caller"`
	Op     keyflow.Op `json:"op"`
	N      int        `json:"n"`
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
