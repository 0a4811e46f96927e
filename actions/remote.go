package actions

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"sync"
	"sync/atomic"
	"time"

	"github.com/s3crypt/s3crypt/internal/childproc"
)

// A Remote runs a worker's transfers (uploads and downloads) in a helper
// process, `s3crypt worker`, started at a lower scheduling priority: the
// reading, checksums and TLS of a large transfer then wait for the
// terminal UI, which only draws what the helper reports. The helper runs
// each job on a Worker of its own against the same backend, so it reports
// the same steps, progress, commands, result and KMS counts as a job run
// in-process; they come back over its standard output, one JSON object a
// line. Requests go to its standard input; nothing on its command line is
// a secret, and the requests hold none either (an SSE-C key is read from
// its file, or decrypted by KMS, by the helper itself).
type Remote struct {
	opt     RemoteOptions
	once    sync.Once
	started error // why the helper did not start (after once)

	to    io.WriteCloser
	wmu   sync.Mutex // one request line at a time
	proc  *childproc.Proc
	yours atomic.Int64 // KMS requests the helper made for jobs that ended

	mu   sync.Mutex
	jobs map[JobID]chan Event
	done chan struct{} // closed when the helper's output ends
	why  error         // why it ended, set before done is closed
}

// RemoteOptions start a helper process.
type RemoteOptions struct {
	// Command is the helper's argv: a program that serves the remote
	// protocol on its standard input and output (`s3crypt worker`).
	Command []string
	// Nice is how much lower the helper's priority is than the caller's.
	Nice int
	// Stderr receives the helper's log (discarded when nil).
	Stderr *os.File
	// Started, when set, is called once the helper started (pid) or
	// could not (err).
	Started func(pid int, err error)
}

// remoteProgressEvery is the least time between two progress reports of
// a job the helper sends (the last, all bytes done, always goes): each
// one redraws the whole UI, whose process is what must stay responsive.
// Twice the in-process interval: the UI's CPU time during a 1 GiB upload
// is mostly drawing (bench/tui.sh).
const remoteProgressEvery = 200 * time.Millisecond

// remoteStopTimeout is how long Close waits for the helper to end its jobs
// and exit before it kills it.
const remoteStopTimeout = 5 * time.Second

// NewRemote returns a Remote whose helper process starts with the first
// job it takes, so that starting it never holds up what the caller does
// first (the UI's first frame). It ends when Close is called, when its
// standard input ends, or (Linux) when the caller dies. A helper that
// cannot start runs nothing: the worker then runs the job itself.
func NewRemote(opt RemoteOptions) *Remote {
	return &Remote{opt: opt, jobs: map[JobID]chan Event{}, done: make(chan struct{})}
}

// start starts the helper once, and says why it could not.
func (r *Remote) start() error {
	r.once.Do(func() {
		if r.to != nil { // ConnectRemote: already connected
			return
		}
		r.started = r.launch()
		if r.opt.Started != nil {
			r.opt.Started(r.PID(), r.started)
		}
	})
	return r.started
}

func (r *Remote) launch() error {
	opt := r.opt
	if len(opt.Command) == 0 {
		return errors.New("no helper command")
	}
	cmd := exec.Command(opt.Command[0], opt.Command[1:]...) //nolint:gosec // G204: the command is this program's own executable, built by the caller
	to, err := cmd.StdinPipe()
	if err != nil {
		return err
	}
	from, err := cmd.StdoutPipe()
	if err != nil {
		return err
	}
	if opt.Stderr != nil {
		cmd.Stderr = opt.Stderr
	}
	proc, err := childproc.Start(cmd)
	if err != nil {
		return fmt.Errorf("start the transfer helper: %w", err)
	}
	if opt.Nice > 0 {
		if err := childproc.Lower(proc.PID(), opt.Nice); err != nil {
			to.Close()
			proc.Kill()
			return fmt.Errorf("lower the transfer helper's priority: %w", err)
		}
	}
	r.wmu.Lock()
	r.to, r.proc = to, proc
	r.wmu.Unlock()
	go r.read(from)
	return nil
}

// ConnectRemote talks the remote protocol to a helper that reads requests
// from to and writes events to from (tests run ServeRemote on io.Pipes).
func ConnectRemote(from io.Reader, to io.WriteCloser) *Remote {
	r := &Remote{to: to, jobs: map[JobID]chan Event{}, done: make(chan struct{})}
	go r.read(from)
	return r
}

// PID is the helper's process id (0 when none runs, or it is not a
// process of this one).
func (r *Remote) PID() int {
	r.wmu.Lock()
	defer r.wmu.Unlock()
	if r.proc == nil {
		return 0
	}
	return r.proc.PID()
}

// KMSRequests is how many KMS requests the helper's own clients made for
// jobs that have ended: the session's count adds them to the caller's.
func (r *Remote) KMSRequests() int { return int(r.yours.Load()) }

// Close ends the helper: its standard input ends, it cancels what still
// runs and exits; after remoteStopTimeout it is killed.
func (r *Remote) Close() error {
	r.once.Do(func() { r.started = errors.New("closed") }) // none starts from now on
	r.wmu.Lock()
	var err error
	if r.to != nil {
		err = r.to.Close()
	}
	proc := r.proc
	r.wmu.Unlock()
	if proc == nil {
		return err
	}
	select {
	case <-proc.Exited():
	case <-time.After(remoteStopTimeout):
		proc.Kill()
		return fmt.Errorf("the transfer helper %d did not stop within %v; killed", proc.PID(), remoteStopTimeout)
	}
	if perr := proc.Err(); perr != nil {
		return fmt.Errorf("the transfer helper %d: %w", proc.PID(), perr)
	}
	return err
}

// Takes reports whether a runs in the helper: uploads and downloads of
// files, whose SSE-C key (if any) the helper obtains itself, once the
// helper runs (it starts here, the first time). Everything else is small
// and runs in the caller's process.
func (r *Remote) Takes(a Action) bool {
	if r == nil || remoteRequestFor(0, a) == nil {
		return false
	}
	return r.start() == nil
}

// run runs a in the helper as job id, handing its events to emit, until
// the helper reports its end (or dies). Cancelling ctx cancels the job
// there; it then ends as it would in-process.
func (r *Remote) run(ctx context.Context, id JobID, a Action, emit func(Event)) {
	req := remoteRequestFor(id, a)
	ch := make(chan Event, 64)
	r.mu.Lock()
	r.jobs[id] = ch
	r.mu.Unlock()
	defer func() {
		r.mu.Lock()
		delete(r.jobs, id)
		r.mu.Unlock()
	}()
	if err := r.send(req); err != nil {
		emit(FailedEvent{Job: id, Err: r.lost(a, err)})
		return
	}
	cancelled := ctx.Done()
	for {
		select {
		case e := <-ch:
			if r.forward(e, emit) {
				return
			}
		case <-cancelled:
			cancelled = nil // once
			_ = r.send(&remoteRequest{Job: id, Cancel: true})
		case <-r.done:
			for drained := false; !drained; { // what came before the end
				select {
				case e := <-ch:
					if r.forward(e, emit) {
						return
					}
				default:
					drained = true
				}
			}
			if ctx.Err() != nil {
				emit(CancelledEvent{Job: id})
			} else {
				emit(FailedEvent{Job: id, Err: r.lost(a, r.why)})
			}
			return
		}
	}
}

// forward hands e on and reports whether it ended its job.
func (r *Remote) forward(e Event, emit func(Event)) bool {
	var kms KMSRequests
	end := true
	switch e := e.(type) {
	case DoneEvent:
		kms = e.KMS
	case FailedEvent:
		kms = e.KMS
	case CancelledEvent:
		kms = e.KMS
	default:
		end = false
	}
	r.yours.Add(int64(kms.Yours))
	emit(e)
	return end
}

// lost is the error of a job whose helper went away.
func (r *Remote) lost(a Action, why error) error {
	e := &Error{Op: a.Describe(), What: "the transfer helper process ended before the job did", Err: why,
		Fix: "Run it again; s3crypt's log (ui.log in its cache directory) says what happened"}
	if why != nil {
		e.Why = why.Error()
	}
	return e
}

func (r *Remote) send(req *remoteRequest) error {
	b, err := json.Marshal(req)
	if err != nil {
		return err
	}
	r.wmu.Lock()
	defer r.wmu.Unlock()
	_, err = r.to.Write(append(b, '\n'))
	return err
}

// read delivers the helper's events to their jobs until its output ends.
func (r *Remote) read(from io.Reader) {
	dec := json.NewDecoder(bufio.NewReaderSize(from, 64<<10))
	var err error
	for {
		var m remoteEvent
		if err = dec.Decode(&m); err != nil {
			break
		}
		e := m.event()
		if e == nil {
			continue
		}
		r.mu.Lock()
		ch := r.jobs[m.Job]
		r.mu.Unlock()
		if ch == nil {
			continue
		}
		if _, ok := e.(ProgressEvent); ok {
			select { // lossy, as in-process
			case ch <- e:
			default:
			}
			continue
		}
		ch <- e
	}
	if errors.Is(err, io.EOF) {
		err = errors.New("its output ended")
	}
	r.why = err
	close(r.done)
}

// ServeRemote is the helper's side: it runs the requests read from in on
// a Worker (at most parallel at once) against env, and writes their
// events to out, until in ends; then it cancels what still runs and
// returns once every job has ended.
func ServeRemote(ctx context.Context, env *Env, parallel int, in io.Reader, out io.Writer) error {
	w := NewWorker(ctx, env, parallel)
	var (
		mu   sync.Mutex
		ids  = map[JobID]JobID{} // this worker's job → the caller's
		back = map[JobID]JobID{} // the caller's → this worker's
	)
	enc := json.NewEncoder(out)
	var werr error
	written := make(chan struct{})
	go func() {
		defer close(written)
		throttle := progressThrottle{}
		for e := range w.Events() {
			mu.Lock()
			id, ok := ids[e.JobID()]
			if isEnd(e) {
				delete(ids, e.JobID())
				delete(back, id)
				delete(throttle, e.JobID())
			}
			mu.Unlock()
			if !ok || werr != nil {
				continue
			}
			if !throttle.pass(e, time.Now()) {
				continue
			}
			werr = enc.Encode(remoteEventOf(id, e))
		}
	}()
	dec := json.NewDecoder(bufio.NewReader(in))
	for {
		var req remoteRequest
		if err := dec.Decode(&req); err != nil {
			break
		}
		mu.Lock()
		if req.Cancel {
			if id, ok := back[req.Job]; ok {
				w.Cancel(id)
			}
			mu.Unlock()
			continue
		}
		if a := req.action(); a != nil {
			// Under the lock: the job's first event waits for its id here.
			id := w.Submit(a)
			ids[id], back[req.Job] = req.Job, id
		}
		mu.Unlock()
	}
	sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	err := w.Shutdown(sctx)
	<-written
	return err
}

// progressThrottle passes a job's progress reports at most every
// remoteProgressEvery, and always its last (all bytes done); every other
// event passes. It holds the time of each job's last report passed.
type progressThrottle map[JobID]time.Time

func (t progressThrottle) pass(e Event, now time.Time) bool {
	p, ok := e.(ProgressEvent)
	if !ok || p.Done >= p.Total {
		return true
	}
	if last, seen := t[p.Job]; seen && now.Sub(last) < remoteProgressEvery {
		return false
	}
	t[p.Job] = now
	return true
}

func isEnd(e Event) bool {
	switch e.(type) {
	case DoneEvent, FailedEvent, CancelledEvent:
		return true
	}
	return false
}

// remoteRequest is one line to the helper: a job to run, or the cancel of
// one.
type remoteRequest struct {
	Job     JobID
	Cancel  bool     `json:",omitempty"`
	Put     *Put     `json:",omitempty"`
	PutSSEC *PutSSEC `json:",omitempty"`
	Get     *Get     `json:",omitempty"`
	GetSSEC *GetSSEC `json:",omitempty"`
}

// remoteRequestFor is the request that runs a as job id, or nil when a
// does not run in the helper: another kind of action, or one that holds
// an SSE-C key already (the key would have to cross the pipe; the UI
// never builds one).
func remoteRequestFor(id JobID, a Action) *remoteRequest {
	req := &remoteRequest{Job: id}
	switch a := a.(type) {
	case *Put:
		if a.SSEC != nil || holdsRawKey(a.ClientSide) {
			return nil
		}
		req.Put = a
	case *PutSSEC:
		if a.Put.SSEC != nil || holdsRawKey(a.Put.ClientSide) {
			return nil
		}
		req.PutSSEC = a
	case *Get:
		if a.SSEC != nil || a.File == "-" || a.AESWrappingKey != nil || a.RSAPrivateKey != nil {
			return nil
		}
		req.Get = a
	case *GetSSEC:
		if a.Get.SSEC != nil || a.Get.File == "-" || a.Get.AESWrappingKey != nil || a.Get.RSAPrivateKey != nil {
			return nil
		}
		req.GetSSEC = a
	default:
		return nil
	}
	return req
}

// holdsRawKey reports whether a client-side upload wraps its data key
// with a key held in memory (a raw keyring) rather than a KMS key: key
// material never crosses the pipe (an AES key would arrive redacted), so
// such a job runs in this process.
func holdsRawKey(c *ClientSide) bool {
	return c != nil && (c.AESWrappingKey != nil || c.RSAPublicKey != nil)
}

func (q *remoteRequest) action() Action {
	switch {
	case q.Put != nil:
		return q.Put
	case q.PutSSEC != nil:
		return q.PutSSEC
	case q.Get != nil:
		return q.Get
	case q.GetSSEC != nil:
		return q.GetSSEC
	}
	return nil
}

// remoteEvent is one line from the helper: an Event of job Job.
type remoteEvent struct {
	Job      JobID
	Step     *Step        `json:",omitempty"`
	Progress *Progress    `json:",omitempty"`
	Command  *Command     `json:",omitempty"`
	End      string       `json:",omitempty"` // "done", "failed", "cancelled"
	Put      *PutResult   `json:",omitempty"`
	Get      *GetResult   `json:",omitempty"`
	Err      *remoteError `json:",omitempty"`
	KMS      *KMSRequests `json:",omitempty"`
}

func remoteEventOf(id JobID, e Event) remoteEvent {
	m := remoteEvent{Job: id}
	switch e := e.(type) {
	case StepEvent:
		m.Step = &e.Step
	case ProgressEvent:
		m.Progress = &e.Progress
	case CommandEvent:
		m.Command = &e.Command
	case DoneEvent:
		m.End, m.KMS = "done", &e.KMS
		switch res := e.Result.(type) {
		case PutResult:
			m.Put = &res
		case GetResult:
			m.Get = &res
		}
	case FailedEvent:
		m.End, m.KMS, m.Err = "failed", &e.KMS, remoteErrorOf(e.Err)
	case CancelledEvent:
		m.End, m.KMS = "cancelled", &e.KMS
	}
	return m
}

func (m *remoteEvent) event() Event {
	var kms KMSRequests
	if m.KMS != nil {
		kms = *m.KMS
	}
	switch {
	case m.Step != nil:
		return StepEvent{Job: m.Job, Step: *m.Step}
	case m.Progress != nil:
		return ProgressEvent{Job: m.Job, Progress: *m.Progress}
	case m.Command != nil:
		return CommandEvent{Job: m.Job, Command: *m.Command}
	case m.End == "done":
		var res any
		switch {
		case m.Put != nil:
			res = *m.Put
		case m.Get != nil:
			res = *m.Get
		}
		return DoneEvent{Job: m.Job, Result: res, KMS: kms}
	case m.End == "failed":
		return FailedEvent{Job: m.Job, Err: m.Err.err(), KMS: kms}
	case m.End == "cancelled":
		return CancelledEvent{Job: m.Job, KMS: kms}
	}
	return nil
}

// remoteError carries an error across the pipe: its text, and the
// *Error in its chain (what the UI explains and switches on by Kind).
// Errors never hold a secret (Error's contract), so neither does this.
type remoteError struct {
	Text   string
	Action *struct {
		Op, What, Why, Fix string
		Kind               Kind
		Code               string
		Status             int
		Cause              string // the underlying error's text
		SSECOverHTTP       bool   // the cause is ErrSSECOverHTTP
	} `json:",omitempty"`
}

func remoteErrorOf(err error) *remoteError {
	if err == nil {
		err = errors.New("failed")
	}
	re := &remoteError{Text: err.Error()}
	var ae *Error
	if errors.As(err, &ae) {
		re.Action = &struct {
			Op, What, Why, Fix string
			Kind               Kind
			Code               string
			Status             int
			Cause              string
			SSECOverHTTP       bool
		}{Op: ae.Op, What: ae.What, Why: ae.Why, Fix: ae.Fix, Kind: ae.Kind, Code: ae.Code, Status: ae.Status,
			SSECOverHTTP: errors.Is(ae.Err, ErrSSECOverHTTP)}
		if ae.Err != nil {
			re.Action.Cause = ae.Err.Error()
		}
	}
	return re
}

func (re *remoteError) err() error {
	if re == nil {
		return errors.New("failed")
	}
	if re.Action == nil {
		return errors.New(re.Text)
	}
	x := re.Action
	ae := &Error{Op: x.Op, What: x.What, Why: x.Why, Fix: x.Fix, Kind: x.Kind, Code: x.Code, Status: x.Status}
	switch {
	case x.SSECOverHTTP:
		ae.Err = ErrSSECOverHTTP
	case x.Cause != "":
		ae.Err = errors.New(x.Cause)
	}
	if ae.Error() == re.Text {
		return ae
	}
	return &wrappedError{text: re.Text, err: ae}
}

// wrappedError is an error whose text wraps an *Error's.
type wrappedError struct {
	text string
	err  *Error
}

func (w *wrappedError) Error() string { return w.text }
func (w *wrappedError) Unwrap() error { return w.err }
