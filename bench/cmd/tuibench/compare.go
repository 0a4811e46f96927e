package main

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/s3crypt/s3crypt/internal/testtool"
)

// A binary under comparison: -bin "label=path ENV=V".
type binSpec struct {
	label, path, env string
}

// parseBins reads -bin's comma-separated list; an empty path is this
// checkout, built.
func parseBins(s string) []binSpec {
	var out []binSpec
	for _, item := range strings.Split(s, ",") {
		f := strings.Fields(item)
		spec := binSpec{}
		if len(f) > 0 {
			spec.path = f[0]
			spec.env = strings.Join(f[1:], " ")
		}
		if label, path, ok := strings.Cut(spec.path, "="); ok {
			spec.label, spec.path = label, path
		}
		if spec.label == "" {
			spec.label = filepath.Base(spec.path)
			if spec.env != "" {
				spec.label += " " + spec.env
			}
		}
		out = append(out, spec)
	}
	return out
}

// trial is one run of a binary: first frames and an upload.
type trial struct {
	frames []time.Duration // fresh sandbox, header + help bar
	up     latency
}

// compare runs each binary rounds times, interleaved (a, b, a, b, …),
// prints each run as it ends, then a table of medians.
func compare(bins []binSpec, rounds, runs int, size int64, every time.Duration, keep bool) error {
	tmux, work, done, err := setup(keep)
	if err != nil {
		return err
	}
	defer done()
	for i := range bins {
		if bins[i].path == "" {
			fmt.Println("building s3crypt…")
			if bins[i].path, err = testtool.Build(work); err != nil {
				return err
			}
		}
	}
	t, err := newTerm(tmux, filepath.Join(work, "home"))
	if err != nil {
		return err
	}
	defer t.close()
	if !spawn {
		if err := t.startCtl(); err != nil {
			return err
		}
	}
	env := binEnv
	defer func() { binEnv = env }()
	results := make([][]trial, len(bins))
	for r := range rounds {
		for i, b := range bins {
			binEnv = strings.TrimSpace(env + " " + b.env)
			fmt.Printf("\n== %s, round %d of %d, %s UTC, load average %s\n", b.label, r+1, rounds, time.Now().UTC().Format("15:04:05"), loadavg())
			run := fmt.Sprintf("b%dr%d", i, r)
			ff, _, _, err := firstFrames(t, b.path, work, run, runs)
			if err != nil {
				return fmt.Errorf("%s: %w", b.label, err)
			}
			fmt.Printf("  first frame, fresh sandbox: %s\n", summary(ff))
			up, err := uploadLatency(t, b.path, work, run+"-latency", size, every)
			if err != nil {
				return fmt.Errorf("%s: %w", b.label, err)
			}
			up.print(size, every)
			results[i] = append(results[i], trial{frames: ff, up: up})
		}
	}
	printComparison(bins, results, size)
	return nil
}

// printComparison is the table: per binary, the median over its runs
// (and the range) of each figure, and the upload against the first
// binary's.
func printComparison(bins []binSpec, results [][]trial, size int64) {
	fmt.Printf("\n%d MiB upload through the UI, and input → screen meanwhile: medians of runs (min–max)\n", size>>20)
	var base time.Duration
	for i, b := range bins {
		rs := results[i]
		pick := func(f func(trial) time.Duration) []time.Duration {
			var out []time.Duration
			for _, r := range rs {
				out = append(out, f(r))
			}
			return out
		}
		took := pick(func(r trial) time.Duration { return r.up.took })
		p50 := pick(func(r trial) time.Duration { return pct(r.up.keys, 50) })
		p95 := pick(func(r trial) time.Duration { return pct(r.up.keys, 95) })
		worst := pick(func(r trial) time.Duration { return pct(r.up.keys, 100) })
		var frames []time.Duration
		under := 0
		for _, r := range rs {
			frames = append(frames, r.frames...)
			if pct(r.up.keys, 100) <= 50*time.Millisecond {
				under++
			}
		}
		fmt.Printf("\n%s (%d runs)\n", b.label, len(rs))
		line := "  upload           " + rangeOf(took)
		if i == 0 {
			base = median(took)
		} else if base > 0 {
			line += fmt.Sprintf("   %+.1f %% against %s", 100*(float64(median(took))/float64(base)-1), bins[0].label)
		}
		fmt.Println(line)
		fmt.Println("  key → screen p50 " + rangeOf(p50))
		fmt.Println("               p95 " + rangeOf(p95))
		fmt.Printf("               max %s   (%d of %d runs ≤ 50 ms)\n", rangeOf(worst), under, len(rs))
		fmt.Println("  first frame      " + rangeOf(frames))
		var loads []string
		for _, r := range rs {
			loads = append(loads, strings.Fields(r.up.load[0] + " ?")[0])
		}
		fmt.Println("  1-min load average at each upload's start: " + strings.Join(loads, ", "))
	}
}

// median of ds.
func median(ds []time.Duration) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	return pct(ds, 50)
}

// rangeOf is "median (min–max)".
func rangeOf(ds []time.Duration) string {
	if len(ds) == 0 {
		return "-"
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	return fmt.Sprintf("%v (%v–%v)", ms(median(s)), ms(s[0]), ms(s[len(s)-1]))
}
