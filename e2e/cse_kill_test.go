package e2e

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/s3crypt/s3crypt/internal/testtool"
)

// TestKilledClientSideGetLeavesNoPlaintext runs the built binary's
// `s3crypt get` of a large client-side object, to a file and to standard
// output, and SIGKILLs it once its pending plaintext holds several MiB;
// then once more with SIGHUP (a closed terminal), which s3crypt traps and
// ends cleanly; then runs it on a copy whose GCM tag fails. Each time, no file is left
// under the target directory or TMPDIR and nothing reached standard
// output: unauthenticated plaintext lives only in an anonymous (O_TMPFILE)
// file that dies with the process.
func TestKilledClientSideGetLeavesNoPlaintext(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("the anonymous pending file (O_TMPFILE) and /proc are Linux only")
	}
	bin := testtool.BuildBinary(t)
	srv := testtool.StartServe(t, bin, t.TempDir())
	s3c, kmsc, err := srv.Clients()
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	if _, err := s3c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("cse")}); err != nil {
		t.Fatal(err)
	}
	key, err := kmsc.CreateKey(ctx, &kms.CreateKeyInput{})
	if err != nil {
		t.Fatal(err)
	}
	const size = 128 << 20
	data := make([]byte, size)
	_, _ = rand.Read(data)
	src := filepath.Join(t.TempDir(), "src.bin")
	if err := os.WriteFile(src, data, 0o600); err != nil {
		t.Fatal(err)
	}
	run := func(args ...string) *exec.Cmd {
		c := exec.CommandContext(ctx, bin, args...)
		c.Env = srv.Env()
		return c
	}
	if out, err := run("put", src, "s3://cse/big", "--client-side", "--kms-key", aws.ToString(key.KeyMetadata.KeyId)).CombinedOutput(); err != nil {
		t.Fatalf("put: %v\n%s", err, out)
	}
	// The tampered copy: one bit of the last MiB flipped.
	raw, err := s3c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("cse"), Key: aws.String("big")})
	if err != nil {
		t.Fatal(err)
	}
	body, err := io.ReadAll(raw.Body)
	raw.Body.Close()
	if err != nil {
		t.Fatal(err)
	}
	body[len(body)-100] ^= 1
	if _, err := s3c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("cse"), Key: aws.String("forged"),
		Body: bytes.NewReader(body), Metadata: raw.Metadata}); err != nil {
		t.Fatal(err)
	}

	for _, tc := range []struct {
		name, key string
		stdout    bool
		kill      bool
		hangup    bool // SIGHUP instead of SIGKILL: s3crypt must exit by itself, cleaning up
	}{
		{"killed, to a file", "big", false, true, false},
		{"hung up, to a file", "big", false, true, true},
		{"killed, to stdout", "big", true, true, false},
		{"tag fails, to a file", "forged", false, false, false},
		{"tag fails, to stdout", "forged", true, false, false},
	} {
		target, tmp := t.TempDir(), t.TempDir()
		dst := filepath.Join(target, "out.bin")
		arg := dst
		if tc.stdout {
			arg = "-"
		}
		stdout := filepath.Join(t.TempDir(), "stdout")
		so, err := os.Create(stdout)
		if err != nil {
			t.Fatal(err)
		}
		var stderr bytes.Buffer
		c := run("get", "s3://cse/"+tc.key, arg)
		c.Env = append(c.Env, "TMPDIR="+tmp)
		c.Stdout, c.Stderr = so, &stderr
		if err := c.Start(); err != nil {
			t.Fatal(err)
		}
		pendingDir := target
		if tc.stdout {
			pendingDir = tmp
		}
		seen := int64(0)
		if tc.kill {
			seen = waitForPending(t, c.Process.Pid, pendingDir, 8<<20)
			if tc.hangup {
				_ = c.Process.Signal(syscall.SIGHUP)
			} else {
				_ = c.Process.Kill()
			}
		}
		err = c.Wait()
		so.Close()
		var exit *exec.ExitError
		switch {
		case tc.hangup && (!errors.As(err, &exit) || exit.ExitCode() < 1):
			t.Fatalf("%s: SIGHUP should make s3crypt stop by itself with an error exit, got %v: %s", tc.name, err, stderr.String())
		case tc.kill && seen == 0:
			t.Fatalf("%s: the get finished before it could be killed (%v): %s", tc.name, err, stderr.String())
		case !tc.kill && (err == nil || !strings.Contains(stderr.String(), "failed authentication")):
			t.Fatalf("%s: exit %v, stderr %s", tc.name, err, stderr.String())
		}
		for _, d := range []string{target, tmp} {
			if left := filesUnder(t, d); len(left) > 0 {
				t.Fatalf("%s: plaintext left under %s: %v", tc.name, d, left)
			}
		}
		if fi, err := os.Stat(stdout); err != nil || fi.Size() != 0 {
			t.Fatalf("%s: %d bytes reached standard output (%v)", tc.name, fi.Size(), err)
		}
		t.Logf("%s: killed with %d MiB pending=%v; nothing left", tc.name, seen>>20, tc.kill)
	}
}

// waitForPending polls the process's open files until one of them, an
// unlinked file in dir (what O_TMPFILE makes), holds at least n bytes, and
// returns its size. It fails if the process ends first or the pending
// file has a name.
func waitForPending(t *testing.T, pid int, dir string, n int64) int64 {
	t.Helper()
	fdDir := fmt.Sprintf("/proc/%d/fd", pid)
	deadline := time.Now().Add(2 * time.Minute)
	for time.Now().Before(deadline) {
		fds, err := os.ReadDir(fdDir)
		if err != nil {
			return 0 // the process has ended
		}
		for _, fd := range fds {
			p := filepath.Join(fdDir, fd.Name())
			link, err := os.Readlink(p)
			if err != nil || !strings.HasPrefix(link, dir+"/") {
				continue
			}
			if !strings.HasSuffix(link, " (deleted)") {
				t.Fatalf("pending plaintext has a name: %s", link)
			}
			if fi, err := os.Stat(p); err == nil && fi.Size() >= n {
				return fi.Size()
			}
		}
		time.Sleep(time.Millisecond)
	}
	t.Fatal("no pending plaintext appeared")
	return 0
}

// filesUnder lists every file below dir.
func filesUnder(t *testing.T, dir string) []string {
	t.Helper()
	var files []string
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() {
			files = append(files, p)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}
