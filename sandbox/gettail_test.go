package sandbox_test

import (
	"io"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/s3crypt/s3crypt/keyflow"
)

// TestGetStepsPrecedeTheLastByte: once a client has read a GET's last
// byte, every step S3 took for it is on the trace: the bytes decrypted,
// the data key wiped and, for SSE-C, the customer key forgotten. A client
// settles its trace when the body ends (the flow panel, `get --trace`,
// TraceBarrier); S3 used to take those steps after writing the last
// bytes, so a download sometimes showed without them (the SSE-C tape's
// flow panel lacked its last three steps). A body larger than the
// server's write buffer reaches the client before the handler returns.
func TestGetStepsPrecedeTheLastByte(t *testing.T) {
	e := newEnv(t)
	e.mkBucket("bkt")
	e.allowSSEC("bkt")
	key, md5b64 := ssecKey()
	body := randomBytes(1 << 20)
	if _, err := put(e, "bkt", "big", body, func(p *s3.PutObjectInput) {
		p.SSECustomerAlgorithm, p.SSECustomerKey, p.SSECustomerKeyMD5 = aws.String("AES256"), aws.String(key), aws.String(md5b64)
	}); err != nil {
		t.Fatal(err)
	}
	sub := e.sb.Trace().Subscribe(1 << 14)
	defer sub.Close()
	for i := range 30 {
		out, err := e.s3.GetObject(ctx(), &s3.GetObjectInput{Bucket: aws.String("bkt"), Key: aws.String("big"),
			SSECustomerAlgorithm: aws.String("AES256"), SSECustomerKey: aws.String(key), SSECustomerKeyMD5: aws.String(md5b64)})
		if err != nil {
			t.Fatal(err)
		}
		got, err := io.ReadAll(out.Body) // to its end: what a client settles on
		if err != nil {
			t.Fatal(err)
		}
		mustEqual(t, "body", got, body)
		seen := map[keyflow.Op]bool{}
	drain:
		for {
			select {
			case ev := <-sub.C:
				if ev.Request == "GetObject" {
					seen[ev.Op] = true
				}
			default:
				break drain
			}
		}
		out.Body.Close()
		for _, op := range []keyflow.Op{keyflow.OpSSECKeyChecked, keyflow.OpDecryptData, keyflow.OpDataKeyWiped, keyflow.OpSSECKeyForgotten} {
			if !seen[op] {
				t.Fatalf("GET %d of 30: its body ended before S3's %s step was on the trace (saw %v)", i+1, op, seen)
			}
		}
		// What the handler still publishes after this point belongs to
		// this GET: let it land before the next one is read.
		for len(sub.C) > 0 {
			<-sub.C
		}
	}
}
