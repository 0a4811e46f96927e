package sandbox_test

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/s3crypt/s3crypt/keyflow"
)

// kmsCallsByS3 is how many KMS requests S3 has made so far.
func kmsCallsByS3(e *env) int { return e.sb.Trace().Total("S3") }

// TestBucketKeySavesKMSCalls uploads and reads 100 objects with and without a
// bucket key and compares what S3 asked of KMS.
func TestBucketKeySavesKMSCalls(t *testing.T) {
	e := newEnv(t)
	e.mkBucket("bkt")
	keyID := e.createKey("alias/bk")
	run := func(prefix string, bucketKey bool) (puts, gets int) {
		before := kmsCallsByS3(e)
		for i := range 100 {
			_, err := put(e, "bkt", fmt.Sprintf("%s/%03d", prefix, i), []byte("payload"), func(p *s3.PutObjectInput) {
				p.ServerSideEncryption = "aws:kms"
				p.SSEKMSKeyId = aws.String(keyID)
				p.BucketKeyEnabled = aws.Bool(bucketKey)
			})
			if err != nil {
				t.Fatal(err)
			}
		}
		mid := kmsCallsByS3(e)
		for i := range 100 {
			if _, _, err := e.get(&s3.GetObjectInput{Bucket: aws.String("bkt"), Key: aws.String(fmt.Sprintf("%s/%03d", prefix, i))}); err != nil {
				t.Fatal(err)
			}
		}
		return mid - before, kmsCallsByS3(e) - mid
	}
	p0, g0 := run("plain", false)
	p1, g1 := run("bucketkey", true)
	t.Logf("KMS calls for 100 PUT + 100 GET: without bucket key %d + %d, with bucket key %d + %d", p0, g0, p1, g1)
	if p0 != 100 || g0 != 100 {
		t.Fatalf("without bucket key want 100 GenerateDataKey + 100 Decrypt, got %d + %d", p0, g0)
	}
	if p1 != 1 || g1 != 0 {
		t.Fatalf("with bucket key want 1 GenerateDataKey + 0 Decrypt (cached), got %d + %d", p1, g1)
	}
}

// TestTraceOfSSEKMSUpload checks the steps the sandbox reports for one
// SSE-KMS upload, in order, with and without a bucket key.
func TestTraceOfSSEKMSUpload(t *testing.T) {
	e := newEnv(t)
	e.mkBucket("trc")
	keyID := e.createKey("")
	sub := e.sb.Trace().Subscribe(256)
	defer sub.Close()
	collect := func(reqOps func(p *s3.PutObjectInput), key string) []string {
		out, err := put(e, "trc", key, []byte("hello"), reqOps)
		if err != nil {
			t.Fatal(err)
		}
		_ = out
		var ops []string
		deadline := time.After(2 * time.Second)
		for {
			select {
			case ev := <-sub.C:
				if ev.Key != key && ev.Actor != keyflow.KMS {
					continue
				}
				ops = append(ops, string(ev.Actor)+":"+string(ev.Op))
				if ev.Op == keyflow.OpStored {
					return ops
				}
			case <-deadline:
				t.Fatalf("no Stored event; saw %v", ops)
			}
		}
	}
	got := collect(func(p *s3.PutObjectInput) { p.ServerSideEncryption = "aws:kms"; p.SSEKMSKeyId = aws.String(keyID) }, "a")
	want := "KMS:GenerateDataKey S3:EncryptData S3:DataKeyWiped S3:Stored"
	if strings.Join(got, " ") != want {
		t.Fatalf("SSE-KMS steps:\n got %v\nwant %v", got, want)
	}
	bk := func(p *s3.PutObjectInput) {
		p.ServerSideEncryption = "aws:kms"
		p.SSEKMSKeyId = aws.String(keyID)
		p.BucketKeyEnabled = aws.Bool(true)
	}
	got = collect(bk, "b")
	want = "KMS:GenerateDataKey S3:BucketKeyCreated S3:DataKeyGenerated S3:EncryptData S3:DataKeyWiped S3:Stored"
	if strings.Join(got, " ") != want {
		t.Fatalf("bucket key, first object:\n got %v\nwant %v", got, want)
	}
	got = collect(bk, "c")
	want = "S3:BucketKeyReused S3:DataKeyGenerated S3:EncryptData S3:DataKeyWiped S3:Stored"
	if strings.Join(got, " ") != want {
		t.Fatalf("bucket key, second object:\n got %v\nwant %v", got, want)
	}
}

// TestPlaintextNeverOnDisk uploads canary bytes in every mode and scans
// every file under the data directory for them.
func TestPlaintextNeverOnDisk(t *testing.T) {
	e := newEnv(t)
	e.mkBucket("canary")
	e.allowSSEC("canary")
	keyID := e.createKey("")
	canary := bytes.Repeat([]byte("CANARY-s3crypt-plaintext-"), 4000) // ~100 KB
	ck, cm := ssecKey()
	for name, f := range map[string]func(*s3.PutObjectInput){
		"default": nil,
		"sse-s3":  func(p *s3.PutObjectInput) { p.ServerSideEncryption = "AES256" },
		"sse-kms": func(p *s3.PutObjectInput) { p.ServerSideEncryption = "aws:kms"; p.SSEKMSKeyId = aws.String(keyID) },
		"bk": func(p *s3.PutObjectInput) {
			p.ServerSideEncryption = "aws:kms"
			p.BucketKeyEnabled = aws.Bool(true)
		},
		"dsse":  func(p *s3.PutObjectInput) { p.ServerSideEncryption = "aws:kms:dsse" },
		"sse-c": withSSEC(ck, cm),
	} {
		if _, err := put(e, "canary", name, canary, f); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
	}
	needle := []byte("CANARY-s3crypt")
	files := 0
	err := filepath.Walk(e.sb.Dir(), func(path string, info os.FileInfo, err error) error {
		if err != nil || info.IsDir() {
			return err
		}
		files++
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		if bytes.Contains(data, needle) {
			t.Errorf("plaintext found in %s", path)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if files < 8 {
		t.Fatalf("scanned only %d files; the data directory layout changed?", files)
	}
	view, err := e.sb.Inspect(ctx(), "canary", "sse-c", "")
	if err != nil || view.Mode != "SSE-C" || view.SSECHMAC == "" || view.PlaintextKey != "never stored" {
		t.Fatalf("inspect SSE-C: %v %+v", err, view)
	}
	view, err = e.sb.Inspect(ctx(), "canary", "dsse", "")
	if err != nil || len(view.Layers) != 2 || view.StoredSize <= view.Size {
		t.Fatalf("inspect DSSE: %v %+v", err, view)
	}
}

// TestMultipartEveryMode uploads three parts in SSE-KMS and SSE-C and reads
// the object back whole, by range across part boundaries and by part.
func TestMultipartEveryMode(t *testing.T) {
	e := newEnv(t)
	e.mkBucket("mpu")
	e.allowSSEC("mpu")
	ck, cm := ssecKey()
	parts := [][]byte{randomBytes(5<<20 + 17), randomBytes(5 << 20), randomBytes(1234)}
	all := bytes.Join(parts, nil)
	for _, mode := range []string{"aws:kms", "sse-c", "AES256"} {
		t.Run(mode, func(t *testing.T) {
			key := "big-" + mode
			cin := &s3.CreateMultipartUploadInput{Bucket: aws.String("mpu"), Key: aws.String(key)}
			ssec := func(a, k, m **string) {}
			if mode == "sse-c" {
				ssec = func(a, k, m **string) { *a, *k, *m = aws.String("AES256"), aws.String(ck), aws.String(cm) }
				ssec(&cin.SSECustomerAlgorithm, &cin.SSECustomerKey, &cin.SSECustomerKeyMD5)
			} else {
				cin.ServerSideEncryption = s3types.ServerSideEncryption(mode)
			}
			up, err := e.s3.CreateMultipartUpload(ctx(), cin)
			if err != nil {
				t.Fatal(err)
			}
			if mode == "sse-c" {
				// A part without the key is refused.
				_, err := e.s3.UploadPart(ctx(), &s3.UploadPartInput{Bucket: aws.String("mpu"), Key: aws.String(key), UploadId: up.UploadId,
					PartNumber: aws.Int32(1), Body: bytes.NewReader(parts[0])})
				wantErr(t, err, "InvalidRequest", 400)
			}
			var done []s3types.CompletedPart
			for i, p := range parts {
				in := &s3.UploadPartInput{Bucket: aws.String("mpu"), Key: aws.String(key), UploadId: up.UploadId,
					PartNumber: aws.Int32(int32(i + 1)), Body: bytes.NewReader(p)}
				ssec(&in.SSECustomerAlgorithm, &in.SSECustomerKey, &in.SSECustomerKeyMD5)
				out, err := e.s3.UploadPart(ctx(), in)
				if err != nil {
					t.Fatalf("part %d: %v", i+1, err)
				}
				done = append(done, s3types.CompletedPart{PartNumber: aws.Int32(int32(i + 1)), ETag: out.ETag})
			}
			lp, err := e.s3.ListParts(ctx(), &s3.ListPartsInput{Bucket: aws.String("mpu"), Key: aws.String(key), UploadId: up.UploadId})
			if err != nil || len(lp.Parts) != 3 {
				t.Fatalf("list parts: %v", err)
			}
			cout, err := e.s3.CompleteMultipartUpload(ctx(), &s3.CompleteMultipartUploadInput{Bucket: aws.String("mpu"), Key: aws.String(key),
				UploadId: up.UploadId, MultipartUpload: &s3types.CompletedMultipartUpload{Parts: done}})
			if err != nil {
				t.Fatal(err)
			}
			if !strings.HasSuffix(strings.Trim(aws.ToString(cout.ETag), `"`), "-3") {
				t.Fatalf("multipart ETag %q", aws.ToString(cout.ETag))
			}
			gin := &s3.GetObjectInput{Bucket: aws.String("mpu"), Key: aws.String(key)}
			ssec(&gin.SSECustomerAlgorithm, &gin.SSECustomerKey, &gin.SSECustomerKeyMD5)
			got, _, err := e.get(gin)
			if err != nil {
				t.Fatal(err)
			}
			mustEqual(t, "multipart round trip", got, all)
			rin := *gin
			a, b := len(parts[0])-100, len(parts[0])+len(parts[1])+50
			rin.Range = aws.String(fmt.Sprintf("bytes=%d-%d", a, b))
			got, _, err = e.get(&rin)
			if err != nil {
				t.Fatal(err)
			}
			mustEqual(t, "range across parts", got, all[a:b+1])
			pin := *gin
			pin.PartNumber = aws.Int32(2)
			got, out, err := e.get(&pin)
			if err != nil {
				t.Fatal(err)
			}
			mustEqual(t, "part 2", got, parts[1])
			if aws.ToInt32(out.PartsCount) != 3 {
				t.Fatalf("parts count %v", out.PartsCount)
			}
		})
	}
	// Abort leaves nothing behind.
	up, err := e.s3.CreateMultipartUpload(ctx(), &s3.CreateMultipartUploadInput{Bucket: aws.String("mpu"), Key: aws.String("aborted")})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.s3.UploadPart(ctx(), &s3.UploadPartInput{Bucket: aws.String("mpu"), Key: aws.String("aborted"), UploadId: up.UploadId,
		PartNumber: aws.Int32(1), Body: bytes.NewReader(parts[2])}); err != nil {
		t.Fatal(err)
	}
	lu, err := e.s3.ListMultipartUploads(ctx(), &s3.ListMultipartUploadsInput{Bucket: aws.String("mpu")})
	if err != nil || len(lu.Uploads) != 1 {
		t.Fatalf("list uploads: %v %v", err, lu)
	}
	if _, err := e.s3.AbortMultipartUpload(ctx(), &s3.AbortMultipartUploadInput{Bucket: aws.String("mpu"), Key: aws.String("aborted"), UploadId: up.UploadId}); err != nil {
		t.Fatal(err)
	}
	_, err = e.s3.UploadPart(ctx(), &s3.UploadPartInput{Bucket: aws.String("mpu"), Key: aws.String("aborted"), UploadId: up.UploadId,
		PartNumber: aws.Int32(2), Body: bytes.NewReader(parts[2])})
	wantErr(t, err, "NoSuchUpload", 404)
}
