// Command tuibench measures s3crypt's terminal UI as a person sees it, in
// a 120 × 36 tmux pane: the time from starting the binary on a fresh
// sandbox to its first full frame (header and help bar drawn) and to the
// lists loaded; and, while a large upload runs through the UI, the input
// latency (a navigation key every 100 ms, timed until the screen shows the
// move) and how many distinct progress-bar renders reach the screen each
// second.
//
// It is a program, not a `go test -bench`, so `go test ./...` never runs
// it: run bench/tui.sh (which also runs the View() benchmarks of package
// ui). The screen is read with tmux capture-pane, polled every few
// milliseconds: a reading is late by up to one poll (≈2–5 ms, a tmux
// client process each), and the polling itself takes some of the
// machine's two cores.
//
// Given several binaries (-bin a,b and -rounds n), it runs them
// interleaved, a then b, n times, and ends with a table comparing them
// (compare.go): on a shared machine only runs taken side by side compare.
package main

import (
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/s3crypt/s3crypt/internal/testtool"
)

func main() {
	runs := flag.Int("runs", 10, "first-frame runs (each on a fresh sandbox)")
	sizeMiB := flag.Int64("size-mib", 1024, "size of the file uploaded during the latency test")
	every := flag.Duration("every", 100*time.Millisecond, "interval between navigation keys")
	keep := flag.Bool("keep", false, "keep the temporary directory")
	binPath := flag.String("bin", "", "the s3crypt binary to measure (built from this checkout when empty); several, comma-separated, each `[label=]path[ ENV=V…]`, are run interleaved and compared")
	rounds := flag.Int("rounds", 1, "with several -bin: how many times each runs (first frames and an upload), interleaved")
	flag.BoolVar(&spawn, "spawn", false, "drive tmux with a new tmux process per key and screen read (as before 2026-12-07) instead of one control-mode client")
	flag.StringVar(&binEnv, "env", "", "environment for s3crypt, as `NAME=VALUE …` (GOGC=200, GODEBUG=gctrace=1…)")
	flag.Parse()
	var err error
	if strings.Contains(*binPath, ",") || *rounds > 1 {
		err = compare(parseBins(*binPath), *rounds, *runs, *sizeMiB<<20, *every, *keep)
	} else {
		err = run(*binPath, *runs, *sizeMiB<<20, *every, *keep)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "tuibench: "+err.Error())
		os.Exit(1)
	}
}

// spawn is -spawn.
var spawn bool

// binEnv is prefixed to the s3crypt command line (-env).
var binEnv string

// command is the shell command that runs s3crypt on dir, its stderr in
// dir.stderr.
func command(bin, dir string) string {
	return fmt.Sprintf("%s exec %s --data %s 2>%s.stderr", binEnv, bin, dir, dir)
}

func run(bin string, runs int, size int64, every time.Duration, keep bool) error {
	tmux, work, done, err := setup(keep)
	if err != nil {
		return err
	}
	defer done()
	if bin == "" {
		fmt.Println("building s3crypt…")
		if bin, err = testtool.Build(work); err != nil {
			return err
		}
	}
	t, err := newTerm(tmux, filepath.Join(work, "home")) // not above the data dirs: the header shows them whole
	if err != nil {
		return err
	}
	defer t.close()
	if !spawn {
		if err := t.startCtl(); err != nil {
			return err
		}
	}

	ff, loaded, again, err := firstFrames(t, bin, work, "", runs)
	if err != nil {
		return err
	}
	fmt.Printf("\nfirst frame, %d runs (aim < 150 ms)\n", runs)
	fmt.Printf("  fresh sandbox, header + help bar drawn: %s\n", summary(ff))
	fmt.Printf("  fresh sandbox, lists loaded:            %s\n", summary(loaded))
	fmt.Printf("  existing sandbox, header + help bar:    %s\n", summary(again))

	res, err := uploadLatency(t, bin, work, "latency", size, every)
	if err != nil {
		return err
	}
	res.print(size, every)
	return nil
}

// lookTmux is tmux's path.
// setup finds tmux and makes the work directory; done removes it unless
// keep.
func setup(keep bool) (tmux, work string, done func(), err error) {
	if tmux, err = lookTmux(); err != nil {
		return "", "", nil, err
	}
	if work, err = os.MkdirTemp("", "s3crypt-tuibench-"); err != nil {
		return "", "", nil, fmt.Errorf("make a work directory: %w", err)
	}
	done = func() {}
	if !keep {
		done = func() { _ = os.RemoveAll(work) }
	}
	return tmux, work, done, nil
}

func lookTmux() (string, error) {
	tmux, err := exec.LookPath("tmux")
	if err != nil {
		return "", fmt.Errorf("needs tmux (apt-get install -y tmux): %w", err)
	}
	return tmux, nil
}

// firstFrames starts the UI runs times, each on a new data directory,
// and times the first full frame and the loaded lists; then once more on
// each directory, now an existing sandbox.
func firstFrames(t *term, bin, work, prefix string, runs int) (fresh, loaded, again []time.Duration, err error) {
	for i := range runs {
		dir := filepath.Join(work, fmt.Sprintf("%sff%02d", prefix, i))
		f, l, err := firstFrame(t, bin, dir)
		if err != nil {
			return nil, nil, nil, fmt.Errorf("run %d: %w", i, err)
		}
		fresh, loaded = append(fresh, f), append(loaded, l)
		if f, _, err = firstFrame(t, bin, dir); err != nil {
			return nil, nil, nil, fmt.Errorf("run %d again: %w", i, err)
		}
		again = append(again, f)
	}
	return fresh, loaded, again, nil
}

// firstFrame starts the UI on dir, times its first full frame (header
// with the data dir, help bar) and the lists loaded, and quits it.
func firstFrame(t *term, bin, dir string) (frame, loaded time.Duration, err error) {
	start := time.Now()
	if err := t.respawn(command(bin, dir)); err != nil {
		return 0, 0, err
	}
	header := "data " + dir
	if _, err := t.waitFor(10*time.Second, header, "q quit"); err != nil {
		return 0, 0, err
	}
	frame = time.Since(start)
	if _, err := t.waitFor(10*time.Second, header, "buckets in us-east-1", "│ no", "nothing selected"); err != nil {
		return 0, 0, err
	}
	return frame, time.Since(start), t.quit()
}

// summary is "median X (min Y, max Z)".
func summary(ds []time.Duration) string {
	s := slices.Clone(ds)
	slices.Sort(s)
	return fmt.Sprintf("median %v (min %v, max %v)", ms(s[len(s)/2]), ms(s[0]), ms(s[len(s)-1]))
}

// pct is the p-th percentile of ds (nearest rank).
func pct(ds []time.Duration, p float64) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	i := int(float64(len(s))*p/100+0.5) - 1
	return s[min(max(i, 0), len(s)-1)]
}

// ms rounds d for printing.
func ms(d time.Duration) time.Duration { return d.Round(100 * time.Microsecond) }
