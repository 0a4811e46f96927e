package learn_test

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/s3crypt/s3crypt/internal/testtool"
	"github.com/s3crypt/s3crypt/learn"
)

// TestProgressSurvivesRestart: progress saved by one process is read by
// another (the built binary's `learn` list), sticky once passed.
func TestProgressSurvivesRestart(t *testing.T) {
	lessonEnv(t)
	p, err := learn.LoadProgress("02-kms-keys")
	if err != nil || len(p.Passed) != 0 || p.Lesson != "02-kms-keys" {
		t.Fatalf("fresh progress: %+v, %v", p, err)
	}
	if !p.Record([]learn.Result{{Step: 0, Passed: true}, {Step: 1}, {Step: 2, Passed: true}}) {
		t.Fatal("Record changed nothing")
	}
	if p.Current != 1 {
		t.Fatalf("Current = %d, want 1", p.Current)
	}
	if err := learn.SaveProgress(p); err != nil {
		t.Fatal(err)
	}
	// Sticky: a later check that fails step 1 does not unpass it.
	p.Record([]learn.Result{{Step: 0}, {Step: 1}, {Step: 2}})
	if !p.Passed[0] || !p.Passed[2] {
		t.Fatalf("progress not sticky: %v", p.Passed)
	}
	bin := testtool.BuildBinary(t)
	cmd := exec.Command(bin, "learn")
	cmd.Env = append(withoutAWS(os.Environ()), "XDG_DATA_HOME="+os.Getenv("XDG_DATA_HOME"), "XDG_STATE_HOME="+os.Getenv("XDG_STATE_HOME"))
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("s3crypt learn: %v\n%s", err, out)
	}
	if !bytesContain(out, "KMS keys: usage and spec") || !bytesContain(out, "2/4 steps") {
		t.Fatalf("s3crypt learn does not show the saved progress:\n%s", out)
	}
	again, err := learn.LoadProgress("02-kms-keys")
	if err != nil || len(again.Passed) != 3 || !again.Passed[0] || again.Passed[1] || !again.Passed[2] || again.Current != 1 {
		t.Fatalf("reloaded progress %+v, %v", again, err)
	}
}

func bytesContain(b []byte, s string) bool { return strings.Contains(string(b), s) }

// TestResetRestoresFreshSandbox: reset refuses while the sandbox is open,
// then removes its state and progress, and every check fails again.
func TestResetRestoresFreshSandbox(t *testing.T) {
	lessonEnv(t)
	l, _ := learn.Find("01-why-encrypt")
	b := openLesson(t, l.ID)
	if _, err := b.S3.CreateBucket(context.Background(), &s3.CreateBucketInput{Bucket: aws.String("lesson")}); err != nil {
		t.Fatal(err)
	}
	if r := check(t, b, l); !r[0].Passed {
		t.Fatalf("step 1 not passed after mb: %s", r[0].Why)
	}
	if err := learn.SaveProgress(learn.Progress{Lesson: l.ID, Passed: []bool{true}, Current: 1}); err != nil {
		t.Fatal(err)
	}
	if err := learn.Reset(l.ID); !errors.Is(err, learn.ErrInUse) {
		t.Fatalf("Reset while open: %v, want ErrInUse", err)
	}
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	if err := learn.Reset(l.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(learn.DataDir(l.ID), "data")); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("sandbox data still there: %v", err)
	}
	if p, _ := learn.LoadProgress(l.ID); len(p.Passed) != 0 {
		t.Fatalf("progress after reset: %+v", p)
	}
	b2 := openLesson(t, l.ID)
	for _, r := range check(t, b2, l) {
		if r.Passed {
			t.Errorf("after reset step %d passed", r.Step+1)
		}
	}
}

// TestCheckHonoursContext: a cancelled context ends Check with its error.
func TestCheckHonoursContext(t *testing.T) {
	lessonEnv(t)
	l, _ := learn.Find("11-bucket-keys")
	b := openLesson(t, l.ID)
	ctx, cancel := context.WithTimeout(context.Background(), time.Nanosecond)
	defer cancel()
	time.Sleep(time.Millisecond)
	if _, err := learn.Check(ctx, b, l); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Check on an ended context: %v", err)
	}
}
