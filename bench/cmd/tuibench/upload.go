package main

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"
)

// latency is what the upload test measured.
type latency struct {
	idle     []time.Duration  // the same, before the upload starts
	keys     []time.Duration  // key sent → screen shows the move
	lost     int              // keys whose move never showed (2 s)
	renders  int              // distinct progress lines seen
	took     time.Duration    // the upload, as the screen showed it
	captures int              // screens read
	sandbox  string           // where the UI served the sandbox
	used     map[string]usage // by role (ui, serve, worker), during the upload
	load     [2]string        // the load average before and after
}

func (l latency) print(size int64, every time.Duration) {
	fmt.Printf("\nwhile a %d MiB upload runs through the UI (%v on screen, %d screens read)\n", size>>20, ms(l.took), l.captures)
	fmt.Printf("  sandbox: %s\n", l.sandbox)
	if len(l.keys) == 0 {
		fmt.Println("  no key was timed")
		return
	}
	fmt.Printf("  idle, before it: %d keys, p50 %v, p95 %v, max %v\n", len(l.idle), ms(pct(l.idle, 50)), ms(pct(l.idle, 95)), ms(pct(l.idle, 100)))
	fmt.Printf("  input → screen, a key every %v: %d keys, p50 %v, p95 %v, max %v (aim: no stall over 50 ms)\n",
		every, len(l.keys), ms(pct(l.keys, 50)), ms(pct(l.keys, 95)), ms(pct(l.keys, 100)))
	if l.lost > 0 {
		fmt.Printf("  %d keys never showed within 2 s\n", l.lost)
	}
	fmt.Printf("  progress bar: %d distinct renders seen, %.1f per second\n", l.renders, float64(l.renders)/l.took.Seconds())
	for _, role := range []string{"ui", "worker", "serve"} {
		if u, ok := l.used[role]; ok {
			fmt.Printf("  %-6s process: %v on a CPU, %v runnable but waiting for one\n", role, ms(u.cpu), ms(u.wait))
		}
	}
	fmt.Printf("  load average: %s before, %s after\n", l.load[0], l.load[1])
}

// loadavg is the first three fields of /proc/loadavg.
func loadavg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "?"
	}
	return strings.Join(f[:3], " ")
}

// progressRe finds the progress line of the flow panel.
var progressRe = regexp.MustCompile(`\d+%\s+\S+ \S+/\S+ \S+.*?│`)

// uploadLatency creates a bucket with two small objects through the UI,
// starts uploading a size-byte file, and until it is stored moves the
// cursor between the two objects every interval, timing each move.
func uploadLatency(t *term, bin, work, dataDir string, size int64, every time.Duration) (latency, error) {
	var res latency
	big, err := sparseFile(filepath.Join(work, "big.bin"), size)
	if err != nil {
		return res, err
	}
	if err := t.respawn(command(bin, filepath.Join(work, dataDir))); err != nil {
		return res, err
	}
	if err := setupBucket(t, work); err != nil {
		return res, err
	}
	var child int
	res.sandbox, child = describeSandbox(t)
	var idle latency
	if err := measureMoves(t, every, &idle, 30); err != nil {
		return res, err
	}
	res.idle = idle.keys
	if _, err := t.waitFor(5*time.Second, "▸ a.txt"); err != nil {
		return res, err
	}
	steps := []func() error{
		func() error { return t.keys("u") },
		func() error { _, err := t.waitFor(5*time.Second, "Upload to s3://bench/"); return err },
		func() error { return t.typeText(big) },
		func() error { return t.keys("C-s") },
		func() error { _, err := t.waitFor(10*time.Second, "1 running"); return err },
	}
	if err := do(steps); err != nil {
		return res, err
	}
	var fam map[string]int
	if ui, perr := t.panePID(); perr == nil {
		fam = family(ui)
	}
	before := usages(fam)
	res.load[0] = loadavg()
	start := time.Now()
	err = measureMoves(t, every, &res, 0)
	res.took = time.Since(start)
	res.load[1] = loadavg()
	res.used = map[string]usage{}
	for role, u := range usages(fam) {
		res.used[role] = u.sub(before[role])
	}
	if err != nil {
		return res, err
	}
	if err := t.quit(); err != nil {
		return res, err
	}
	if child != 0 {
		return res, waitGone(child, 5*time.Second)
	}
	return res, nil
}

// measureMoves alternates j and k until the upload is done (or n keys,
// when n > 0), timing each move from send-keys to the screen, and counts
// progress renders.
func measureMoves(t *term, every time.Duration, res *latency, n int) error {
	lastProgress := ""
	want := "▸ b.txt"
	down := true
	deadline := time.Now().Add(10 * time.Minute)
	for i := 0; time.Now().Before(deadline); i++ {
		if n > 0 && i == n {
			return nil
		}
		key := "j"
		if !down {
			key = "k"
		}
		sent := time.Now()
		if err := t.keys(key); err != nil {
			return err
		}
		seen := false
		for time.Since(sent) < 2*time.Second {
			s, err := t.screen()
			if err != nil {
				return err
			}
			res.captures++
			if p := progressRe.FindString(s); p != "" && p != lastProgress {
				res.renders++
				lastProgress = p
			}
			if strings.Contains(s, "✓ upload big.bin") || strings.Contains(s, "failed") {
				return nil
			}
			if !seen && strings.Contains(s, want) {
				res.keys = append(res.keys, time.Since(sent))
				seen = true
			}
			if seen && time.Since(sent) >= every {
				break
			}
			time.Sleep(2 * time.Millisecond)
		}
		if !seen {
			res.lost++
		}
		down = !down
		want = map[bool]string{true: "▸ b.txt", false: "▸ a.txt"}[down]
	}
	return fmt.Errorf("the upload did not end in 10 minutes")
}

// setupBucket creates bucket "bench" with a.txt and b.txt, opened, the
// cursor on a.txt.
func setupBucket(t *term, work string) error {
	var steps []func() error
	wait := func(want ...string) func() error {
		return func() error { _, err := t.waitFor(10*time.Second, want...); return err }
	}
	keys := func(k ...string) func() error { return func() error { return t.keys(k...) } }
	typ := func(s string) func() error { return func() error { return t.typeText(s) } }
	steps = append(steps, wait("q quit", "no buckets yet"), keys("n"), wait("Create a bucket"), typ("bench"), keys("C-s"),
		wait("✓ create bucket bench"), wait("▸ bench"), keys("Enter"), wait("empty — press u"))
	for _, name := range []string{"a.txt", "b.txt"} {
		p := filepath.Join(work, name)
		if err := os.WriteFile(p, []byte("small object "+name), 0o600); err != nil {
			return fmt.Errorf("write %s: %w", p, err)
		}
		steps = append(steps, keys("u"), wait("Upload to s3://bench/"), typ(p), keys("C-s"), wait("✓ upload "+name), wait(name, "SSE-S3"))
	}
	steps = append(steps, keys("g"), wait("▸ a.txt"))
	return do(steps)
}

// do runs steps in order until one fails.
func do(steps []func() error) error {
	for _, s := range steps {
		if err := s(); err != nil {
			return err
		}
	}
	return nil
}

// sparseFile makes a file of size zero bytes without writing them: S3
// still encrypts every byte, which is what takes the time.
func sparseFile(path string, size int64) (string, error) {
	f, err := os.Create(path)
	if err != nil {
		return "", fmt.Errorf("create %s: %w", path, err)
	}
	defer f.Close()
	if err := f.Truncate(size); err != nil {
		return "", fmt.Errorf("size %s: %w", path, err)
	}
	return path, f.Close()
}
