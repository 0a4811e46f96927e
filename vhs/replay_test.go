// Package vhs holds s3crypt's demo tapes (*.tape, in VHS's language) and
// the tests that keep them from rotting: every tape parses with VHS's own
// parser, obeys the house rules, and replays against the freshly built
// binary in a virtual terminal, matching its golden screens (golden/).
package vhs

import (
	"context"
	"flag"
	"path/filepath"
	"testing"
	"time"

	"github.com/s3crypt/s3crypt/internal/tape"
	"github.com/s3crypt/s3crypt/internal/testtool"
)

var update = flag.Bool("update", false, "rewrite the golden screens under vhs/golden/")

// tapes returns every tape in this directory.
func tapes(t *testing.T) []string {
	t.Helper()
	paths, err := filepath.Glob("*.tape")
	if err != nil || len(paths) == 0 {
		t.Fatalf("no tapes in vhs/: %v", err)
	}
	return paths
}

// TestTapesParseAndKeepHouseRules parses every tape with VHS's parser and
// checks the house rules (tape.CheckRules).
func TestTapesParseAndKeepHouseRules(t *testing.T) {
	for _, p := range tapes(t) {
		t.Run(p, func(t *testing.T) {
			tp, err := tape.Load(p)
			if err != nil {
				t.Fatal(err)
			}
			for _, err := range tape.CheckRules(tp) {
				t.Error(err)
			}
		})
	}
}

// tools are the programs a tape may Require besides s3crypt, and what
// the replay runs for each: Debian's AWS CLI, never whatever aws comes
// first on PATH.
var tools = map[string]string{"aws": testtool.DebianAWS}

// TestTapesReplay replays every tape against the built binary and
// compares each Screenshot and the final screen with its golden.
func TestTapesReplay(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("replays the tapes against the built binary")
	}
	start := time.Now()
	bin := testtool.BuildBinary(t)
	t.Logf("built s3crypt in %.1fs", time.Since(start).Seconds()) // bench/tapes.sh reports the replays' time without it
	for _, p := range tapes(t) {
		t.Run(p, func(t *testing.T) {
			t.Parallel()
			replayOne(t, bin, p)
		})
	}
}

// replayOne replays the tape at path.
func replayOne(t *testing.T, bin, path string) {
	tp, err := tape.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	opts := tape.Options{Binary: bin, Tools: map[string]string{}, TimeoutScale: 2,
		Screenshot: tape.Golden{Dir: "golden", Update: *update, Settle: 10 * time.Second, Quiet: 700 * time.Millisecond}.Check}
	if id := tp.LessonID(); id != "" {
		checkFreshLessonFails(t, id)
		opts.Screenshot = lessonShots(bin, id, opts.Screenshot)
	}
	for _, name := range tp.Requires() {
		if name == "s3crypt" {
			continue
		}
		tool, ok := tools[name]
		if !ok {
			tool = name
		}
		opts.Tools[name] = testtool.Require(t, tool)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	if err := tape.Replay(ctx, tp, opts); err != nil {
		t.Fatal(err)
	}
}
