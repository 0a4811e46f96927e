package store

import (
	"bufio"
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	mrand "math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// crashDirEnv tells the test binary, re-executed by TestCrashSafety, to
// run as the writer that gets killed.
const crashDirEnv = "S3CRYPT_STORE_CRASH_DIR"

// TestCrashWriter is the helper process of TestCrashSafety: it writes
// until killed. Run directly it skips.
func TestCrashWriter(t *testing.T) {
	dir := os.Getenv(crashDirEnv)
	if dir == "" {
		t.Skip("helper process for TestCrashSafety")
	}
	if err := crashWriter(dir); err != nil {
		fmt.Fprintln(os.Stderr, "writer:", err)
		os.Exit(3)
	}
}

// TestCrashSafety kills a writing process with SIGKILL at random moments
// and checks after each restart that every object is whole (each blob has
// its recorded size and digest), every object the writer saw committed is
// there, and nothing is left over.
func TestCrashSafety(t *testing.T) {
	if testing.Short() {
		t.Skip("re-executes the test binary")
	}
	dir := t.TempDir()
	var kept []string
	for range 4 {
		kept = append(kept, runAndKill(t, dir, 2+mrand.IntN(25))...)
		verifyAfterCrash(t, dir, kept)
	}
}

// runAndKill starts the writer, waits until it reports atLeast committed
// objects, kills it at a random moment soon after, and returns every key
// it reported committed.
func runAndKill(t *testing.T, dir string, atLeast int) []string {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestCrashWriter$", "-test.count=1")
	cmd.Env = append(os.Environ(), crashDirEnv+"="+dir)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start writer: %v", err)
	}
	lines := make(chan string, 1024)
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			lines <- sc.Text()
		}
	}()
	var kept []string
	deadline := time.After(30 * time.Second)
	for len(kept) < atLeast {
		select {
		case l, ok := <-lines:
			if !ok {
				_ = cmd.Wait()
				t.Fatalf("writer ended early: %s", stderr.String())
			}
			if key, ok := strings.CutPrefix(l, "kept "); ok {
				kept = append(kept, key)
			}
		case <-deadline:
			_ = cmd.Process.Kill()
			t.Fatalf("writer too slow; stderr: %s", stderr.String())
		}
	}
	time.Sleep(time.Duration(mrand.IntN(3000)) * time.Microsecond)
	if err := cmd.Process.Kill(); err != nil {
		t.Fatalf("kill: %v", err)
	}
	for l := range lines { // lines written before the kill were committed too
		if key, ok := strings.CutPrefix(l, "kept "); ok {
			kept = append(kept, key)
		}
	}
	_ = cmd.Wait()
	return kept
}

func verifyAfterCrash(t *testing.T, dir string, kept []string) {
	t.Helper()
	s, err := Open(dir, Options{})
	if err != nil {
		t.Fatalf("reopen after kill: %v", err)
	}
	defer s.Close()
	checkConsistency(t, s)
	if left := files(t, filepath.Join(dir, "tmp")); len(left) != 0 {
		t.Fatalf("tmp after Open: %v", left)
	}
	referenced := 0
	for _, bucket := range []string{"plain", "ver"} {
		opt := ListOptions{}
		for {
			res, err := s.ListVersions(bucket, opt)
			if err != nil {
				t.Fatalf("ListVersions: %v", err)
			}
			for _, o := range res.Objects {
				referenced += checkParts(t, s, o.Parts)
			}
			if !res.Truncated {
				break
			}
			opt.After, opt.AfterVersion = res.NextAfter, res.NextAfterVersion
		}
		uploads, _, err := s.ListUploads(bucket, "", "", "", 1000)
		if err != nil {
			t.Fatalf("ListUploads: %v", err)
		}
		for _, u := range uploads {
			parts, err := s.UploadParts(bucket, u.Key, u.ID)
			if err != nil {
				t.Fatalf("UploadParts: %v", err)
			}
			for _, p := range parts {
				referenced += checkParts(t, s, []Part{p})
			}
		}
	}
	if onDisk := len(files(t, filepath.Join(dir, "blobs"))); onDisk > referenced {
		t.Fatalf("%d blob files on disk, %d referenced: orphans survived Open", onDisk, referenced)
	}
	for _, key := range kept {
		if _, err := s.GetObject("plain", key, ""); err != nil {
			t.Fatalf("committed object %s lost: %v", key, err)
		}
	}
}

// checkParts checks each part's blob against its recorded size and digest
// (the writer stores the hex SHA-256 in ETag) and returns how many there
// were.
func checkParts(t *testing.T, s *Store, parts []Part) int {
	t.Helper()
	for _, p := range parts {
		data, err := os.ReadFile(s.BlobPath(p.Blob))
		if err != nil {
			t.Fatalf("blob of part %d: %v", p.Number, err)
		}
		sum := sha256.Sum256(data)
		if int64(len(data)) != p.StoredSize || hex.EncodeToString(sum[:]) != p.ETag {
			t.Fatalf("blob %s: %d bytes, want %d; digest mismatch %v", p.Blob, len(data), p.StoredSize,
				hex.EncodeToString(sum[:]) != p.ETag)
		}
	}
	return len(parts)
}

// crashWriter writes objects, versions, deletes and multipart uploads
// until it is killed, printing "kept KEY" once an object that is never
// changed again is committed.
func crashWriter(dir string) error {
	s, err := Open(dir, Options{LockTimeout: 10 * time.Second})
	if err != nil {
		return err
	}
	for name, v := range map[string]string{"plain": "", "ver": VersioningEnabled} {
		if err := s.CreateBucket(Bucket{Name: name, Versioning: v}); err != nil && !errors.Is(err, ErrBucketExists) {
			return err
		}
	}
	for i := 0; ; i++ {
		var err error
		switch r := mrand.IntN(10); {
		case r < 4:
			err = crashPut(s, "plain", fmt.Sprintf("overwrite/%d", i%7))
		case r < 6:
			err = crashPut(s, "ver", fmt.Sprintf("v/%d", i%5))
			if err == nil && i%3 == 0 {
				_, _, err = s.DeleteObject("ver", fmt.Sprintf("v/%d", i%5), "")
			}
		case r < 7:
			err = crashMultipart(s, fmt.Sprintf("mp/%d", i%3))
		default:
			key := fmt.Sprintf("keep/%d-%d", os.Getpid(), i)
			if err = crashPut(s, "plain", key); err == nil {
				fmt.Println("kept " + key)
			}
		}
		if err != nil {
			return err
		}
	}
}

// crashPart writes a blob of random bytes and returns it as part n.
func crashPart(s *Store, n int) (Part, error) {
	data := make([]byte, mrand.IntN(96<<10))
	_, _ = rand.Read(data)
	id, size, err := s.WriteBlob(bytes.NewReader(data))
	if err != nil {
		return Part{}, err
	}
	sum := sha256.Sum256(data)
	return Part{Number: n, Blob: id, Size: size, StoredSize: size, ETag: hex.EncodeToString(sum[:])}, nil
}

func crashPut(s *Store, bucket, key string) error {
	p, err := crashPart(s, 1)
	if err != nil {
		return err
	}
	_, garbage, err := s.PutObject(Object{Bucket: bucket, Key: key, Size: p.Size, Parts: []Part{p}})
	s.RemoveBlobs(garbage...)
	return err
}

func crashMultipart(s *Store, key string) error {
	u, err := s.CreateUpload(Upload{Bucket: "plain", Key: key})
	if err != nil {
		return err
	}
	var used []Part
	for n := 1; n <= 3; n++ {
		p, err := crashPart(s, n)
		if err != nil {
			return err
		}
		garbage, err := s.PutPart("plain", key, u.ID, p)
		if err != nil {
			return err
		}
		s.RemoveBlobs(garbage...)
		if n != 2 {
			used = append(used, p)
		}
	}
	_, garbage, err := s.CompleteUpload("plain", key, u.ID, Object{Parts: used, MultipartCount: len(used)})
	s.RemoveBlobs(garbage...)
	return err
}
