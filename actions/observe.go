package actions

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"time"

	"github.com/s3crypt/s3crypt/keyflow"
)

// newToken returns a fresh job token for the X-S3crypt-Job header.
func newToken() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// observer follows a local region's trace for one job's requests.
type observer struct {
	token string
	feed  keyflow.Feed // nil C when the trace could not be followed
}

func newObserver(region keyflow.Region, token string) *observer {
	o := &observer{token: token}
	if feed, err := region.Follow(context.Background()); err == nil {
		o.feed = feed
	}
	return o
}

func (o *observer) close() {
	if o.feed.Stop != nil {
		o.feed.Stop()
	}
}

// drain returns this job's steps seen so far. With wait, it also waits
// (up to 400 ms, 100 ms after the last event) for steps an attached
// server's stream has not delivered yet.
func (o *observer) drain(ctx context.Context, wait bool) []Step {
	var out []Step
	keep := func(e keyflow.Event) {
		if e.Job == o.token {
			out = append(out, stepFromTrace(e))
		}
	}
	switch {
	case o.feed.C == nil:
	case o.feed.Sync || !wait:
		// In-process steps are published before the response returns, so
		// what is queued now is every step so far.
		for {
			select {
			case e, ok := <-o.feed.C:
				if !ok {
					return out
				}
				keep(e)
			default:
				return out
			}
		}
	default:
		idle := time.NewTimer(400 * time.Millisecond)
		defer idle.Stop()
		for {
			select {
			case e, ok := <-o.feed.C:
				if !ok {
					return out
				}
				keep(e)
				idle.Reset(100 * time.Millisecond)
			case <-idle.C:
				return out
			case <-ctx.Done():
				return out
			}
		}
	}
	return out
}

// stepFromTrace turns a sandbox trace event into an observed step.
func stepFromTrace(e keyflow.Event) Step {
	s := Step{Time: e.Time, Actor: e.Actor, Op: e.Op, Title: string(e.Op), Detail: e.Detail,
		KeyARN: e.KeyARN, Context: e.Context, Bytes: e.Bytes, Observed: true}
	if e.Actor == keyflow.KMS {
		s.To = You
		if e.Caller == "S3" {
			s.To = S3
		}
	}
	if e.Err != "" {
		s.Detail, s.Err = e.Err, e.Err
	}
	return s
}
