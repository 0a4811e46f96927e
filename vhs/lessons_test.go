package vhs

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"

	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/s3crypt/s3crypt/internal/tape"
	"github.com/s3crypt/s3crypt/learn"
)

// Lesson tapes: vhs/lesson-<ID>.tape is lesson <ID>'s solution, done the
// way the lesson is about (the TUI's Learn view, or s3crypt verbs and the
// aws CLI against `s3crypt learn serve`). TestTapesReplay checks, for each,
// that the lesson's checks all fail on a fresh lesson sandbox before the
// replay and all pass on the sandbox the tape left (run by `s3crypt learn
// check ID` on the tape's own XDG_DATA_HOME, before the replay's directory
// is removed).

// TestEveryLessonHasATape: every lesson with steps has its tape, and every
// lesson tape names a lesson with steps.
func TestEveryLessonHasATape(t *testing.T) {
	want := map[string]bool{}
	for _, l := range learn.Lessons() {
		if !l.Coming {
			want[l.ID] = true
		}
	}
	for _, p := range tapes(t) {
		tp, err := tape.Load(p)
		if err != nil {
			t.Fatal(err)
		}
		if !tp.IsLessonTape() {
			continue
		}
		if !want[tp.LessonID()] {
			t.Errorf("%s: no lesson %q with steps (lesson tapes are named lesson-<lesson id>.tape)", p, tp.LessonID())
		}
		delete(want, tp.LessonID())
	}
	for id := range want {
		t.Errorf("lesson %s has no tape: write vhs/lesson-%s.tape, its solution", id, id)
	}
}

// lessonCheck is `s3crypt learn check ID --json`'s answer.
type lessonCheck struct {
	Passed, Total int
	Steps         []struct {
		Step   int
		Goal   string
		Passed bool
		Why    string
	}
}

// learnCheck runs `s3crypt learn check id --json` on the lesson
// directories under dataHome (XDG_DATA_HOME), with progress kept in a
// directory of the test's: nothing of the caller's environment (AWS
// settings, S3CRYPT_DATA) reaches it.
func learnCheck(ctx context.Context, t *testing.T, bin, id, dataHome string) (lessonCheck, error) {
	home := t.TempDir()
	cmd := exec.CommandContext(ctx, bin, "learn", "check", id, "--json") //nolint:gosec // the binary under test
	cmd.Env = []string{"PATH=/usr/bin:/bin", "HOME=" + home, "LANG=C.UTF-8", "TMPDIR=" + home,
		"XDG_DATA_HOME=" + dataHome, "XDG_STATE_HOME=" + filepath.Join(home, "state")}
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	var got lessonCheck
	if jerr := json.Unmarshal(out.Bytes(), &got); jerr != nil {
		return got, fmt.Errorf("s3crypt learn check %s: %w (exit: %v): %s%s", id, jerr, err, out.String(), errb.String())
	}
	if (err == nil) != (got.Total > 0 && got.Passed == got.Total) {
		return got, fmt.Errorf("s3crypt learn check %s exited %v with %d of %d steps passed", id, err, got.Passed, got.Total)
	}
	return got, nil
}

// checkFreshLessonFails requires every step of lesson id to fail on a
// fresh lesson sandbox: the tape is what makes them pass.
func checkFreshLessonFails(t *testing.T, bin, id string) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	got, err := learnCheck(ctx, t, bin, id, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	l, _ := learn.Find(id)
	if got.Total != len(l.Steps) || got.Passed != 0 {
		t.Fatalf("fresh sandbox of lesson %s: %d of %d steps passed, want 0 of %d", id, got.Passed, got.Total, len(l.Steps))
	}
}

// lessonDataHome finds the XDG_DATA_HOME the tape's lesson ran under:
// the directory under the replay's root holding s3crypt/lessons/<id>.
func lessonDataHome(root, id string) (string, error) {
	var found []string
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return nil //nolint:nilerr // a directory the replay's programs removed meanwhile
		}
		if d.IsDir() && d.Name() == id && filepath.Base(filepath.Dir(p)) == "lessons" && filepath.Base(filepath.Dir(filepath.Dir(p))) == "s3crypt" {
			found = append(found, filepath.Dir(filepath.Dir(filepath.Dir(p))))
			return filepath.SkipDir
		}
		if d.IsDir() && d.Name() == "blobs" {
			return filepath.SkipDir
		}
		return nil
	})
	if err != nil {
		return "", err
	}
	switch len(found) {
	case 0:
		return "", errors.New("the tape left no lesson sandbox under its root: did it export XDG_DATA_HOME and start the lesson?")
	case 1:
		return found[0], nil
	}
	return "", fmt.Errorf("the tape left %d lesson sandboxes (%s): it must use one XDG_DATA_HOME", len(found), strings.Join(found, ", "))
}

// lessonShots wraps shots: at the end of the tape (shot ""), after the
// last golden, lesson id's checks must all pass on the tape's sandbox.
func lessonShots(t *testing.T, bin, id string, shots func(context.Context, *tape.Run, string) error) func(context.Context, *tape.Run, string) error {
	return func(ctx context.Context, r *tape.Run, shot string) error {
		if err := shots(ctx, r, shot); err != nil || shot != "" {
			return err
		}
		home, err := lessonDataHome(r.Root, id)
		if err != nil {
			return err
		}
		got, err := learnCheck(ctx, t, bin, id, home)
		if err != nil {
			return err
		}
		var missing []string
		for _, s := range got.Steps {
			if !s.Passed {
				missing = append(missing, fmt.Sprintf("step %d (%s): %s", s.Step, s.Goal, s.Why))
			}
		}
		if len(missing) > 0 || got.Total == 0 {
			return fmt.Errorf("after the tape, lesson %s passes %d of %d steps:\n%s", id, got.Passed, got.Total, strings.Join(missing, "\n"))
		}
		return nil
	}
}
