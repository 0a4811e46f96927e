package actions_test

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"reflect"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go/middleware"
	"golang.org/x/sync/errgroup"

	"github.com/s3crypt/s3crypt/actions"
	s3c "github.com/s3crypt/s3crypt/crypto"
	"github.com/s3crypt/s3crypt/internal/sandboxtest"
)

// bkFixture is a bucket "mix" holding one object per encryption, a KMS key
// with alias/demo, and the SSE-C key used.
type bkFixture struct {
	env     *actions.Env
	keyARN  string
	ssec    *actions.SSECKey
	ssecMD5 string
}

func newBKFixture(t *testing.T) *bkFixture {
	t.Helper()
	ctx := context.Background()
	env := bkEnv(t)
	no := false
	mustRun(t, env, &actions.MakeBucket{Bucket: "mix"})
	mustRun(t, env, &actions.PutBucketEncryption{Bucket: "mix", BlockSSEC: &no})
	key, err := env.Backend.KMS.CreateKey(ctx, &kms.CreateKeyInput{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := env.Backend.KMS.CreateAlias(ctx, &kms.CreateAliasInput{AliasName: aws.String("alias/demo"), TargetKeyId: key.KeyMetadata.KeyId}); err != nil {
		t.Fatal(err)
	}
	k, _ := s3c.RandomKey(32)
	f := &bkFixture{env: env, keyARN: aws.ToString(key.KeyMetadata.Arn), ssec: &actions.SSECKey{Key: k, File: filepath.Join(t.TempDir(), "ssec.key")}, ssecMD5: s3c.KeyMD5(k)}
	if err := s3c.WriteKeyFile(f.ssec.File, k, s3c.KeyFileRaw, false); err != nil {
		t.Fatal(err)
	}
	put := func(key string, mod func(*s3.PutObjectInput)) {
		in := &s3.PutObjectInput{Bucket: aws.String("mix"), Key: aws.String(key), Body: strings.NewReader("hello, " + key),
			ChecksumAlgorithm: s3types.ChecksumAlgorithmCrc32}
		if mod != nil {
			mod(in)
		}
		if _, err := env.Backend.S3.PutObject(ctx, in); err != nil {
			t.Fatalf("put %s: %v", key, err)
		}
	}
	put("plain.txt", nil)
	put("dir/a.txt", nil)
	put("dir/sub/b.txt", nil)
	put("kms-bk.txt", func(in *s3.PutObjectInput) {
		in.ServerSideEncryption, in.SSEKMSKeyId, in.BucketKeyEnabled = "aws:kms", aws.String("alias/demo"), aws.Bool(true)
	})
	put("dsse.txt", func(in *s3.PutObjectInput) {
		in.ServerSideEncryption, in.SSEKMSKeyId = "aws:kms:dsse", aws.String("alias/demo")
	})
	put("managed.txt", func(in *s3.PutObjectInput) { in.ServerSideEncryption = "aws:kms" })
	put("ssec.bin", func(in *s3.PutObjectInput) {
		a, kb, m := s3c.SSECHeaders(k)
		in.SSECustomerAlgorithm, in.SSECustomerKey, in.SSECustomerKeyMD5 = &a, &kb, &m
	})
	for _, format := range []int{s3c.FormatV2, s3c.FormatV3} {
		dk, _ := s3c.RandomKey(32)
		kctx, err := s3c.KMSContext(nil, format)
		if err != nil {
			t.Fatal(err)
		}
		e, err := s3c.NewEnvelope(format, dk, []byte("a wrapped data key"), kctx, 5)
		if err != nil {
			t.Fatal(err)
		}
		put(fmt.Sprintf("cse-v%d.bin", format), func(in *s3.PutObjectInput) { in.Metadata = e.Metadata() })
	}
	return f
}

func TestListObjectsShowsEachEncryption(t *testing.T) {
	f := newBKFixture(t)
	res, evs := mustRun(t, f.env, &actions.ListObjects{Bucket: "mix", Delimiter: "/"})
	r := res.(actions.ListObjectsResult)
	got := map[string]string{}
	var keys []string
	for _, o := range r.Objects {
		got[o.Key] = o.Label
		keys = append(keys, o.Key)
	}
	want := map[string]string{
		"cse-v2.bin":  "client-side S3EC V2",
		"cse-v3.bin":  "client-side S3EC V3",
		"dsse.txt":    "DSSE-KMS alias/demo",
		"kms-bk.txt":  "SSE-KMS alias/demo B",
		"managed.txt": "SSE-KMS alias/aws/s3",
		"plain.txt":   "SSE-S3",
		"ssec.bin":    "SSE-C md5 " + f.ssecMD5[:4] + "…",
	}
	if !reflect.DeepEqual(got, want) || !reflect.DeepEqual(r.Prefixes, []string{"dir/"}) {
		t.Fatalf("labels %q prefixes %q", got, r.Prefixes)
	}
	if strings.Join(keys, " ") != "cse-v2.bin cse-v3.bin dsse.txt kms-bk.txt managed.txt plain.txt ssec.bin" {
		t.Fatalf("order %q", keys)
	}
	for _, o := range r.Objects {
		if o.Key == "ssec.bin" && (!o.SSECKeyRequired || o.Encryption.SSECKeyMD5 != f.ssecMD5) {
			t.Fatalf("ssec entry %+v", o)
		}
		if o.Key == "kms-bk.txt" && (o.Encryption.KMSKeyARN != f.keyARN || !o.Encryption.BucketKey || o.KMSAlias != "alias/demo" || o.Size != int64(len("hello, kms-bk.txt"))) {
			t.Fatalf("kms entry %+v", o)
		}
	}
	if len(r.Notes) != 1 || !strings.HasPrefix(r.Notes[0], "1 SSE-C object(s): S3 answers a HEAD without the key with a bare 400") {
		t.Fatalf("notes %q", r.Notes)
	}
	c := bkCommands(evs)[0]
	if c.Short() != "aws s3api list-objects-v2 --bucket mix --delimiter /" || !strings.Contains(c.Note, "HeadObject per object") {
		t.Fatalf("command %q note %q", c.Short(), c.Note)
	}
	if data, err := json.Marshal(r); err != nil || !strings.Contains(string(data), `"label":"SSE-KMS alias/demo B"`) {
		t.Fatalf("json %s %v", data, err)
	}

	res, _ = mustRun(t, f.env, &actions.ListObjects{Bucket: "mix", Prefix: "dir/", Delimiter: "/"})
	r = res.(actions.ListObjectsResult)
	if len(r.Objects) != 1 || r.Objects[0].Key != "dir/a.txt" || r.Objects[0].Label != "SSE-S3" || !reflect.DeepEqual(r.Prefixes, []string{"dir/sub/"}) {
		t.Fatalf("dir/: %+v", r)
	}
	res, _ = mustRun(t, f.env, &actions.ListObjects{Bucket: "mix"})
	if r = res.(actions.ListObjectsResult); len(r.Objects) != 9 || len(r.Prefixes) != 0 {
		t.Fatalf("recursive: %d objects, prefixes %q", len(r.Objects), r.Prefixes)
	}

	_, err, _ := collect(t, f.env, &actions.ListObjects{Bucket: "nope", Delimiter: "/"})
	if e := bkErr(t, err); e.Code != "NoSuchBucket" || e.Fix != "Create it: s3crypt mb s3://nope" {
		t.Fatalf("missing bucket: %+v", e)
	}
}

// headCounter counts HeadObject requests in flight and the most at once.
type headCounter struct{ cur, max, total atomic.Int64 }

func (h *headCounter) install(stack *middleware.Stack) error {
	return stack.Finalize.Add(middleware.FinalizeMiddlewareFunc("count-heads",
		func(ctx context.Context, in middleware.FinalizeInput, next middleware.FinalizeHandler) (middleware.FinalizeOutput, middleware.Metadata, error) {
			n := h.cur.Add(1)
			h.total.Add(1)
			for m := h.max.Load(); n > m && !h.max.CompareAndSwap(m, n); m = h.max.Load() {
			}
			defer h.cur.Add(-1)
			time.Sleep(time.Millisecond) // let requests overlap
			return next.HandleFinalize(ctx, in)
		}), middleware.After)
}

func TestListObjectsManyPagesBoundedHeads(t *testing.T) {
	env := bkEnv(t)
	mustRun(t, env, &actions.MakeBucket{Bucket: "many"})
	const n = 2100
	g, ctx := errgroup.WithContext(context.Background())
	g.SetLimit(32)
	for i := range n {
		g.Go(func() error {
			_, err := env.Backend.S3.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("many"),
				Key: aws.String(fmt.Sprintf("k/%05d", i)), Body: strings.NewReader("x")})
			return err
		})
	}
	if err := g.Wait(); err != nil {
		t.Fatal(err)
	}
	var hc headCounter
	b := *env.Backend
	b.S3 = s3.New(env.Backend.S3.Options(), func(o *s3.Options) {
		o.APIOptions = append(o.APIOptions, func(s *middleware.Stack) error {
			if s.ID() == "HeadObject" {
				return hc.install(s)
			}
			return nil
		})
	})
	counted := &actions.Env{Backend: &b}
	start := time.Now()
	res, _ := mustRun(t, counted, &actions.ListObjects{Bucket: "many", Concurrency: 16})
	r := res.(actions.ListObjectsResult)
	t.Logf("listed and HEADed %d objects in %s (at most %d HEADs at once)", len(r.Objects), time.Since(start), hc.max.Load())
	if len(r.Objects) != n || r.Pages != 3 || hc.total.Load() != n {
		t.Fatalf("%d objects in %d pages, %d HEADs", len(r.Objects), r.Pages, hc.total.Load())
	}
	if m := hc.max.Load(); m > 16 || m < 2 {
		t.Fatalf("HEADs in flight at most %d, want 2..16", m)
	}
	for i, o := range r.Objects {
		if o.Key != fmt.Sprintf("k/%05d", i) || o.Label != "SSE-S3" {
			t.Fatalf("object %d: %+v", i, o)
		}
	}
}

func TestListBucketsWithEncryption(t *testing.T) {
	env := bkEnv(t)
	mustRun(t, env, &actions.MakeBucket{Bucket: "alpha"})
	mustRun(t, env, &actions.MakeBucket{Bucket: "beta"})
	yes, no := true, false
	mustRun(t, env, &actions.PutBucketEncryption{Bucket: "beta", SSE: actions.SSEKMS, KMSKey: "alias/demo", BucketKey: &yes, BlockSSEC: &no})
	res, evs := mustRun(t, env, &actions.ListBuckets{})
	r := res.(actions.ListBucketsResult)
	if len(r.Buckets) != 2 || r.Buckets[0].Name != "alpha" || r.Buckets[1].Name != "beta" {
		t.Fatalf("buckets %+v", r.Buckets)
	}
	if e := r.Buckets[0].Encryption; e == nil || !reflect.DeepEqual(*e, actions.BucketEncryption{SSEAlgorithm: "AES256", Blocked: []string{"SSE-C"}}) {
		t.Fatalf("alpha %+v", e)
	}
	if e := r.Buckets[1].Encryption; e == nil || !reflect.DeepEqual(*e, actions.BucketEncryption{SSEAlgorithm: "aws:kms", KMSKeyID: "alias/demo", BucketKey: true, Blocked: []string{"NONE"}}) {
		t.Fatalf("beta %+v", e)
	}
	if r.Buckets[0].Created.IsZero() || bkCommands(evs)[0].Short() != "aws s3api list-buckets" {
		t.Fatalf("created %v, command %v", r.Buckets[0].Created, bkCommands(evs))
	}
}

// TestListCommandRunsInAWSCLI runs list-objects-v2 through Debian's aws
// CLI and checks it lists the same keys and prefixes.
func TestListCommandRunsInAWSCLI(t *testing.T) {
	sandboxtest.DebianAWS(t)
	f := newBKFixture(t)
	for _, l := range []*actions.ListObjects{{Bucket: "mix", Delimiter: "/"}, {Bucket: "mix", Prefix: "dir/"}} {
		res, evs := mustRun(t, f.env, l)
		r := res.(actions.ListObjectsResult)
		out, errs, err := sandboxtest.AWS(t, f.env.Backend, bkCommands(evs)[0].Full())
		if err != nil {
			t.Fatalf("%v %s %s", err, out, errs)
		}
		var got struct {
			Contents       []struct{ Key string }
			CommonPrefixes []struct{ Prefix string }
		}
		if err := json.Unmarshal([]byte(out), &got); err != nil {
			t.Fatalf("%v %s", err, out)
		}
		var keys, prefixes, mine []string
		for _, c := range got.Contents {
			keys = append(keys, c.Key)
		}
		for _, p := range got.CommonPrefixes {
			prefixes = append(prefixes, p.Prefix)
		}
		for _, o := range r.Objects {
			mine = append(mine, o.Key)
		}
		if !reflect.DeepEqual(keys, mine) || strings.Join(prefixes, ",") != strings.Join(r.Prefixes, ",") {
			t.Fatalf("aws CLI lists %q %q, s3crypt %q %q", keys, prefixes, mine, r.Prefixes)
		}
	}
}
