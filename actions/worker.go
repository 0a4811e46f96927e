package actions

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/s3crypt/s3crypt/awsclient"
	"github.com/s3crypt/s3crypt/keyflow"
)

// Action is one operation s3crypt can perform.
type Action interface {
	// Describe says in a few words what the action does ("upload a.txt
	// to s3://b/a.txt with SSE-KMS").
	Describe() string
	// Run performs the action, reporting through r, and returns its typed
	// result. It must stop promptly and clean up when ctx is cancelled.
	Run(ctx context.Context, env *Env, r *Reporter) (any, error)
}

// Env is what actions run against.
type Env struct {
	Backend *awsclient.Backend
	// PartSize and Concurrency tune transfers (defaults when zero).
	PartSize    int64
	Concurrency int
	// MultipartThreshold is the size from which uploads go multipart.
	MultipartThreshold int64
}

// Worker runs actions in the background, a bounded number at a time, and
// reports their events on one channel. Progress events are dropped when
// the reader lags; every other event is delivered.
type Worker struct {
	env    *Env
	root   context.Context
	stop   context.CancelFunc
	sem    chan struct{}
	events chan Event

	mu       sync.Mutex
	next     JobID
	jobs     map[JobID]context.CancelFunc
	wg       sync.WaitGroup
	shutting bool // Shutdown was called: Submit refuses new jobs
	// closeEvents closes events once, after the last job ended.
	closeEvents sync.Once
	// remote runs the jobs it takes in a helper process (OffloadTo).
	remote *Remote
}

// NewWorker returns a worker running at most parallel actions at once,
// each under a context derived from ctx.
func NewWorker(ctx context.Context, env *Env, parallel int) *Worker {
	if parallel < 1 {
		parallel = 4
	}
	root, stop := context.WithCancel(ctx)
	return &Worker{env: env, root: root, stop: stop, sem: make(chan struct{}, parallel),
		events: make(chan Event, 1024), jobs: map[JobID]context.CancelFunc{}}
}

// OffloadTo has r run the jobs it takes (uploads and downloads) in its
// helper process, at a lower priority than this one; the rest run here.
// Call it before the first Submit.
func (w *Worker) OffloadTo(r *Remote) { w.remote = r }

// Events is the channel every job reports on.
func (w *Worker) Events() <-chan Event { return w.events }

// Submit starts a (when a slot is free) and returns its id at once. After
// Shutdown it starts nothing and returns 0.
func (w *Worker) Submit(a Action) JobID {
	w.mu.Lock()
	if w.shutting {
		w.mu.Unlock()
		return 0
	}
	w.next++
	id := w.next
	ctx, cancel := context.WithCancel(w.root)
	w.jobs[id] = cancel
	w.mu.Unlock()
	w.wg.Add(1)
	go w.run(ctx, id, a)
	return id
}

func (w *Worker) run(ctx context.Context, id JobID, a Action) {
	defer w.wg.Done()
	defer w.forget(id)
	select {
	case w.sem <- struct{}{}:
		defer func() { <-w.sem }()
	case <-ctx.Done():
		w.send(CancelledEvent{Job: id})
		return
	}
	if w.remote.Takes(a) {
		w.remote.run(ctx, id, a, w.send)
		return
	}
	r := newReporter(id, w.env, w.send)
	defer r.close()
	res, err := a.Run(ctx, w.env, r)
	if ctx.Err() != nil {
		// Cancelled mid-request: S3 finishes (and wipes) after the client
		// hung up, so its last steps come after this job's context ended.
		r.settleTrace(300*time.Millisecond, 2*time.Second)
	} else {
		r.syncTrace(ctx)
	}
	kms := r.KMSRequests()
	switch {
	case err == nil:
		w.send(DoneEvent{Job: id, Result: res, KMS: kms})
	case errors.Is(err, context.Canceled) || ctx.Err() != nil:
		w.send(CancelledEvent{Job: id, KMS: kms})
	default:
		w.send(FailedEvent{Job: id, Err: err, KMS: kms})
	}
}

func (w *Worker) forget(id JobID) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if cancel, ok := w.jobs[id]; ok {
		cancel()
		delete(w.jobs, id)
	}
}

// send delivers e: progress is dropped if the reader lags, the rest waits.
func (w *Worker) send(e Event) {
	if _, ok := e.(ProgressEvent); ok {
		select {
		case w.events <- e:
		default:
		}
		return
	}
	w.events <- e
}

// Cancel stops a job; it ends with a CancelledEvent after cleaning up.
func (w *Worker) Cancel(id JobID) {
	w.mu.Lock()
	cancel := w.jobs[id]
	w.mu.Unlock()
	if cancel != nil {
		cancel()
	}
}

// Running reports how many jobs have not ended.
func (w *Worker) Running() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return len(w.jobs)
}

// Shutdown cancels every job and waits for them to clean up, or for ctx.
// Events still pending are discarded; once every job has ended, Events is
// closed.
func (w *Worker) Shutdown(ctx context.Context) error {
	w.mu.Lock()
	w.shutting = true
	w.mu.Unlock()
	w.stop()
	done := make(chan struct{})
	go func() {
		w.wg.Wait()
		close(done)
		w.closeEvents.Do(func() { close(w.events) })
	}()
	for {
		select {
		case <-done:
			return nil
		case _, ok := <-w.events: // keep jobs from blocking on a full channel
			if !ok {
				return nil
			}
		case <-ctx.Done():
			return fmt.Errorf("shut down the worker: %w", ctx.Err())
		}
	}
}

// RunSync runs a in the calling goroutine and hands every event to on (nil
// to ignore them). It is what the CLI uses.
func RunSync(ctx context.Context, env *Env, a Action, on func(Event)) (any, error) {
	if on == nil {
		on = func(Event) {}
	}
	r := newReporter(1, env, on)
	defer r.close()
	res, err := a.Run(ctx, env, r)
	r.syncTrace(ctx)
	return res, err
}

// Reporter is how an action reports its steps, progress and command.
type Reporter struct {
	job      JobID
	emit     func(Event)
	token    string
	observer *observer
	lastProg time.Time
	rate     rateMeter
	s3KMS    int // KMS requests S3 made for this job, as observed
	recorder *awsclient.Recorder
	mu       sync.Mutex
}

func newReporter(job JobID, env *Env, emit func(Event)) *Reporter {
	r := &Reporter{job: job, emit: emit, token: newToken()}
	if env != nil && env.Backend != nil {
		r.recorder = env.Backend.Recorder
	}
	if env != nil && env.Backend != nil && env.Backend.Local != nil {
		r.observer = newObserver(env.Backend.Local, r.token)
	}
	return r
}

func (r *Reporter) close() {
	if r.observer != nil {
		r.observer.close()
	}
	if r.recorder != nil {
		r.recorder.ForgetJob(r.token) // counted by now: the map would grow with every job of a session
	}
}

// Token is the X-S3crypt-Job value that ties this job's requests to the
// sandbox's trace.
func (r *Reporter) Token() string { return r.token }

// Observing reports whether S3's side of the flow is observed (sandbox)
// rather than drawn.
func (r *Reporter) Observing() bool { return r.observer != nil }

// Step reports one step, after any sandbox steps that happened before it.
func (r *Reporter) Step(s Step) {
	r.syncPending()
	r.step(s)
}

func (r *Reporter) step(s Step) {
	if s.Time.IsZero() {
		s.Time = time.Now()
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if s.Observed && s.To == S3 && keyflow.IsKMSRequest(s.Actor, s.Op) {
		r.s3KMS++
	}
	r.emit(StepEvent{Job: r.job, Step: s})
}

// kmsCalls is how many KMS requests S3 made on your behalf for this job,
// as observed so far (your own are KMSRequests' other half).
func (r *Reporter) kmsCalls() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.s3KMS
}

// KMSRequests is every KMS request made for this job so far: yours (as the
// clients recorded them) and S3's on your behalf (as the region showed
// them; S3Seen is false when the backend cannot show them).
func (r *Reporter) KMSRequests() KMSRequests {
	n := KMSRequests{S3Seen: r.Observing(), S3: r.kmsCalls()}
	if r.recorder != nil {
		n.Yours = r.recorder.KMSForJob(r.token)
	}
	return n
}

// Command reports the equivalent aws CLI command.
func (r *Reporter) Command(c Command) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.emit(CommandEvent{Job: r.job, Command: c})
}

// Progress reports bytes done of total, at most every 100 ms (and always
// the final figure).
func (r *Reporter) Progress(done, total int64) {
	now := time.Now()
	r.mu.Lock()
	rate := r.rate.add(now, done)
	due := now.Sub(r.lastProg) >= 100*time.Millisecond || done == total
	if due {
		r.lastProg = now
	}
	r.mu.Unlock()
	if !due {
		return
	}
	r.syncPending()
	r.mu.Lock()
	defer r.mu.Unlock()
	r.emit(ProgressEvent{Job: r.job, Progress: Progress{Done: done, Total: total, Rate: rate}})
}

// syncTrace forwards the sandbox steps of this job, waiting briefly for
// the ones still in flight from an attached server (after a request).
func (r *Reporter) syncTrace(ctx context.Context) {
	if r.observer == nil {
		return
	}
	for _, s := range r.observer.drain(ctx, true) {
		r.step(s)
	}
}

// settleTrace forwards sandbox steps until none came for quiet, or for at
// most limit: what a region still does for a request its client gave up.
func (r *Reporter) settleTrace(quiet, limit time.Duration) {
	if r.observer == nil {
		return
	}
	deadline, last := time.Now().Add(limit), time.Now()
	for time.Now().Before(deadline) && time.Since(last) < quiet {
		if steps := r.observer.drain(context.Background(), false); len(steps) > 0 {
			for _, s := range steps {
				r.step(s)
			}
			last = time.Now()
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// syncPending forwards the sandbox steps already received, without
// waiting (on every step and progress report).
func (r *Reporter) syncPending() {
	if r.observer == nil {
		return
	}
	for _, s := range r.observer.drain(context.Background(), false) {
		r.step(s)
	}
}

// rateMeter smooths a transfer rate over the last few seconds.
type rateMeter struct {
	t0    time.Time
	done0 int64
	rate  float64
}

func (m *rateMeter) add(now time.Time, done int64) float64 {
	if m.t0.IsZero() {
		m.t0, m.done0 = now, done
		return 0
	}
	dt := now.Sub(m.t0).Seconds()
	if dt >= 0.5 {
		inst := float64(done-m.done0) / dt
		if m.rate == 0 {
			m.rate = inst
		} else {
			m.rate = 0.6*m.rate + 0.4*inst
		}
		m.t0, m.done0 = now, done
	}
	return m.rate
}
