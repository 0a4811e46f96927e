package sandbox_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/s3crypt/s3crypt/awsclient"
	"github.com/s3crypt/s3crypt/keyflow"
	"github.com/s3crypt/s3crypt/sandbox"
	"github.com/s3crypt/s3crypt/sandbox/trace"
)

// TestMain lets this test binary be the child sandbox process of the
// tests below: `sandboxtest-child serve DIR` serves DIR as `s3crypt serve
// --stop-with-stdin` does; `sandboxtest-child fail` says why not and
// exits 3.
func TestMain(m *testing.M) {
	if len(os.Args) > 2 && os.Args[1] == "sandboxtest-child" {
		os.Exit(childMain(os.Args[2:]))
	}
	os.Exit(m.Run())
}

func childMain(args []string) int {
	if args[0] != "serve" || len(args) < 2 {
		fmt.Fprintln(os.Stderr, "child: refusing to serve on purpose")
		return 3
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM)
	defer stop()
	sb, err := sandbox.Start(ctx, sandbox.Options{Dir: args[1], NoAttach: true, NoSync: true})
	if err != nil {
		fmt.Fprintln(os.Stderr, "child:", err)
		return 1
	}
	for _, l := range sb.Env() {
		fmt.Println(l)
	}
	go func() { _, _ = io.Copy(io.Discard, os.Stdin); stop() }()
	<-ctx.Done()
	fmt.Fprintln(os.Stderr, "child: stopping")
	if err := sb.Close(); err != nil {
		fmt.Fprintln(os.Stderr, "child:", err)
		return 1
	}
	return 0
}

// childOptions runs this test binary as the child, in mode.
func childOptions(mode string, called *int) *sandbox.ChildOptions {
	return &sandbox.ChildOptions{Nice: 5, Command: func(dir string) []string {
		*called++
		return []string{os.Args[0], "sandboxtest-child", mode, dir}
	}}
}

// TestChildServesAtLowerPriorityAndStops starts the sandbox in a child
// process, uses it through the attach path, and checks that the child
// runs at a lower priority (Linux: every thread), and that Close stops it
// and lets go of the data directory.
func TestChildServesAtLowerPriorityAndStops(t *testing.T) {
	dir := t.TempDir()
	var called int
	sb, err := sandbox.Start(context.Background(), sandbox.Options{Dir: dir, Child: childOptions("serve", &called)})
	if err != nil {
		t.Fatal(err)
	}
	defer sb.Close()
	pid := sb.ChildPID()
	if called != 1 || pid == 0 || pid == os.Getpid() || !sb.Attached() || sb.Fallback() != nil {
		t.Fatalf("want an attached child: called %d, pid %d, attached %v, fallback %v", called, pid, sb.Attached(), sb.Fallback())
	}
	e := envFor(t, sb)
	e.mkBucket("child")
	if _, err := put(e, "child", "o", []byte("served by the child"), nil); err != nil {
		t.Fatal(err)
	}
	view, err := sb.Inspect(ctx(), "child", "o", "")
	if err != nil || view.Mode != "AES256" {
		t.Fatalf("inspect through the child: %v %+v", err, view)
	}
	if runtime.GOOS == "linux" {
		own := niceOf(t, os.Getpid(), os.Getpid())
		for _, tid := range tasksOf(t, pid) {
			if n := niceOf(t, pid, tid); n != min(own+5, 19) {
				t.Errorf("child thread %d has nice %d, want %d", tid, n, min(own+5, 19))
			}
		}
	}

	if err := sb.Close(); err != nil {
		t.Fatalf("close: %v", err)
	}
	if err := syscall.Kill(pid, 0); !errors.Is(err, syscall.ESRCH) {
		t.Fatalf("the child %d is still there after Close: %v", pid, err)
	}
	log, _ := os.ReadFile(filepath.Join(dir, sandbox.ChildLogFile))
	if !strings.Contains(string(log), "child: stopping") {
		t.Errorf("the child's stderr is not in its log: %q", log)
	}
	// The directory is free again: this process can serve it.
	again, err := sandbox.Start(context.Background(), sandbox.Options{Dir: dir, NoAttach: true, NoSync: true})
	if err != nil {
		t.Fatalf("the data directory is still held: %v", err)
	}
	defer again.Close()
	if again.Attached() {
		t.Fatal("attached to a child that should be gone")
	}
	got, _, err := envFor(t, again).get(&s3.GetObjectInput{Bucket: aws.String("child"), Key: aws.String("o")})
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != "served by the child" {
		t.Fatalf("read back %q", got)
	}
}

// TestChildFallsBackInProcess: a child that does not serve leaves the
// sandbox in-process, with the reason in Fallback and in the log next to
// the child's own stderr.
func TestChildFallsBackInProcess(t *testing.T) {
	dir := t.TempDir()
	var called int
	sb, err := sandbox.Start(context.Background(), sandbox.Options{Dir: dir, NoSync: true, Child: childOptions("fail", &called)})
	if err != nil {
		t.Fatal(err)
	}
	defer sb.Close()
	if called != 1 || sb.ChildPID() != 0 || sb.Attached() || sb.Fallback() == nil {
		t.Fatalf("want in-process with a reason: called %d, pid %d, attached %v, fallback %v", called, sb.ChildPID(), sb.Attached(), sb.Fallback())
	}
	if !strings.Contains(sb.Fallback().Error(), "exit status 3") {
		t.Errorf("the reason does not say how the child ended: %v", sb.Fallback())
	}
	log, _ := os.ReadFile(filepath.Join(dir, sandbox.ChildLogFile))
	for _, want := range []string{"child: refusing to serve on purpose", "serving the sandbox in the calling process instead"} {
		if !strings.Contains(string(log), want) {
			t.Errorf("the log lacks %q:\n%s", want, log)
		}
	}
	if sb.Trace() == nil {
		t.Fatal("in-process sandbox without its trace bus")
	}
}

// TestChildNotStartedWhenServed: when another process (here an in-process
// sandbox) serves the directory already, Start attaches to it without a
// child, and without waiting for the lock.
func TestChildNotStartedWhenServed(t *testing.T) {
	e := newEnv(t)
	var called int
	start := time.Now()
	sb, err := sandbox.Start(context.Background(), sandbox.Options{Dir: e.sb.Dir(), Child: childOptions("serve", &called)})
	if err != nil {
		t.Fatal(err)
	}
	defer sb.Close()
	if called != 0 || sb.ChildPID() != 0 || !sb.Attached() || sb.Endpoint() != e.sb.Endpoint() {
		t.Fatalf("want attached to the server: called %d, pid %d, attached %v, %s", called, sb.ChildPID(), sb.Attached(), sb.Endpoint())
	}
	if runtime.GOOS == "linux" && time.Since(start) > 150*time.Millisecond {
		t.Errorf("attaching took %v: the lock was waited for, not probed", time.Since(start))
	}
	if err := sb.Close(); err != nil {
		t.Fatal(err)
	}
	e.mkBucket("still-served") // the server is not stopped by the attached view's Close
}

// tasksOf lists the thread ids of process pid (Linux).
func tasksOf(t *testing.T, pid int) []int {
	t.Helper()
	ents, err := os.ReadDir(fmt.Sprintf("/proc/%d/task", pid))
	if err != nil {
		t.Fatal(err)
	}
	var out []int
	for _, e := range ents {
		if n, err := strconv.Atoi(e.Name()); err == nil {
			out = append(out, n)
		}
	}
	return out
}

// niceOf reads thread tid's nice value from /proc (field 19 of stat).
func niceOf(t *testing.T, pid, tid int) int {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/task/%d/stat", pid, tid))
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	fields := strings.Fields(s[strings.LastIndexByte(s, ')')+2:]) // after "pid (comm) "
	n, err := strconv.Atoi(fields[16])
	if err != nil {
		t.Fatalf("stat of %d/%d: %q", pid, tid, s)
	}
	return n
}

// TestChildTraceIsHereWithTheResponse: served by a child, the trace is
// mirrored on a bus in this process, and a job's steps are on it by the
// time its response has been read (no waiting for the stream to catch up).
func TestChildTraceIsHereWithTheResponse(t *testing.T) {
	var called int
	sb, err := sandbox.Start(context.Background(), sandbox.Options{Dir: t.TempDir(), Child: childOptions("serve", &called)})
	if err != nil {
		t.Fatal(err)
	}
	defer sb.Close()
	traceIsHereWithTheResponse(t, sb)
}

// TestMirrorTraceIsHereWithTheResponse: attached to a server another
// process runs (the UI's transfer helper), Options.Mirror gives the same
// guarantee as a child's starter has; without it there is no bus.
func TestMirrorTraceIsHereWithTheResponse(t *testing.T) {
	e := newEnv(t)
	plain, err := sandbox.Start(context.Background(), sandbox.Options{Dir: e.sb.Dir()})
	if err != nil {
		t.Fatal(err)
	}
	if !plain.Attached() || plain.Trace() != nil {
		t.Fatalf("attached without Mirror: attached %v, bus %v", plain.Attached(), plain.Trace() != nil)
	}
	plain.Close()
	sb, err := sandbox.Start(context.Background(), sandbox.Options{Dir: e.sb.Dir(), Mirror: true})
	if err != nil {
		t.Fatal(err)
	}
	defer sb.Close()
	if !sb.Attached() {
		t.Fatal("not attached to the server")
	}
	traceIsHereWithTheResponse(t, sb)
}

// traceIsHereWithTheResponse checks that a job's steps are on sb's bus by
// the time its response has been read.
func traceIsHereWithTheResponse(t *testing.T, sb *sandbox.Sandbox) {
	t.Helper()
	if sb.Trace() == nil {
		t.Fatal("no trace bus mirrored from the serving process")
	}
	cfg, err := awsclient.SandboxConfig(context.Background(), sb)
	if err != nil {
		t.Fatal(err)
	}
	client := s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = true })
	if _, err := client.CreateBucket(ctx(), &s3.CreateBucketInput{Bucket: aws.String("traced")}); err != nil {
		t.Fatal(err)
	}
	for i := range 20 {
		job := fmt.Sprintf("job-%d", i)
		sub := sb.Trace().Subscribe(256)
		_, err := client.PutObject(ctx(), &s3.PutObjectInput{Bucket: aws.String("traced"), Key: aws.String(job), Body: strings.NewReader("x"),
			ServerSideEncryption: "aws:kms"}, func(o *s3.Options) {
			o.APIOptions = append(o.APIOptions, smithyhttp.AddHeaderValue(keyflow.JobHeader, job))
		})
		if err != nil {
			t.Fatal(err)
		}
		ops := drainJob(sub, job)
		if len(ops) == 0 || ops[len(ops)-1] != string(keyflow.OpStored) || !slices.Contains(ops, string(keyflow.OpGenerateDataKey)) {
			t.Fatalf("put %d: the steps on the bus right after the response: %v", i, ops)
		}
	}
	multipartTraceIsHereWithComplete(t, sb, client)
}

// multipartTraceIsHereWithComplete: an UploadPart's response waits for
// no barrier of its own (SyncTransport), yet by the time the upload's
// CompleteMultipartUpload response has been read, every part's steps are
// on the bus, before the Complete's.
func multipartTraceIsHereWithComplete(t *testing.T, sb *sandbox.Sandbox, client *s3.Client) {
	t.Helper()
	for i := range 5 {
		job := fmt.Sprintf("multipart-%d", i)
		withJob := func(o *s3.Options) {
			o.APIOptions = append(o.APIOptions, smithyhttp.AddHeaderValue(keyflow.JobHeader, job))
		}
		sub := sb.Trace().Subscribe(256)
		up, err := client.CreateMultipartUpload(ctx(), &s3.CreateMultipartUploadInput{Bucket: aws.String("traced"), Key: aws.String(job)}, withJob)
		if err != nil {
			t.Fatal(err)
		}
		const parts = 3
		done := make([]s3types.CompletedPart, parts)
		var wg sync.WaitGroup
		errs := make(chan error, parts)
		for n := range parts {
			wg.Go(func() {
				size := 5 << 20
				if n == parts-1 {
					size = 1
				}
				out, err := client.UploadPart(ctx(), &s3.UploadPartInput{Bucket: aws.String("traced"), Key: aws.String(job), UploadId: up.UploadId,
					PartNumber: aws.Int32(int32(n + 1)), Body: bytes.NewReader(make([]byte, size))}, withJob)
				if err != nil {
					errs <- err
					return
				}
				done[n] = s3types.CompletedPart{PartNumber: aws.Int32(int32(n + 1)), ETag: out.ETag}
			})
		}
		wg.Wait()
		close(errs)
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
		if _, err := client.CompleteMultipartUpload(ctx(), &s3.CompleteMultipartUploadInput{Bucket: aws.String("traced"), Key: aws.String(job),
			UploadId: up.UploadId, MultipartUpload: &s3types.CompletedMultipartUpload{Parts: done}}, withJob); err != nil {
			t.Fatal(err)
		}
		ops := drainJob(sub, job)
		encrypted := 0
		for _, op := range ops {
			if op == string(keyflow.OpEncryptData) {
				encrypted++
			}
		}
		if encrypted != parts || len(ops) == 0 || ops[len(ops)-1] != string(keyflow.OpStored) {
			t.Fatalf("multipart upload %d: the steps on the bus right after Complete's response: %v (want %d %s, then %s last)",
				i, ops, parts, keyflow.OpEncryptData, keyflow.OpStored)
		}
	}
}

// drainJob is the ops of job's steps already on sub, in order; it closes
// sub.
func drainJob(sub *trace.Subscription, job string) []string {
	defer sub.Close()
	var ops []string
	for {
		select {
		case e := <-sub.C:
			if e.Job == job {
				ops = append(ops, string(e.Op))
			}
		default:
			return ops
		}
	}
}
