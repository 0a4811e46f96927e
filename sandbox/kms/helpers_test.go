package kms

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awskms "github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"
	"github.com/aws/smithy-go"
	bolt "go.etcd.io/bbolt"

	"github.com/s3crypt/s3crypt/sandbox/trace"
)

const (
	testRegion  = "us-east-1"
	testAccount = "111122223333"
)

var testRoot = bytes.Repeat([]byte{0x42}, 32)

// clock is a settable test clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// env is a KMS on a temporary bolt file, its trace bus and clock, and an
// aws-sdk-go-v2 client talking to it over HTTP as caller "test".
type env struct {
	k      *KMS
	db     *bolt.DB
	path   string
	bus    *trace.Bus
	clock  *clock
	client *awskms.Client
	srv    *httptest.Server
}

func newEnv(t *testing.T) *env {
	t.Helper()
	e := &env{path: filepath.Join(t.TempDir(), "sandbox.db"), bus: trace.NewBus(),
		clock: &clock{t: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)}}
	e.open(t)
	var n atomic.Int64
	e.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		e.k.ServeJSON(w, r, "test", fmt.Sprintf("req-%d", n.Add(1)))
	}))
	t.Cleanup(e.srv.Close)
	e.client = awskms.New(awskms.Options{
		Region: testRegion, BaseEndpoint: aws.String(e.srv.URL),
		Credentials: aws.AnonymousCredentials{}, Retryer: aws.NopRetryer{},
	})
	t.Cleanup(func() { _ = e.db.Close() })
	return e
}

// open (re)opens the bolt file and builds a KMS on it.
func (e *env) open(t *testing.T) {
	t.Helper()
	db, err := bolt.Open(e.path, 0o600, &bolt.Options{Timeout: time.Second})
	if err != nil {
		t.Fatalf("open bolt: %v", err)
	}
	k, err := New(db, Options{Region: testRegion, AccountID: testAccount, RootKey: testRoot, Trace: e.bus, Now: e.clock.Now})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	e.db, e.k = db, k
}

func (e *env) reopen(t *testing.T) {
	t.Helper()
	if err := e.db.Close(); err != nil {
		t.Fatalf("close bolt: %v", err)
	}
	e.open(t)
}

var ctx = context.Background()

var asS3 = Call{Caller: CallerS3, RequestID: "s3-req"}

// createKey makes a key over the wire and returns its metadata.
func (e *env) createKey(t *testing.T, spec types.KeySpec, usage types.KeyUsageType) *types.KeyMetadata {
	t.Helper()
	in := &awskms.CreateKeyInput{Description: aws.String("test key")}
	if spec != "" {
		in.KeySpec = spec
	}
	if usage != "" {
		in.KeyUsage = usage
	}
	out, err := e.client.CreateKey(ctx, in)
	if err != nil {
		t.Fatalf("CreateKey %s: %v", spec, err)
	}
	return out.KeyMetadata
}

func (e *env) symmetricKey(t *testing.T) *types.KeyMetadata {
	t.Helper()
	return e.createKey(t, "", "")
}

// wantErr asserts err is the KMS error code with exactly msg.
func wantErr(t *testing.T, err error, code, msg string) {
	t.Helper()
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		t.Fatalf("error = %v, want %s %q", err, code, msg)
	}
	if ae.ErrorCode() != code || ae.ErrorMessage() != msg {
		t.Fatalf("error = %s %q, want %s %q", ae.ErrorCode(), ae.ErrorMessage(), code, msg)
	}
}

// wantGoErr asserts a Go-API error is the KMS Error typ with exactly msg.
func wantGoErr(t *testing.T, err error, typ, msg string) {
	t.Helper()
	var ke *Error
	if !errors.As(err, &ke) {
		t.Fatalf("error = %v, want %s %q", err, typ, msg)
	}
	if ke.Type != typ || ke.Message != msg {
		t.Fatalf("error = %s %q, want %s %q", ke.Type, ke.Message, typ, msg)
	}
}

func keyARN(id string) string {
	return "arn:aws:kms:" + testRegion + ":" + testAccount + ":key/" + id
}

// materialForTest is the test hook that reveals a key's current raw
// material, so tests can look for it where it must not be.
func (k *KMS) materialForTest(t *testing.T, keyID string) []byte {
	t.Helper()
	var r *keyRecord
	err := k.db.View(func(tx *bolt.Tx) error {
		var err error
		r, err = getKey(tx, keyID)
		return err
	})
	if err != nil || r == nil {
		t.Fatalf("key %s: %v", keyID, err)
	}
	mat, ok := k.material(r, r.Current)
	if !ok {
		t.Fatalf("material of %s does not unseal", keyID)
	}
	return mat
}
