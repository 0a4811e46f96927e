package actions_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/s3crypt/s3crypt/actions"
	"github.com/s3crypt/s3crypt/internal/sandboxtest"
)

// A Remote runs uploads and downloads in a helper (`s3crypt worker`, here
// actions.ServeRemote over pipes in this process): these tests check that
// a job run there reports what it reports in-process, that cancelling it
// aborts it there, and that a helper that dies fails its jobs instead of
// leaving them running for ever.

// remoteHelper serves the remote protocol on env over pipes and returns
// the client side; the helper ends when the client is closed.
func remoteHelper(t *testing.T, env *actions.Env) (*actions.Remote, func() error) {
	t.Helper()
	reqR, reqW := io.Pipe()
	evR, evW := io.Pipe()
	served := make(chan error, 1)
	go func() {
		err := actions.ServeRemote(context.Background(), env, 4, reqR, evW)
		evW.Close()
		served <- err
	}()
	r := actions.ConnectRemote(evR, reqW)
	stop := func() error {
		if err := r.Close(); err != nil {
			return err
		}
		select {
		case err := <-served:
			return err
		case <-time.After(15 * time.Second):
			return errors.New("the helper did not end after its input did")
		}
	}
	t.Cleanup(func() { _ = stop() })
	return r, stop
}

// attachedEnv is a backend attached to the sandbox in dir, with small
// transfer settings (one part at a time, so steps come in one order).
func attachedEnv(t *testing.T, dir string) *actions.Env {
	t.Helper()
	b := sandboxtest.BackendIn(t, dir)
	if !b.Sandbox.Attached() {
		t.Fatal("the backend should attach to the sandbox that serves " + dir)
	}
	return &actions.Env{Backend: b, PartSize: 5 << 20, MultipartThreshold: 6 << 20, Concurrency: 1}
}

// runJobs runs each job on w, one after the other, and returns each job's
// events (progress left out: it is lossy by design).
func runJobs(t *testing.T, w *actions.Worker, jobs []actions.Action) [][]actions.Event {
	t.Helper()
	var out [][]actions.Event
	for _, a := range jobs {
		id := w.Submit(a)
		var evs []actions.Event
		for e := range w.Events() {
			if e.JobID() != id {
				t.Fatalf("event of job %d while %d runs", e.JobID(), id)
			}
			if _, ok := e.(actions.ProgressEvent); !ok {
				evs = append(evs, e)
			}
			if end(e) {
				break
			}
		}
		out = append(out, evs)
	}
	return out
}

func end(e actions.Event) bool {
	switch e.(type) {
	case actions.DoneEvent, actions.FailedEvent, actions.CancelledEvent:
		return true
	}
	return false
}

// shape is an event as the UI reads it, with what differs between two
// runs of the same job (times, the temporary directory, request ids and
// version ids, durations, the fresh data key) left out.
func shape(e actions.Event, dir string) string {
	clean := func(s string) string { return keyMD5.ReplaceAllString(strings.ReplaceAll(s, dir, "DIR"), "MD5") }
	switch e := e.(type) {
	case actions.StepEvent:
		s := e.Step
		return clean(fmt.Sprintf("step %s→%s %s %q %q key=%s ctx=%v bytes=%d observed=%v err=%q",
			s.Actor, s.To, s.Op, s.Title, s.Detail, s.KeyARN, s.Context, s.Bytes, s.Observed, s.Err))
	case actions.CommandEvent:
		return clean(fmt.Sprintf("command %q global=%q pipe=%q note=%q", e.Command.Args, e.Command.Global, e.Command.Pipe, e.Command.Note))
	case actions.DoneEvent:
		res := reflect.ValueOf(e.Result)
		cp := reflect.New(res.Type()).Elem()
		cp.Set(res)
		for _, f := range []string{"Duration", "VersionID", "ETag"} {
			if fv := cp.FieldByName(f); fv.IsValid() {
				fv.Set(reflect.Zero(fv.Type()))
			}
		}
		b, _ := json.Marshal(cp.Interface())
		return clean(fmt.Sprintf("done %T %s kms=%+v", e.Result, b, e.KMS))
	case actions.FailedEvent:
		return clean(fmt.Sprintf("failed kind=%v %q kms=%+v", actions.KindOf(e.Err), e.Err.Error(), e.KMS))
	case actions.CancelledEvent:
		return fmt.Sprintf("cancelled kms=%+v", e.KMS)
	}
	return fmt.Sprintf("%T", e)
}

// keyMD5 is an SSE-C key's MD5 (each run makes its own key).
var keyMD5 = regexp.MustCompile(`[A-Za-z0-9+/]{22}==`)

// shapes is a job's events as shape gives them: its steps sorted (S3's,
// seen over the trace stream, interleave with yours as they arrive, in
// either process), then the rest in order.
func shapes(evs []actions.Event, dir string) []string {
	var steps, rest []string
	for _, e := range evs {
		if _, ok := e.(actions.StepEvent); ok {
			steps = append(steps, shape(e, dir))
		} else {
			rest = append(rest, shape(e, dir))
		}
	}
	slices.Sort(steps)
	return append(steps, rest...)
}

// TestRemoteJobsReportAsInProcess runs the same uploads and downloads
// (SSE-KMS multipart, SSE-C from a KMS data key, client-side, and one that
// fails) on a worker in this process and on one that hands them to a
// helper: every step, command, result, error and KMS count is the same,
// and the helper's own KMS requests are added to the session's.
func TestRemoteJobsReportAsInProcess(t *testing.T) {
	dir := t.TempDir()
	owner := sandboxtest.BackendIn(t, dir)
	ownerEnv := &actions.Env{Backend: owner}
	xferBucket(t, owner, "remote", true)
	kmsKey := newKey(t, ownerEnv, "", "alias/remote")
	src, data := xferFile(t, 11<<20+5)

	jobs := func(dir string) []actions.Action {
		return []actions.Action{
			&actions.Put{File: src, Bucket: "remote", Key: "kms", SSE: actions.SSEKMS, KMSKey: "alias/remote"},
			&actions.Get{Bucket: "remote", Key: "kms", File: filepath.Join(dir, "kms.out")},
			&actions.PutSSEC{Put: actions.Put{File: src, Bucket: "remote", Key: "ssec"}, Source: actions.SSECFromKMS,
				KeyFile: filepath.Join(dir, "key.enc"), KMSKey: kmsKey},
			&actions.GetSSEC{Get: actions.Get{Bucket: "remote", Key: "ssec", File: filepath.Join(dir, "ssec.out")},
				KeyFile: filepath.Join(dir, "key.enc"), FromKMS: true},
			&actions.Put{File: src, Bucket: "remote", Key: "cse", ClientSide: &actions.ClientSide{KMSKey: kmsKey}},
			&actions.Get{Bucket: "remote", Key: "cse", File: filepath.Join(dir, "cse.out")},
			&actions.Get{Bucket: "remote", Key: "missing", File: filepath.Join(dir, "missing.out")},
		}
	}

	local := actions.NewWorker(context.Background(), attachedEnv(t, dir), 1)
	localDir := t.TempDir()
	want := runJobs(t, local, jobs(localDir))

	uiEnv := attachedEnv(t, dir)
	remote, stop := remoteHelper(t, attachedEnv(t, dir))
	w := actions.NewWorker(context.Background(), uiEnv, 1)
	w.OffloadTo(remote)
	remoteDir := t.TempDir()
	got := runJobs(t, w, jobs(remoteDir))

	yours := 0
	for i := range want {
		ws, gs := shapes(want[i], localDir), shapes(got[i], remoteDir)
		for _, e := range got[i] {
			switch e := e.(type) {
			case actions.DoneEvent:
				yours += e.KMS.Yours
			case actions.FailedEvent:
				yours += e.KMS.Yours
			}
		}
		if !reflect.DeepEqual(ws, gs) {
			t.Errorf("job %d (%s) in the helper:\n  %s\nin-process:\n  %s", i, jobs(remoteDir)[i].Describe(),
				strings.Join(gs, "\n  "), strings.Join(ws, "\n  "))
		}
	}
	// The kinds the UI switches on survive the pipe.
	last := got[len(got)-1]
	if f, ok := last[len(last)-1].(actions.FailedEvent); !ok || actions.KindOf(f.Err) != actions.KindNoSuchKey {
		t.Errorf("the failed download ended with %#v, want kind %v", last[len(last)-1], actions.KindNoSuchKey)
	}
	for _, name := range []string{"kms.out", "ssec.out", "cse.out"} {
		if b, err := os.ReadFile(filepath.Join(remoteDir, name)); err != nil || !bytes.Equal(b, data) {
			t.Errorf("%s downloaded through the helper: %v (%d bytes)", name, err, len(b))
		}
	}
	// GenerateDataKey + Decrypt (SSE-C from KMS), GenerateDataKey +
	// Decrypt (client-side): the helper's own requests, which the
	// session's counter adds to the UI's.
	if yours != 4 || remote.KMSRequests() != yours {
		t.Errorf("the helper made %d KMS requests by its jobs' counts, %d by the Remote's; want 4", yours, remote.KMSRequests())
	}
	if n := uiEnv.Backend.Recorder.KMSTotal(); n != 0 {
		t.Errorf("the UI's own clients made %d KMS requests, want 0: the jobs ran in the helper", n)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := w.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	if err := stop(); err != nil {
		t.Fatalf("the helper: %v", err)
	}
}

// TestRemoteCancelAbortsUpload cancels a multipart upload running in the
// helper: it ends cancelled, with no upload or object left behind.
func TestRemoteCancelAbortsUpload(t *testing.T) {
	dir := t.TempDir()
	owner := sandboxtest.BackendIn(t, dir)
	xferBucket(t, owner, "cancel", false)
	src, _ := xferFile(t, 30<<20)
	remote, stop := remoteHelper(t, attachedEnv(t, dir))
	env := attachedEnv(t, dir)
	w := actions.NewWorker(context.Background(), env, 2)
	w.OffloadTo(remote)
	id := w.Submit(&actions.Put{File: src, Bucket: "cancel", Key: "big", SSE: actions.SSEKMS})
	var last actions.Event
	for e := range w.Events() {
		if pe, ok := e.(actions.ProgressEvent); ok && pe.Done > 6<<20 {
			w.Cancel(id)
		}
		if end(e) {
			last = e
			break
		}
	}
	if _, ok := last.(actions.CancelledEvent); !ok {
		t.Fatalf("job ended with %#v, want cancelled", last)
	}
	ups, err := owner.S3.ListMultipartUploads(context.Background(), &s3.ListMultipartUploadsInput{Bucket: aws.String("cancel")})
	if err != nil || len(ups.Uploads) != 0 {
		t.Fatalf("uploads left after cancel: %v %d", err, len(ups.Uploads))
	}
	if _, err := owner.S3.HeadObject(context.Background(), &s3.HeadObjectInput{Bucket: aws.String("cancel"), Key: aws.String("big")}); err == nil {
		t.Fatal("a cancelled upload left an object")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := w.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	if err := stop(); err != nil {
		t.Fatalf("the helper: %v", err)
	}
}

// TestRemoteHelperGoneFailsJobs: when the helper's output ends mid-job
// (it crashed, or was killed), the job fails saying so, and jobs after it
// fail at once instead of waiting for ever.
func TestRemoteHelperGoneFailsJobs(t *testing.T) {
	reqR, reqW := io.Pipe()
	evR, evW := io.Pipe()
	go func() { _, _ = io.Copy(io.Discard, reqR) }()
	remote := actions.ConnectRemote(evR, reqW)
	w := actions.NewWorker(context.Background(), &actions.Env{}, 2)
	w.OffloadTo(remote)
	first := w.Submit(&actions.Get{Bucket: "b", Key: "k", File: filepath.Join(t.TempDir(), "out")})
	evW.CloseWithError(errors.New("helper killed"))
	second := w.Submit(&actions.Put{File: "x", Bucket: "b", Key: "k"})
	ended := map[actions.JobID]bool{}
	for range 2 {
		select {
		case e := <-w.Events():
			f, ok := e.(actions.FailedEvent)
			if !ok || (f.Job != first && f.Job != second) || !strings.Contains(f.Err.Error(), "transfer helper process ended") ||
				!strings.Contains(f.Err.Error(), "helper killed") {
				t.Fatalf("a job ended with %#v", e)
			}
			ended[f.Job] = true
		case <-time.After(5 * time.Second):
			t.Fatalf("jobs %v did not end after the helper went away", []actions.JobID{first, second})
		}
	}
	if len(ended) != 2 {
		t.Fatalf("ended: %v", ended)
	}
}
