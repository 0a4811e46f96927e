// Command reencryptbench measures bulk re-encryption on the sandbox: it
// fills a fresh sandbox with many small objects and a few large ones
// (SSE-S3), then times the built s3crypt binary's `reencrypt --recursive`
// to SSE-KMS with a bucket key, once by UpdateObjectEncryption (the data
// key is re-wrapped) and once with --copy (every byte rewritten), and
// prints objects/s, MB/s and the process's peak RSS (the sandbox runs in
// it). The machine's load average is printed with each figure, as the
// machine may be shared.
package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"golang.org/x/sync/errgroup"

	"github.com/s3crypt/s3crypt/awsclient"
)

func main() {
	n := flag.Int("objects", 2000, "small objects")
	size := flag.Int("size-kib", 64, "size of each small object, KiB")
	big := flag.Int("big", 4, "large objects")
	bigMiB := flag.Int("big-mib", 1024, "size of each large object, MiB")
	conc := flag.Int("concurrency", 8, "reencrypt --concurrency")
	bin := flag.String("bin", "", "s3crypt binary (default: go build one)")
	flag.Parse()
	tmp, err := os.MkdirTemp("", "reencryptbench-")
	check(err)
	defer os.RemoveAll(tmp)
	if *bin == "" {
		*bin = filepath.Join(tmp, "s3crypt")
		c := exec.Command("go", "build", "-o", *bin, ".")
		c.Stderr = os.Stderr
		check(c.Run())
	}
	if *n > 0 {
		run(*bin, tmp, "small", *n, int64(*size)<<10, *conc)
	}
	if *big > 0 {
		run(*bin, tmp, "large", *big, int64(*bigMiB)<<20, *conc)
	}
}

// run fills a sandbox with count objects of size bytes, then re-encrypts
// them both ways.
func run(bin, tmp, name string, count int, size int64, conc int) {
	for _, mode := range []string{"update", "copy"} {
		dir := filepath.Join(tmp, name+"-"+mode)
		fill(dir, count, size)
		args := []string{"--data", dir, "reencrypt", "s3://bench/", "--recursive", "--sse", "aws:kms", "--kms-key", "alias/bench",
			"--bucket-key", "--concurrency", fmt.Sprint(conc), "--journal-dir", filepath.Join(dir, "journal")}
		if mode == "copy" {
			args = append(args, "--copy")
		}
		c := exec.Command(bin, args...)
		c.Env = append(os.Environ(), "AWS_ENDPOINT_URL=")
		var out bytes.Buffer
		c.Stdout = &out
		load0 := loadavg()
		start := time.Now()
		if err := c.Run(); err != nil {
			log.Fatalf("%s: %v\n%s", strings.Join(args, " "), err, out.String())
		}
		el := time.Since(start)
		ru := c.ProcessState.SysUsage().(*syscall.Rusage)
		total := float64(size) * float64(count)
		fmt.Printf("%-5s %4d x %-9s %-6s %6.2fs  %8.1f objects/s  %7.1f MB/s  peak RSS %4d MiB  load %s -> %s\n",
			name, count, human(size), mode, el.Seconds(), float64(count)/el.Seconds(), total/el.Seconds()/1e6, ru.Maxrss>>10, load0, loadavg())
		if !strings.Contains(out.String(), fmt.Sprintf("%d verified", count)) {
			log.Fatalf("not every object verified:\n%s", out.String())
		}
		os.RemoveAll(dir)
	}
}

// fill makes a sandbox in dir with bucket "bench", KMS alias/bench, and
// count SSE-S3 objects of size random bytes.
func fill(dir string, count int, size int64) {
	ctx := context.Background()
	b, err := awsclient.Open(ctx, awsclient.Options{DataDir: dir, Getenv: func(string) string { return "" }})
	check(err)
	defer b.Close()
	_, err = b.S3.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("bench")})
	check(err)
	k, err := b.KMS.CreateKey(ctx, &kms.CreateKeyInput{})
	check(err)
	_, err = b.KMS.CreateAlias(ctx, &kms.CreateAliasInput{AliasName: aws.String("alias/bench"), TargetKeyId: k.KeyMetadata.KeyId})
	check(err)
	src := filepath.Join(dir, "src.bin")
	f, err := os.Create(src)
	check(err)
	_, err = io.CopyN(f, rand.Reader, size)
	check(err)
	check(f.Close())
	var g errgroup.Group
	g.SetLimit(8)
	for i := range count {
		g.Go(func() error {
			f, err := os.Open(src)
			if err != nil {
				return err
			}
			defer f.Close()
			_, err = b.S3.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("bench"), Key: aws.String(fmt.Sprintf("o/%05d", i)),
				Body: f, ContentLength: aws.Int64(size), ServerSideEncryption: "AES256"})
			return err
		})
	}
	check(g.Wait())
	check(os.Remove(src))
}

func loadavg() string {
	data, _ := os.ReadFile("/proc/loadavg")
	f := strings.Fields(string(data))
	if len(f) < 1 {
		return "?"
	}
	return f[0]
}

func human(n int64) string {
	if n >= 1<<20 {
		return fmt.Sprintf("%dMiB", n>>20)
	}
	return fmt.Sprintf("%dKiB", n>>10)
}

func check(err error) {
	if err != nil {
		log.Fatal(err)
	}
}
