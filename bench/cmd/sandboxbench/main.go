// Command sandboxbench measures the sandbox region end to end: it builds
// s3crypt, starts `s3crypt serve` on a temporary directory, and times a
// 1 GiB SSE-KMS upload and download through aws-sdk-go-v2 (one PutObject
// streamed from a file, a multipart upload with parts sent in parallel,
// one GetObject streamed to a file, ranged GETs in parallel), with the
// server's peak RSS for each, next to `dd conv=fsync` of the same size on
// the same disk (the ceiling a PUT can reach: the sandbox syncs every
// blob) and `openssl speed -evp aes-256-gcm`.
//
// Each round runs dd and then every operation once; with -rounds N the
// table shows the median and the spread (slowest–fastest). With -compare
// DIR it also builds s3crypt from DIR (e.g. `git archive main | tar -x -C
// /tmp/main`) and runs the same operations against that binary's own
// server in the same rounds, interleaved, so a change is measured against
// its baseline under the same load.
//
// It is a program, not a `go test -bench`, so `go test ./...` never runs
// it: run bench/sandbox.sh. Multipart is done with UploadPart directly
// rather than the SDK's transfer manager to need no new dependency.
package main

import (
	"context"
	"crypto/sha256"
	"flag"
	"fmt"
	"io"
	mrand "math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/s3crypt/s3crypt/internal/testtool"
)

// bench is one server under test.
type bench struct {
	label  string // "" for the working tree, else the -compare label
	srv    *testtool.Serve
	s3     *s3.Client
	work   string
	src    string
	size   int64
	part   int64
	conc   int
	bucket string
}

// step is one timed operation.
type step struct {
	name string
	key  string
	get  bool
	run  func(*bench, context.Context, string) error
}

// sample is one timed run of a step.
type sample struct {
	took  time.Duration
	hwmKB int64
	note  string
}

type options struct {
	size, part int64
	conc       int
	rounds     int
	keep       bool
	gets       bool
	compare    string
	label      string
}

func main() {
	var o options
	sizeMiB := flag.Int64("size-mib", 1024, "object size in MiB")
	partMiB := flag.Int64("part-mib", 64, "multipart part size in MiB")
	flag.IntVar(&o.conc, "concurrency", 4, "parallel parts / ranges")
	flag.IntVar(&o.rounds, "rounds", 1, "rounds of dd + every operation; the table shows the median and spread")
	flag.BoolVar(&o.keep, "keep", false, "keep the temporary directory")
	flag.BoolVar(&o.gets, "get", true, "also time the GETs")
	flag.StringVar(&o.compare, "compare", "", "also build s3crypt from this source tree and time it in the same rounds")
	flag.StringVar(&o.label, "compare-label", "", "label of the -compare rows (default: the directory's name)")
	flag.Parse()
	o.size, o.part = *sizeMiB<<20, *partMiB<<20
	if o.rounds < 1 {
		o.rounds = 1
	}
	if o.compare != "" && o.label == "" {
		o.label = filepath.Base(filepath.Clean(o.compare))
	}
	if err := run(o); err != nil {
		fmt.Fprintln(os.Stderr, "sandboxbench: "+err.Error())
		os.Exit(1)
	}
}

func run(o options) error {
	work, err := os.MkdirTemp("", "s3crypt-bench-")
	if err != nil {
		return fmt.Errorf("make a work directory: %w", err)
	}
	if !o.keep {
		defer os.RemoveAll(work)
	}
	src := filepath.Join(work, "source.bin")
	fmt.Fprintf(os.Stderr, "writing a %d MiB random file …\n", o.size>>20)
	srcSum, err := writeRandom(src, o.size)
	if err != nil {
		return err
	}
	fmt.Fprintln(os.Stderr, "building s3crypt …")
	bin, err := testtool.Build(work)
	if err != nil {
		return err
	}
	bins := []struct{ label, bin string }{{"", bin}}
	if o.compare != "" {
		fmt.Fprintf(os.Stderr, "building s3crypt from %s …\n", o.compare)
		other, err := buildIn(o.compare, filepath.Join(work, "compare"))
		if err != nil {
			return err
		}
		bins = append(bins, struct{ label, bin string }{o.label, other})
	}
	var benches []*bench
	defer func() {
		for _, b := range benches {
			_ = b.srv.Stop() // the figures are measured by then; a failed stop changes none
		}
	}()
	ctx := context.Background()
	for i, bb := range bins {
		srv, err := testtool.Launch(bb.bin, filepath.Join(work, fmt.Sprintf("sandbox%d", i)))
		if err != nil {
			return err
		}
		b := &bench{label: bb.label, srv: srv, work: work, src: src, size: o.size, part: o.part, conc: o.conc, bucket: "bench"}
		benches = append(benches, b)
		if b.s3, _, err = srv.Clients(); err != nil {
			return err
		}
		if _, err := b.s3.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(b.bucket)}); err != nil {
			return fmt.Errorf("create bucket: %w", err)
		}
	}
	steps := []step{
		{name: "PUT single (SSE-KMS)", key: "single", run: (*bench).putSingle},
		{name: "GET single", key: "single", get: true, run: (*bench).getSingle},
		{name: fmt.Sprintf("PUT multipart %d MiB × %d parallel", o.part>>20, o.conc), key: "multi", run: (*bench).putMultipart},
		{name: fmt.Sprintf("GET %d ranges in parallel", o.conc), key: "multi", get: true, run: (*bench).getRanges},
	}
	if !o.gets {
		steps = []step{steps[0], steps[2]}
	}
	res := newResults()
	for round := 1; round <= o.rounds; round++ {
		fmt.Fprintf(os.Stderr, "round %d/%d: dd conv=fsync …\n", round, o.rounds)
		took, err := ddFsync(work, o.size)
		if err != nil {
			return err
		}
		res.add(ddName(o.size), sample{took: took})
		// Alternate which binary goes first, so neither always meets the
		// page cache or the load the other left.
		order := benches
		if round%2 == 0 && len(benches) > 1 {
			order = []*bench{benches[1], benches[0]}
		}
		for _, b := range order {
			if err := b.measure(ctx, steps, srcSum, res); err != nil {
				return err
			}
		}
	}
	var names []string
	for _, b := range benches {
		for _, st := range steps {
			names = append(names, rowName(b.label, st.name))
		}
	}
	rows := res.rows(ddName(o.size), names, o.size)
	rows = append(rows, opensslRow())
	printTable(os.Stdout, rows, o, loadAverage())
	return nil
}

// measure runs every step once against b's server.
func (b *bench) measure(ctx context.Context, steps []step, srcSum [32]byte, res *results) error {
	for _, st := range steps {
		name := rowName(b.label, st.name)
		fmt.Fprintf(os.Stderr, "%s …\n", name)
		if err := resetPeakRSS(b.srv.PID()); err != nil {
			return err
		}
		start := time.Now()
		if err := st.run(b, ctx, st.key); err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		s := sample{took: time.Since(start)}
		var err error
		if s.hwmKB, err = peakRSSKB(b.srv.PID()); err != nil {
			return err
		}
		if st.get {
			s.note = b.checkDownload(srcSum)
		}
		res.add(name, s)
	}
	return nil
}

func rowName(label, name string) string {
	if label == "" {
		return name
	}
	return "[" + label + "] " + name
}

func ddName(size int64) string {
	return fmt.Sprintf("dd bs=1M count=%d conv=fsync (same disk)", size>>20)
}

// ddFsync times `dd if=/dev/zero of=<work>/dd.bin bs=1M count=N
// conv=fsync` — a sequential write and one fsync, what a PUT of the same
// size costs the disk at the least — and removes the file.
func ddFsync(work string, size int64) (time.Duration, error) {
	out := filepath.Join(work, "dd.bin")
	defer os.Remove(out)
	cmd := exec.Command("dd", "if=/dev/zero", "of="+out, "bs=1M", fmt.Sprintf("count=%d", size>>20), "conv=fsync")
	var stderr strings.Builder
	cmd.Stderr = &stderr
	start := time.Now()
	if err := cmd.Run(); err != nil {
		return 0, fmt.Errorf("dd: %w: %s", err, strings.TrimSpace(stderr.String()))
	}
	return time.Since(start), nil
}

// buildIn builds s3crypt from the source tree dir into out.
func buildIn(dir, out string) (string, error) {
	cmd := exec.Command("go", "build", "-o", out, ".")
	cmd.Dir = dir
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("go build in %s: %w\n%s", dir, err, stderr.String())
	}
	return out, nil
}

// loadAverage is /proc/loadavg's first three fields, or "".
func loadAverage() string {
	data, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return ""
	}
	f := strings.Fields(string(data))
	if len(f) < 3 {
		return ""
	}
	return strings.Join(f[:3], " ")
}

// checkDownload compares the last download with the source.
func (b *bench) checkDownload(want [32]byte) string {
	f, err := os.Open(filepath.Join(b.work, "download.bin"))
	if err != nil {
		return "unverified: " + err.Error()
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "unverified: " + err.Error()
	}
	if [32]byte(h.Sum(nil)) != want {
		return "MISMATCH"
	}
	return "sha256 ok"
}

// writeRandom fills path with size pseudo-random bytes and returns their
// SHA-256.
func writeRandom(path string, size int64) ([32]byte, error) {
	f, err := os.Create(path)
	if err != nil {
		return [32]byte{}, fmt.Errorf("create %s: %w", path, err)
	}
	defer f.Close()
	var seed [32]byte
	seed[0] = 42
	rng := mrand.NewChaCha8(seed)
	h := sha256.New()
	if _, err := io.CopyN(io.MultiWriter(f, h), rng, size); err != nil {
		return [32]byte{}, fmt.Errorf("write %s: %w", path, err)
	}
	return [32]byte(h.Sum(nil)), f.Close()
}
