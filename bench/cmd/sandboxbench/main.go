// Command sandboxbench measures the sandbox region end to end: it builds
// s3crypt, starts `s3crypt serve` on a temporary directory, and times a
// 1 GiB SSE-KMS upload and download through aws-sdk-go-v2 (one PutObject
// streamed from a file, a multipart upload with parts sent in parallel,
// one GetObject streamed to a file, ranged GETs in parallel), with the
// server's peak RSS for each, next to `openssl speed -evp aes-256-gcm`.
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
	"path/filepath"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/s3crypt/s3crypt/internal/testtool"
)

// bench is one run's setup.
type bench struct {
	srv    *testtool.Serve
	s3     *s3.Client
	work   string
	src    string
	size   int64
	part   int64
	conc   int
	bucket string
}

// row is one line of the result table.
type row struct {
	name  string
	bytes int64
	took  time.Duration
	hwmKB int64
	mbps  float64 // set directly when there is no timed transfer
	note  string
}

func main() {
	sizeMiB := flag.Int64("size-mib", 1024, "object size in MiB")
	partMiB := flag.Int64("part-mib", 64, "multipart part size in MiB")
	conc := flag.Int("concurrency", 4, "parallel parts / ranges")
	keep := flag.Bool("keep", false, "keep the temporary directory")
	flag.Parse()
	if err := run(*sizeMiB<<20, *partMiB<<20, *conc, *keep); err != nil {
		fmt.Fprintln(os.Stderr, "sandboxbench: "+err.Error())
		os.Exit(1)
	}
}

func run(size, part int64, conc int, keep bool) error {
	work, err := os.MkdirTemp("", "s3crypt-bench-")
	if err != nil {
		return fmt.Errorf("make a work directory: %w", err)
	}
	if !keep {
		defer os.RemoveAll(work)
	}
	fmt.Fprintln(os.Stderr, "building s3crypt …")
	bin, err := testtool.Build(work)
	if err != nil {
		return err
	}
	src := filepath.Join(work, "source.bin")
	fmt.Fprintf(os.Stderr, "writing a %d MiB random file …\n", size>>20)
	srcSum, err := writeRandom(src, size)
	if err != nil {
		return err
	}
	srv, err := testtool.Launch(bin, filepath.Join(work, "sandbox"))
	if err != nil {
		return err
	}
	defer func() { _ = srv.Stop() }() // the figures are measured by then; a failed stop changes none
	s3c, _, err := srv.Clients()
	if err != nil {
		return err
	}
	b := &bench{srv: srv, s3: s3c, work: work, src: src, size: size, part: part, conc: conc, bucket: "bench"}
	ctx := context.Background()
	if _, err := s3c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(b.bucket)}); err != nil {
		return fmt.Errorf("create bucket: %w", err)
	}
	rows, err := b.measure(ctx, srcSum)
	if err != nil {
		return err
	}
	rows = append(rows, opensslRow())
	printTable(os.Stdout, rows, size)
	return nil
}

// measure runs every timed operation.
func (b *bench) measure(ctx context.Context, srcSum [32]byte) ([]row, error) {
	steps := []struct {
		name string
		key  string
		run  func(context.Context, string) error
	}{
		{"PUT single (SSE-KMS)", "single", b.putSingle},
		{"GET single", "single", b.getSingle},
		{fmt.Sprintf("PUT multipart %d MiB × %d parallel", b.part>>20, b.conc), "multi", b.putMultipart},
		{fmt.Sprintf("GET %d ranges in parallel", b.conc), "multi", b.getRanges},
	}
	var rows []row
	for _, st := range steps {
		fmt.Fprintf(os.Stderr, "%s …\n", st.name)
		if err := resetPeakRSS(b.srv.PID()); err != nil {
			return nil, err
		}
		start := time.Now()
		if err := st.run(ctx, st.key); err != nil {
			return nil, fmt.Errorf("%s: %w", st.name, err)
		}
		took := time.Since(start)
		hwm, err := peakRSSKB(b.srv.PID())
		if err != nil {
			return nil, err
		}
		r := row{name: st.name, bytes: b.size, took: took, hwmKB: hwm}
		if strings.HasPrefix(st.name, "GET") {
			r.note = b.checkDownload(srcSum)
		}
		rows = append(rows, r)
	}
	return rows, nil
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
