package learn

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/s3crypt/s3crypt/awsclient"
	"github.com/s3crypt/s3crypt/sandbox/store"
)

// Result is one step's check.
type Result struct {
	Step   int // index into l.Steps
	Passed bool
	Why    string // when not passed: what is still missing, in the learner's words
}

// checkTimeout bounds one Check when ctx has no deadline of its own.
const checkTimeout = 30 * time.Second

// Check runs every step's check of lesson l against the backend b (opened
// on DataDir(l.ID)), reading only real state: keys, buckets, objects,
// configuration, the sandbox's journaled trace. A step whose state cannot
// be read is not passed and its Why says why; Check returns an error only
// when ctx ends. It never blocks past ctx (or 30 s without a deadline) and
// is safe to call from a goroutine; each call reads afresh.
func Check(ctx context.Context, b *awsclient.Backend, l Lesson) ([]Result, error) {
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, checkTimeout)
		defer cancel()
	}
	s := &state{b: b}
	out := make([]Result, len(l.Steps))
	for i, st := range l.Steps {
		out[i] = Result{Step: i}
		c, ok := checks[st.Check]
		if !ok {
			out[i].Why = "this lesson names a check s3crypt does not have: " + st.Check
			continue
		}
		passed, why, err := c.fn(ctx, s, st.Args)
		if ctxErr := ctx.Err(); ctxErr != nil {
			return out, ctxErr
		}
		if err != nil {
			out[i].Why = "could not check: " + err.Error()
			continue
		}
		out[i].Passed, out[i].Why = passed, why
	}
	return out, nil
}

// Progress is kept under the XDG state home
// ($XDG_STATE_HOME/s3crypt/lessons/<ID>.json).
type Progress struct {
	Lesson string
	// Passed is sticky: a step once passed stays passed in progress (the
	// live Check may differ).
	Passed []bool
	// Current is the step the learner is on (the first not passed, unless
	// they skipped ahead).
	Current int
	Updated time.Time
}

// Record marks the steps results passed (sticky) and moves Current to the
// first step not passed at or after it. It returns whether anything
// changed.
func (p *Progress) Record(rs []Result) bool {
	changed := false
	for _, r := range rs {
		for len(p.Passed) <= r.Step {
			p.Passed = append(p.Passed, false)
		}
		if r.Passed && !p.Passed[r.Step] {
			p.Passed[r.Step], changed = true, true
		}
	}
	for p.Current < len(p.Passed) && p.Passed[p.Current] {
		p.Current++
		changed = true
	}
	return changed
}

// Done reports whether every one of n steps has passed.
func (p Progress) Done(n int) bool {
	if len(p.Passed) < n {
		return false
	}
	for _, ok := range p.Passed[:n] {
		if !ok {
			return false
		}
	}
	return n > 0
}

// LoadProgress reads a lesson's progress; a fresh Progress when none is
// saved.
func LoadProgress(id string) (Progress, error) {
	data, err := os.ReadFile(progressPath(id))
	if errors.Is(err, fs.ErrNotExist) {
		return Progress{Lesson: id}, nil
	}
	if err != nil {
		return Progress{Lesson: id}, fmt.Errorf("read lesson progress: %w", err)
	}
	var p Progress
	if err := json.Unmarshal(data, &p); err != nil {
		return Progress{Lesson: id}, fmt.Errorf("read lesson progress %s: %w", progressPath(id), err)
	}
	p.Lesson = id
	return p, nil
}

// SaveProgress writes p atomically (a temporary file renamed over the old).
func SaveProgress(p Progress) error {
	if p.Lesson == "" {
		return errors.New("save lesson progress: no lesson")
	}
	if p.Updated.IsZero() {
		p.Updated = time.Now().UTC()
	}
	path := progressPath(p.Lesson)
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return fmt.Errorf("save lesson progress: %w", err)
	}
	data, err := json.MarshalIndent(p, "", "  ")
	if err != nil {
		return fmt.Errorf("save lesson progress: %w", err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".progress-*")
	if err != nil {
		return fmt.Errorf("save lesson progress: %w", err)
	}
	_, werr := tmp.Write(append(data, '\n'))
	cerr := tmp.Close()
	if werr == nil {
		werr = cerr
	}
	if werr == nil {
		werr = os.Rename(tmp.Name(), path)
	}
	if werr != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("save lesson progress: %w", werr)
	}
	return nil
}

// ErrInUse is Reset's answer while a sandbox serves the lesson's directory.
var ErrInUse = errors.New("the lesson's sandbox is running")

// Reset removes the lesson's progress and its sandbox data directory. It
// refuses, with ErrInUse, while a process (s3crypt learn serve, the TUI)
// holds that directory.
func Reset(id string) error {
	dir := DataDir(id)
	if _, err := os.Stat(filepath.Join(dir, "data")); err == nil {
		st, err := store.Open(filepath.Join(dir, "data"), store.Options{NoSync: true})
		if errors.Is(err, store.ErrLocked) {
			return fmt.Errorf("reset lesson %s: %w (stop `s3crypt learn serve %s` or leave the lesson in the TUI first)", id, ErrInUse, id)
		}
		if err != nil {
			return fmt.Errorf("reset lesson %s: %w", id, err)
		}
		if err := st.Close(); err != nil {
			return fmt.Errorf("reset lesson %s: %w", id, err)
		}
	}
	if err := os.RemoveAll(dir); err != nil {
		return fmt.Errorf("reset lesson %s: %w", id, err)
	}
	if err := os.Remove(progressPath(id)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("reset lesson %s: %w", id, err)
	}
	return nil
}
