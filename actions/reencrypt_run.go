package actions

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"
)

// JournalEntry is one line of a re-encryption journal: an object
// finished (Path, verified or not, or Error), or the run's start and end.
type JournalEntry struct {
	Time            time.Time `json:"Time"`
	Event           string    `json:"Event"` // start, done, failed, finished
	Key             string    `json:"Key,omitempty"`
	Path            string    `json:"Path,omitempty"`
	VersionIDBefore string    `json:"VersionIdBefore,omitempty"`
	VersionIDAfter  string    `json:"VersionIdAfter,omitempty"`
	Verified        bool      `json:"Verified,omitempty"`
	Error           string    `json:"Error,omitempty"`
	// Resumed (start lines) is how many objects an earlier run finished.
	Resumed int `json:"Resumed,omitempty"`
}

// FailedObject is an object the run could not change, and why.
type FailedObject struct {
	Key   string `json:"Key"`
	Error string `json:"Error"`
}

// ReencryptReport is what a bulk run did.
type ReencryptReport struct {
	Plan ReencryptPlan `json:"Plan"`
	// Done counts the objects this run changed (or found done), by path.
	Done map[string]int `json:"Done"`
	// Resumed is how many objects an earlier, interrupted run had
	// finished (read from the journal and not touched again).
	Resumed    int            `json:"Resumed"`
	Verified   int            `json:"Verified"`
	Unverified []FailedObject `json:"Unverified"`
	Failed     []FailedObject `json:"Failed"`
	// Cannot are the objects left untouched, with the reason.
	Cannot      []PlanItem `json:"Cannot"`
	Bytes       int64      `json:"Bytes"`
	Duration    float64    `json:"DurationSeconds"`
	ObjectsPerS float64    `json:"ObjectsPerSecond"`
	BytesPerS   float64    `json:"BytesPerSecond"`
	// KMSRequests are those this run caused, as counted (S3's on your
	// behalf only where the backend shows them: KMSRequestsSeen).
	KMSRequests     int    `json:"KMSRequests"`
	KMSRequestsSeen bool   `json:"KMSRequestsSeen"`
	Journal         string `json:"Journal"`
}

// JournalPath is the journal file of a bulk re-encryption: one per
// backend, bucket, prefix, target and filters, under dir (default
// $XDG_STATE_HOME/s3crypt/reencrypt).
func (m *ReencryptMany) JournalPath(env *Env) string {
	dir := m.JournalDir
	if dir == "" {
		dir = filepath.Join(stateHome(), "s3crypt", "reencrypt")
	}
	where := ""
	if b := env.Backend; b != nil {
		// The sandbox is its data directory (its endpoint's port changes
		// from run to run); elsewhere the endpoint, region and profile.
		where = fmt.Sprint(b.Kind, b.Endpoint, b.Region, b.Profile)
		if b.Sandbox != nil {
			where = fmt.Sprint(b.Kind, b.Sandbox.Dir(), b.Region)
		}
	}
	h := sha256.Sum256([]byte(fmt.Sprintf("%s\x00%s\x00%s\x00%s\x00%s\x00%v\x00%s\x00%s\x00%v", where, m.Bucket, m.Prefix, m.Target.SSE, m.Target.KMSKey,
		m.Target.BucketKey, m.OnlyMode, m.OnlyKey, m.Copy)))
	return filepath.Join(dir, m.Bucket+"-"+hex.EncodeToString(h[:6])+".jsonl")
}

// stateHome is $XDG_STATE_HOME, or ~/.local/state.
func stateHome() string {
	if d := os.Getenv("XDG_STATE_HOME"); d != "" && filepath.IsAbs(d) {
		return d
	}
	home, err := os.UserHomeDir()
	if err != nil || home == "" {
		home = "."
	}
	return filepath.Join(home, ".local", "state")
}

// ReadJournal reads a journal's entries (a torn last line, left by a
// process killed mid-write, is ignored).
func ReadJournal(path string) ([]JournalEntry, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []JournalEntry
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		var e JournalEntry
		if json.Unmarshal(sc.Bytes(), &e) == nil {
			out = append(out, e)
		}
	}
	return out, sc.Err()
}

// openJournal returns the keys an unfinished earlier run completed and the
// journal open for appending (a finished journal starts afresh).
func openJournal(path string) (map[string]bool, *os.File, error) {
	done := map[string]bool{}
	entries, err := ReadJournal(path)
	if err != nil && !os.IsNotExist(err) {
		return nil, nil, err
	}
	flags := os.O_CREATE | os.O_WRONLY | os.O_APPEND
	if n := len(entries); n > 0 && entries[n-1].Event == "finished" {
		flags |= os.O_TRUNC
	} else {
		for _, e := range entries {
			if e.Event == "done" {
				done[e.Key] = true
			}
		}
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, nil, err
	}
	f, err := os.OpenFile(path, flags, 0o600)
	return done, f, err
}

// journal appends entries, one JSON line each. A line is written with one
// write(2), so a killed process leaves at most a torn last line, which
// ReadJournal skips; the page cache keeps what was written across a
// SIGKILL, so only the end of the run syncs to disk.
type journal struct {
	mu sync.Mutex
	f  *os.File
}

func (j *journal) add(e JournalEntry) error {
	e.Time = time.Now().UTC()
	line, err := json.Marshal(e)
	if err != nil {
		return err
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	_, err = j.f.Write(append(line, '\n'))
	return err
}

// run carries out plan, skipping what the journal says is done.
func (m *ReencryptMany) run(ctx context.Context, env *Env, r *Reporter, plan ReencryptPlan, t ReencryptTarget) (any, error) {
	path := m.JournalPath(env)
	done, f, err := openJournal(path)
	if err != nil {
		return nil, &Error{Op: m.Describe(), What: "cannot open the journal " + path, Why: err.Error(), Err: err}
	}
	defer f.Close()
	jr := &journal{f: f}
	rep := ReencryptReport{Plan: plan, Done: map[string]int{}, Journal: path, Cannot: plan.Cannot, Unverified: []FailedObject{}, Failed: []FailedObject{}}
	var todo []PlanItem
	var total int64
	for _, it := range plan.Items {
		switch {
		case it.Path == PathCannot:
		case done[it.Key] && it.Path == PathNone:
			// Journalled by an earlier run, and the plan's HEAD shows it
			// as asked: not touched again. One journalled but no longer
			// as asked (overwritten since) is done again.
			rep.Resumed++
		default:
			todo = append(todo, it)
			total += it.Size
		}
	}
	if err := jr.add(JournalEntry{Event: "start", Resumed: rep.Resumed}); err != nil {
		return nil, err
	}
	r.Step(Step{Actor: You, Op: OpPathChosen, Title: "plan", Observed: true, Detail: fmt.Sprintf("%d objects to change, %d done by an earlier run (journal %s), %d cannot be changed",
		len(todo), rep.Resumed, path, len(plan.Cannot))})
	start := time.Now()
	kmsBefore := r.KMSRequests()
	var (
		mu       sync.Mutex
		nDone    int
		bytes    int64
		lastProg time.Time
	)
	progress := func(final bool) {
		if m.OnProgress == nil {
			return
		}
		if !final && time.Since(lastProg) < 200*time.Millisecond {
			return
		}
		lastProg = time.Now()
		el := time.Since(start).Seconds()
		p := BulkProgress{Objects: nDone, TotalObjects: len(todo), Bytes: bytes, TotalBytes: total, ETASeconds: -1}
		if el > 0 {
			p.ObjectsPerSec, p.BytesPerSec = float64(nDone)/el, float64(bytes)/el
		}
		if p.ObjectsPerSec > 0 {
			p.ETASeconds = float64(len(todo)-nDone) / p.ObjectsPerSec
		}
		m.OnProgress(p)
	}
	q := r.muted()
	var g errgroup.Group
	g.SetLimit(m.concurrency())
	for _, it := range todo {
		if ctx.Err() != nil {
			break
		}
		g.Go(func() error {
			res, err := reencryptOne(ctx, env, q, m.Bucket, it.Key, it.src, t, it.ssec, m.Copy, m.PartCopyAbove, m.PartSize)
			if ctx.Err() != nil {
				return nil // not journalled: the next run does it
			}
			e := JournalEntry{Event: "done", Key: it.Key, Path: res.Path, VersionIDBefore: res.VersionIDBefore, VersionIDAfter: res.VersionIDAfter, Verified: res.Verified}
			if err != nil {
				e.Event, e.Error = "failed", err.Error()
			}
			jerr := jr.add(e)
			mu.Lock()
			defer mu.Unlock()
			nDone++
			bytes += it.Size
			switch {
			case err != nil:
				rep.Failed = append(rep.Failed, FailedObject{Key: it.Key, Error: err.Error()})
			case !res.Verified:
				rep.Unverified = append(rep.Unverified, FailedObject{Key: it.Key, Error: fmt.Sprint(res.Mismatch)})
				rep.Done[res.Path]++
			default:
				rep.Verified++
				rep.Done[res.Path]++
			}
			progress(false)
			return jerr
		})
	}
	werr := g.Wait()
	q.syncPending()
	r.fold(q)
	mu.Lock()
	progress(true)
	mu.Unlock()
	if err := ctx.Err(); err != nil {
		_ = f.Sync()
		return nil, err
	}
	if werr != nil {
		return nil, &Error{Op: m.Describe(), What: "cannot write the journal " + path, Why: werr.Error(), Err: werr}
	}
	el := time.Since(start)
	rep.Bytes, rep.Duration = bytes, el.Seconds()
	if el > 0 {
		rep.ObjectsPerS, rep.BytesPerS = float64(nDone)/el.Seconds(), float64(bytes)/el.Seconds()
	}
	k := r.KMSRequests()
	rep.KMSRequests, rep.KMSRequestsSeen = k.Total()-kmsBefore.Total(), k.S3Seen
	sort.Slice(rep.Failed, func(i, j int) bool { return rep.Failed[i].Key < rep.Failed[j].Key })
	if len(rep.Failed) == 0 {
		_ = jr.add(JournalEntry{Event: "finished"})
	}
	_ = f.Sync()
	r.Step(Step{Actor: You, Op: OpPathChosen, Title: "report", Observed: true, Detail: fmt.Sprintf("%d changed and verified, %d failed, %d not as asked, %d left untouched",
		rep.Verified, len(rep.Failed), len(rep.Unverified), len(rep.Cannot))})
	return rep, nil
}

func (m *ReencryptMany) concurrency() int {
	if m.Concurrency > 0 {
		return m.Concurrency
	}
	return 8
}

// muted is r without the per-object steps, commands and progress, which
// would drown a run of thousands (the run reports its plan, its progress
// and its end). It shares r's job token, recorder and trace observer, so
// the requests are still tied to the job; fold adds the KMS requests it
// saw S3 make back into r.
func (r *Reporter) muted() *Reporter {
	return &Reporter{job: r.job, token: r.token, observer: r.observer, recorder: r.recorder, emit: func(Event) {}}
}

// fold adds m's observed KMS requests to r.
func (r *Reporter) fold(m *Reporter) {
	n := m.kmsCalls()
	r.mu.Lock()
	r.s3KMS += n
	r.mu.Unlock()
}
