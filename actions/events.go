// Package actions holds s3crypt's verbs: every encryption operation (create
// a key, generate a data key, upload with an SSE mode, download, inspect,
// set bucket encryption, …) as a typed request that runs on a Worker under
// a cancellable context and reports, as it goes, the steps of the envelope
// key flow, its progress, the equivalent aws CLI command (secrets masked),
// and a typed result or an error that says what to do.
//
// The TUI and the CLI both call this package; neither talks to AWS itself.
// It never imports Bubble Tea.
package actions

import (
	"time"

	"github.com/s3crypt/s3crypt/keyflow"
)

// Actor is a party of the envelope flow, in keyflow's vocabulary.
type Actor = keyflow.Actor

// The parties (keyflow's, named here for brevity).
const (
	You = keyflow.You
	S3  = keyflow.S3
	KMS = keyflow.KMS
)

// Step is one move of the envelope flow: who did what, to whom, with which
// key. Observed is true when s3crypt saw it happen (its own work, or the
// sandbox's trace); false when it is drawn as what S3 does on your behalf
// against a backend that cannot show it.
type Step struct {
	Time     time.Time
	Actor    Actor
	To       Actor      // the party addressed, "" for local work
	Op       keyflow.Op // what happened: a KMS operation, an S3 step or one of yours
	Title    string     // a few words: "GenerateDataKey", "encrypt 40 MiB"
	Detail   string     // one sentence
	KeyARN   string
	Context  map[string]string
	Bytes    int64
	Observed bool
}

// Client-side step ops (keyflow's, named here for brevity).
const (
	OpRequest      = keyflow.OpRequest
	OpResponse     = keyflow.OpResponse
	OpLocalEncrypt = keyflow.OpLocalEncrypt
	OpLocalDecrypt = keyflow.OpLocalDecrypt
	OpLocalWipe    = keyflow.OpLocalWipe
	OpKeySaved     = keyflow.OpKeySaved
	OpKeyLoaded    = keyflow.OpKeyLoaded
	OpKeyChecked   = keyflow.OpKeyChecked
)

// Progress is a transfer's advance. It is lossy: a slow reader sees fewer.
type Progress struct {
	Done  int64
	Total int64   // -1 when unknown
	Rate  float64 // bytes per second, smoothed
}

// Command is the aws CLI equivalent of what an action did. Args never hold
// a secret: SSE-C keys appear as fileb:// paths.
type Command struct {
	Args []string // "aws", "s3api", "put-object", "--bucket", "b", …
	// Global are the options that point the CLI at the backend
	// (--endpoint-url, --ca-bundle, --region); String leaves them out.
	Global []string
	Note   string // why it differs from what s3crypt did, if it does
}

// JobID names one submitted action.
type JobID uint64

// Event is what the worker reports about a job: one of StepEvent,
// ProgressEvent, CommandEvent, DoneEvent, FailedEvent, CancelledEvent.
type Event interface{ JobID() JobID }

// StepEvent reports one envelope-flow step.
type StepEvent struct {
	Job  JobID
	Step Step
}

// ProgressEvent reports transfer progress (lossy).
type ProgressEvent struct {
	Job JobID
	Progress
}

// CommandEvent reports the equivalent aws CLI command.
type CommandEvent struct {
	Job     JobID
	Command Command
}

// KMSRequests counts the KMS requests made for a job.
type KMSRequests struct {
	Yours int // made by s3crypt (exact, on every backend)
	S3    int // made by S3 on your behalf, as observed
	// S3Seen is true when the backend shows S3's requests (the sandbox);
	// elsewhere S3 is 0 and S3's own requests are not known.
	S3Seen bool
}

// Total is every request counted.
func (k KMSRequests) Total() int { return k.Yours + k.S3 }

// DoneEvent ends a job that succeeded; Result is the action's typed result.
type DoneEvent struct {
	Job    JobID
	Result any
	KMS    KMSRequests
}

// FailedEvent ends a job that failed; Err is usually an *Error.
type FailedEvent struct {
	Job JobID
	Err error
	KMS KMSRequests
}

// CancelledEvent ends a job that was cancelled (and cleaned up).
type CancelledEvent struct {
	Job JobID
	KMS KMSRequests
}

func (e StepEvent) JobID() JobID      { return e.Job }
func (e ProgressEvent) JobID() JobID  { return e.Job }
func (e CommandEvent) JobID() JobID   { return e.Job }
func (e DoneEvent) JobID() JobID      { return e.Job }
func (e FailedEvent) JobID() JobID    { return e.Job }
func (e CancelledEvent) JobID() JobID { return e.Job }
