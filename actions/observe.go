package actions

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"time"

	"github.com/s3crypt/s3crypt/sandbox"
	"github.com/s3crypt/s3crypt/sandbox/trace"
)

// newToken returns a fresh job token for the X-S3crypt-Job header.
func newToken() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// observer follows the sandbox's trace for one job's requests.
type observer struct {
	token string
	// In-process: the bus subscription, delivered synchronously with the
	// request, so draining it after a response sees every step.
	sub *trace.Subscription
	// Attached: the serving process's stream, which lags a little.
	stream <-chan trace.Event
	cancel context.CancelFunc
}

func newObserver(sb *sandbox.Sandbox, token string) *observer {
	o := &observer{token: token}
	if bus := sb.Trace(); bus != nil {
		o.sub = bus.Subscribe(8192)
		return o
	}
	ctx, cancel := context.WithCancel(context.Background())
	ch, err := sb.Subscribe(ctx)
	if err != nil {
		cancel()
		return o
	}
	o.stream, o.cancel = ch, cancel
	return o
}

func (o *observer) close() {
	if o.sub != nil {
		o.sub.Close()
	}
	if o.cancel != nil {
		o.cancel()
	}
}

// drain returns this job's steps seen so far. With wait, it also waits
// (up to 400 ms, 100 ms after the last event) for steps an attached
// server's stream has not delivered yet.
func (o *observer) drain(ctx context.Context, wait bool) []Step {
	var out []Step
	keep := func(e trace.Event) {
		if e.Job == o.token {
			out = append(out, stepFromTrace(e))
		}
	}
	switch {
	case o.sub != nil:
		for {
			select {
			case e := <-o.sub.C:
				keep(e)
			default:
				return out
			}
		}
	case o.stream != nil && !wait:
		for {
			select {
			case e, ok := <-o.stream:
				if !ok {
					return out
				}
				keep(e)
			default:
				return out
			}
		}
	case o.stream != nil:
		idle := time.NewTimer(400 * time.Millisecond)
		defer idle.Stop()
		for {
			select {
			case e, ok := <-o.stream:
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
func stepFromTrace(e trace.Event) Step {
	s := Step{Time: e.Time, Actor: Actor(e.Actor), Op: string(e.Op), Title: string(e.Op), Detail: e.Detail,
		KeyARN: e.KeyARN, Context: e.Context, Bytes: e.Bytes, Observed: true}
	if e.Actor == trace.ActorKMS {
		s.To = You
		if e.Caller == "S3" {
			s.To = S3
		}
	}
	if e.Err != "" {
		s.Detail = e.Err
	}
	return s
}
