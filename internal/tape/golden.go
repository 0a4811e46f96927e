package tape

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/aymanbagabas/go-udiff"
)

// EndShot is the golden name of the screen at the end of a tape.
const EndShot = "end"

// GoldenPath is the golden file of a screenshot (path as the tape's
// Screenshot command names it, "" for the end of the tape):
// dir/<tape>/<png base name>.txt.
func GoldenPath(dir string, t *Tape, shot string) string {
	name := EndShot
	if shot != "" {
		name = strings.TrimSuffix(filepath.Base(shot), ".png")
	}
	return filepath.Join(dir, t.Name, name+".txt")
}

// Golden checks screenshots against golden files in dir, or rewrites
// them (Update).
type Golden struct {
	Dir    string
	Update bool
	// Settle is how long a screenshot may take to become its golden (a
	// screen still drawing the last change when the Wait before it
	// matched): it is compared on every change until then.
	Settle time.Duration
	// Quiet is, when updating, how long the screen must stay unchanged
	// before it is written.
	Quiet time.Duration
}

// Check is an Options.Screenshot that compares (or writes) the golden of
// the screenshot shot; a mismatch is an error with a diff of the screens.
func (g Golden) Check(ctx context.Context, r *Run, shot string) error {
	path := GoldenPath(g.Dir, r.tape, shot)
	if g.Update {
		got := Normalize(r.Scrub(g.quiet(ctx, r).Text()))
		if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
			return fmt.Errorf("make the golden directory: %w", err)
		}
		if err := os.WriteFile(path, []byte(got), 0o600); err != nil {
			return fmt.Errorf("write golden: %w", err)
		}
		return nil
	}
	b, err := os.ReadFile(path) //nolint:gosec // the golden beside the tape
	if errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("no golden %s (run the test with -update to write it)", path)
	}
	if err != nil {
		return fmt.Errorf("read golden: %w", err)
	}
	want := string(b)
	deadline := time.NewTimer(g.Settle)
	defer deadline.Stop()
	for {
		got := Normalize(r.Scrub(r.Snapshot().Text()))
		if got == want {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-r.Changed():
			continue
		case <-deadline.C:
		}
		got = Normalize(r.Scrub(r.Snapshot().Text()))
		if got == want {
			return nil
		}
		return fmt.Errorf("the screen differs from %s (-want +got):\n%s", path, udiff.Unified("want", "got", want, got))
	}
}

// quiet returns the screen once it stayed unchanged for g.Quiet (at most
// g.Settle).
func (g Golden) quiet(ctx context.Context, r *Run) *Snapshot {
	limit := time.NewTimer(g.Settle)
	defer limit.Stop()
	for {
		q := time.NewTimer(g.Quiet)
		select {
		case <-r.Changed():
			q.Stop()
			continue
		case <-q.C:
		case <-limit.C:
			q.Stop()
		case <-ctx.Done():
			q.Stop()
		}
		return r.Snapshot()
	}
}
