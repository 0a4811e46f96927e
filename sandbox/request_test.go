package sandbox_test

import (
	"context"
	"io"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/s3crypt/s3crypt/keyflow"
	"github.com/s3crypt/s3crypt/sandbox"
)

// drain returns the events published so far (in-process, they are on the
// bus before the response).
func drain(c <-chan keyflow.Event) []keyflow.Event {
	var out []keyflow.Event
	for {
		select {
		case ev := <-c:
			out = append(out, ev)
		default:
			return out
		}
	}
}

// TestTraceNamesTheRequest: S3's steps and the KMS steps S3 takes for a
// request name its operation, so a reader can tell a GET from a HEAD (an
// SSE-C object refuses both without its key); and the at-rest view puts an
// Inspected step on the trace only when someone asked to be shown it, in
// process and through an attached sandbox.
func TestTraceNamesTheRequest(t *testing.T) {
	e := newEnv(t)
	e.mkBucket("ops")
	sub := e.sb.Trace().Subscribe(4096)
	defer sub.Close()
	if _, err := put(e, "ops", "o", []byte("hello"), func(p *s3.PutObjectInput) { p.ServerSideEncryption = "aws:kms" }); err != nil {
		t.Fatal(err)
	}
	requests := func(want string) {
		t.Helper()
		evs := drain(sub.C)
		if len(evs) == 0 {
			t.Fatalf("%s: no events", want)
		}
		kmsSeen := false
		for _, ev := range evs {
			if ev.Request != want {
				t.Errorf("%s: event %s %s has Request %q", want, ev.Actor, ev.Op, ev.Request)
			}
			kmsSeen = kmsSeen || ev.Actor == keyflow.KMS
		}
		if want != "HeadObject" && !kmsSeen {
			t.Errorf("%s: no KMS step", want)
		}
	}
	requests("PutObject")
	if _, err := e.s3.HeadObject(ctx(), &s3.HeadObjectInput{Bucket: aws.String("ops"), Key: aws.String("o")}); err != nil {
		t.Fatal(err)
	}
	drain(sub.C) // a HEAD of an SSE-KMS object takes no key step at all
	out, err := e.s3.GetObject(ctx(), &s3.GetObjectInput{Bucket: aws.String("ops"), Key: aws.String("o")})
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, out.Body)
	out.Body.Close()
	requests("GetObject")

	// SSE-C without the key: the HEAD and the GET are both refused, and say which they were.
	e.allowSSEC("ops")
	key, md5 := ssecKey()
	if _, err := put(e, "ops", "c", []byte("secret"), withSSEC(key, md5)); err != nil {
		t.Fatal(err)
	}
	drain(sub.C)
	for _, op := range []string{"HeadObject", "GetObject"} {
		if op == "HeadObject" {
			_, err = e.s3.HeadObject(ctx(), &s3.HeadObjectInput{Bucket: aws.String("ops"), Key: aws.String("c")})
		} else {
			_, err = e.s3.GetObject(ctx(), &s3.GetObjectInput{Bucket: aws.String("ops"), Key: aws.String("c")})
		}
		if err == nil {
			t.Fatalf("%s without the key succeeded", op)
		}
		evs := drain(sub.C)
		if len(evs) != 1 || evs[0].Op != keyflow.OpSSECKeyRejected || evs[0].Request != op {
			t.Fatalf("%s without the key: %+v", op, evs)
		}
	}

	inspected := func(what string, sb *sandbox.Sandbox, c context.Context, want int) {
		t.Helper()
		if _, err := sb.Inspect(c, "ops", "o", ""); err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, ev := range drain(sub.C) {
			if ev.Op == keyflow.OpInspected && ev.Bucket == "ops" && ev.Key == "o" {
				n++
			}
		}
		if n != want {
			t.Errorf("%s: %d Inspected steps, want %d", what, n, want)
		}
	}
	inspected("in process, for the program's own use", e.sb, ctx(), 0)
	inspected("in process, shown", e.sb, keyflow.ShowingAtRest(ctx()), 1)
	sb2, err := sandbox.Start(context.Background(), sandbox.Options{Dir: e.sb.Dir()})
	if err != nil {
		t.Fatal(err)
	}
	defer sb2.Close()
	if !sb2.Attached() {
		t.Fatal("second Start did not attach")
	}
	inspected("attached, for the program's own use", sb2, ctx(), 0)
	inspected("attached, shown", sb2, keyflow.ShowingAtRest(ctx()), 1)
}
