package sandbox_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"io/fs"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/s3crypt/s3crypt/actions"
	"github.com/s3crypt/s3crypt/sandbox"
)

// rawResp is a response read whole.
type rawResp struct {
	status int
	body   string
}

// signedDo signs req for service with payloadHash (the hex SHA-256 of the
// body when empty) and sends it.
func (e *env) signedDo(req *http.Request, body []byte, service, payloadHash string) rawResp {
	e.t.Helper()
	if payloadHash == "" {
		sum := sha256.Sum256(body)
		payloadHash = hex.EncodeToString(sum[:])
	}
	req.Body = io.NopCloser(bytes.NewReader(body))
	req.ContentLength = int64(len(body))
	c := e.sb.Credentials()
	creds := aws.Credentials{AccessKeyID: c.AccessKeyID, SecretAccessKey: c.SecretAccessKey}
	// S3 signs the path as sent (no second escaping), as the SDK's S3
	// client does.
	signer := v4.NewSigner(func(o *v4.SignerOptions) { o.DisableURIPathEscaping = service == "s3" })
	if err := signer.SignHTTP(context.Background(), creds, req, payloadHash, service, e.sb.Region(), time.Now()); err != nil {
		e.t.Fatal(err)
	}
	resp, err := e.sb.HTTPClient().Do(req)
	if err != nil {
		e.t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return rawResp{resp.StatusCode, string(b)}
}

// kmsRequest is a KMS JSON request to the sandbox.
func (e *env) kmsRequest(op string) *http.Request {
	req, _ := http.NewRequest(http.MethodPost, e.sb.Endpoint()+"/", nil)
	req.Header.Set("X-Amz-Target", "TrentService."+op)
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	return req
}

// kmsErr decodes a KMS error body.
func kmsErr(t *testing.T, r rawResp) (typ, msg string) {
	t.Helper()
	var b struct {
		Type    string `json:"__type"`
		Message string `json:"message"`
	}
	if err := json.Unmarshal([]byte(r.body), &b); err != nil {
		t.Fatalf("KMS error body %q: %v", r.body, err)
	}
	return b.Type, b.Message
}

// TestCredentialScopeService: each endpoint accepts only a signature scoped
// to its own service, as AWS does (S3: AuthorizationHeaderMalformed;
// KMS: InvalidSignatureException "Credential should be scoped to correct
// service").
func TestCredentialScopeService(t *testing.T) {
	e := newEnv(t)
	e.mkBucket("scope")
	for _, svc := range []string{"kms", "foo"} {
		req, _ := http.NewRequest(http.MethodGet, e.sb.Endpoint()+"/scope", nil)
		req.Header.Set("X-Amz-Content-Sha256", "UNSIGNED-PAYLOAD")
		r := e.signedDo(req, nil, svc, "UNSIGNED-PAYLOAD")
		want := `incorrect service "` + svc + `". This endpoint belongs to "s3".`
		if r.status != http.StatusBadRequest || !strings.Contains(r.body, "<Code>AuthorizationHeaderMalformed</Code>") || !strings.Contains(html.UnescapeString(r.body), want) {
			t.Fatalf("S3 with a %s scope: %d %s", svc, r.status, r.body)
		}
		// Presigned: the same refusal in the query-parameter form.
		preq, _ := http.NewRequest(http.MethodGet, e.sb.Endpoint()+"/scope?X-Amz-Expires=300", nil)
		c := e.sb.Credentials()
		u, _, err := v4.NewSigner().PresignHTTP(context.Background(), aws.Credentials{AccessKeyID: c.AccessKeyID, SecretAccessKey: c.SecretAccessKey},
			preq, "UNSIGNED-PAYLOAD", svc, e.sb.Region(), time.Now())
		if err != nil {
			t.Fatal(err)
		}
		resp, err := e.sb.HTTPClient().Get(u)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusBadRequest || !strings.Contains(string(b), "AuthorizationQueryParametersError") || !strings.Contains(html.UnescapeString(string(b)), want) {
			t.Fatalf("presigned S3 with a %s scope: %d %s", svc, resp.StatusCode, b)
		}
	}
	for _, svc := range []string{"s3", "foo"} {
		r := e.signedDo(e.kmsRequest("ListKeys"), []byte("{}"), svc, "")
		typ, msg := kmsErr(t, r)
		if r.status != http.StatusBadRequest || typ != "InvalidSignatureException" || msg != "Credential should be scoped to correct service: 'kms'. " {
			t.Fatalf("KMS with a %s scope: %d %s", svc, r.status, r.body)
		}
	}
	// The right scopes still work.
	if r := e.signedDo(e.kmsRequest("ListKeys"), []byte("{}"), "kms", ""); r.status != http.StatusOK {
		t.Fatalf("KMS with its own scope: %d %s", r.status, r.body)
	}
	req, _ := http.NewRequest(http.MethodGet, e.sb.Endpoint()+"/scope", nil)
	req.Header.Set("X-Amz-Content-Sha256", "UNSIGNED-PAYLOAD")
	if r := e.signedDo(req, nil, "s3", "UNSIGNED-PAYLOAD"); r.status != http.StatusOK {
		t.Fatalf("S3 with its own scope: %d %s", r.status, r.body)
	}
}

// TestKMSSignsTheBody: KMS's signature covers the body whatever
// x-amz-content-sha256 claims; a body over 1 MiB is refused as too large,
// not as a malformed signature.
func TestKMSSignsTheBody(t *testing.T) {
	e := newEnv(t)
	req := e.kmsRequest("ListKeys")
	req.Header.Set("X-Amz-Content-Sha256", "UNSIGNED-PAYLOAD")
	r := e.signedDo(req, []byte("{}"), "kms", "UNSIGNED-PAYLOAD")
	if typ, _ := kmsErr(t, r); r.status != http.StatusBadRequest || typ != "InvalidSignatureException" {
		t.Fatalf("KMS with UNSIGNED-PAYLOAD: %d %s", r.status, r.body)
	}
	// A hash header that matches the body is fine.
	body := []byte(`{"Limit":5}`)
	sum := sha256.Sum256(body)
	req = e.kmsRequest("ListKeys")
	req.Header.Set("X-Amz-Content-Sha256", hex.EncodeToString(sum[:]))
	if r := e.signedDo(req, body, "kms", ""); r.status != http.StatusOK {
		t.Fatalf("KMS with a true payload hash: %d %s", r.status, r.body)
	}
	big := append([]byte(`{"Description":"`), bytes.Repeat([]byte("a"), 1<<20)...)
	big = append(big, `"}`...)
	r = e.signedDo(e.kmsRequest("CreateKey"), big, "kms", "")
	if typ, _ := kmsErr(t, r); r.status != http.StatusRequestEntityTooLarge || typ != "SerializationException" {
		t.Fatalf("KMS body over 1 MiB: %d %s", r.status, r.body)
	}
}

// TestUserMetadataLimit: more than 2 KB of user-defined metadata (the sum
// of each name's and value's UTF-8 bytes) is 400 MetadataTooLarge on PUT,
// CopyObject with REPLACE and CreateMultipartUpload; exactly 2 KB is
// stored and read back.
func TestUserMetadataLimit(t *testing.T) {
	e := newEnv(t)
	e.mkBucket("meta")
	// "k1" + 1022 bytes + "k2" + 1022 bytes = 2048: at the limit. The
	// value holds multi-byte runes, so bytes (not characters) are counted.
	val := strings.Repeat("é", 511) // 1022 bytes
	atLimit := map[string]string{"k1": val, "k2": val}
	over := map[string]string{"k1": val, "k2": val + "x"}
	if _, err := put(e, "meta", "ok", []byte("x"), func(in *s3.PutObjectInput) { in.Metadata = atLimit }); err != nil {
		t.Fatalf("PUT with 2048 bytes of metadata: %v", err)
	}
	head, err := e.s3.HeadObject(ctx(), &s3.HeadObjectInput{Bucket: aws.String("meta"), Key: aws.String("ok")})
	if err != nil || head.Metadata["k2"] != val {
		t.Fatalf("HEAD after PUT at the limit: %v %q", err, head.Metadata["k2"])
	}
	_, err = put(e, "meta", "big", []byte("x"), func(in *s3.PutObjectInput) { in.Metadata = over })
	wantErr(t, err, "MetadataTooLarge", 400)
	_, err = put(e, "meta", "huge", []byte("x"), func(in *s3.PutObjectInput) { in.Metadata = map[string]string{"a": strings.Repeat("v", 70000)} })
	wantErr(t, err, "MetadataTooLarge", 400)
	if _, err := e.s3.HeadObject(ctx(), &s3.HeadObjectInput{Bucket: aws.String("meta"), Key: aws.String("big")}); err == nil {
		t.Fatal("refused PUT stored an object")
	}
	_, err = e.s3.CopyObject(ctx(), &s3.CopyObjectInput{Bucket: aws.String("meta"), Key: aws.String("copy"), CopySource: aws.String("meta/ok"),
		MetadataDirective: s3types.MetadataDirectiveReplace, Metadata: over})
	wantErr(t, err, "MetadataTooLarge", 400)
	// COPY keeps the source's metadata (at the limit): accepted.
	if _, err := e.s3.CopyObject(ctx(), &s3.CopyObjectInput{Bucket: aws.String("meta"), Key: aws.String("copy"), CopySource: aws.String("meta/ok")}); err != nil {
		t.Fatalf("copy keeping 2 KB of metadata: %v", err)
	}
	_, err = e.s3.CreateMultipartUpload(ctx(), &s3.CreateMultipartUploadInput{Bucket: aws.String("meta"), Key: aws.String("mp"), Metadata: over})
	wantErr(t, err, "MetadataTooLarge", 400)
}

// putMultipart uploads data in parts of partSize under key.
func (e *env) putMultipart(bucket, key string, data []byte, partSize int) {
	e.t.Helper()
	cu, err := e.s3.CreateMultipartUpload(ctx(), &s3.CreateMultipartUploadInput{Bucket: aws.String(bucket), Key: aws.String(key)})
	if err != nil {
		e.t.Fatal(err)
	}
	var parts []s3types.CompletedPart
	for i := 0; i*partSize < len(data); i++ {
		chunk := data[i*partSize : min(len(data), (i+1)*partSize)]
		up, err := e.s3.UploadPart(ctx(), &s3.UploadPartInput{Bucket: aws.String(bucket), Key: aws.String(key), UploadId: cu.UploadId,
			PartNumber: aws.Int32(int32(i + 1)), Body: bytes.NewReader(chunk)})
		if err != nil {
			e.t.Fatal(err)
		}
		parts = append(parts, s3types.CompletedPart{ETag: up.ETag, PartNumber: aws.Int32(int32(i + 1))})
	}
	if _, err := e.s3.CompleteMultipartUpload(ctx(), &s3.CompleteMultipartUploadInput{Bucket: aws.String(bucket), Key: aws.String(key),
		UploadId: cu.UploadId, MultipartUpload: &s3types.CompletedMultipartUpload{Parts: parts}}); err != nil {
		e.t.Fatal(err)
	}
}

// blobFiles counts the blob files in the sandbox's data directory.
func blobFiles(t *testing.T, dir string) int {
	t.Helper()
	n := 0
	err := filepath.WalkDir(filepath.Join(dir, "data", "blobs"), func(_ string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			n++
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// TestGetCompletesDuringOverwriteAndDelete: GETs under way when their key
// is overwritten, then deleted, complete with the bytes of the version they
// started on (as on AWS), and the old blobs go once the last reader ends.
func TestGetCompletesDuringOverwriteAndDelete(t *testing.T) {
	e := newEnv(t)
	e.mkBucket("race")
	const partSize = 5 << 20
	v1 := randomBytes(3 * partSize)
	e.putMultipart("race", "k", v1, partSize)
	small := randomBytes(1 << 20)
	if _, err := put(e, "race", "s", small, nil); err != nil {
		t.Fatal(err)
	}
	// startReaders opens n GETs of key and reads 1 KiB of each, so each is
	// under way; the returned wait reads the rest and checks it.
	startReaders := func(key string, n int, want []byte) func() {
		bodies := make([]io.ReadCloser, n)
		for i := range bodies {
			out, err := e.s3.GetObject(ctx(), &s3.GetObjectInput{Bucket: aws.String("race"), Key: aws.String(key)})
			if err != nil {
				t.Fatal(err)
			}
			head := make([]byte, 1024)
			if _, err := io.ReadFull(out.Body, head); err != nil {
				t.Fatal(err)
			}
			mustEqual(t, "first KiB", head, want[:1024])
			bodies[i] = out.Body
		}
		return func() {
			var wg sync.WaitGroup
			for i, b := range bodies {
				wg.Add(1)
				go func() {
					defer wg.Done()
					defer b.Close()
					rest, err := io.ReadAll(b)
					if err != nil {
						t.Errorf("reader %d of %s: %v after %d bytes", i, key, err, 1024+len(rest))
						return
					}
					if !bytes.Equal(rest, want[1024:]) {
						t.Errorf("reader %d of %s: got %d bytes, not the version it started on", i, key, 1024+len(rest))
					}
				}()
			}
			wg.Wait()
		}
	}
	// Overwrite the multipart object and the small one while 8 readers
	// stream them.
	wait := startReaders("k", 6, v1)
	waitSmall := startReaders("s", 2, small)
	v2 := randomBytes(3 * partSize)
	e.putMultipart("race", "k", v2, partSize)
	if _, err := put(e, "race", "s", randomBytes(1<<20), nil); err != nil {
		t.Fatal(err)
	}
	wait()
	waitSmall()
	// Delete it while 8 readers stream the new version.
	wait = startReaders("k", 8, v2)
	if _, err := e.s3.DeleteObject(ctx(), &s3.DeleteObjectInput{Bucket: aws.String("race"), Key: aws.String("k")}); err != nil {
		t.Fatal(err)
	}
	wait()
	if _, err := e.s3.DeleteObject(ctx(), &s3.DeleteObjectInput{Bucket: aws.String("race"), Key: aws.String("s")}); err != nil {
		t.Fatal(err)
	}
	// Every reader is done, so every blob is garbage and gone.
	if n := blobFiles(t, e.sb.Dir()); n != 0 {
		t.Fatalf("%d blob files left after every version was replaced or deleted and every reader ended", n)
	}
}

// openFDs counts this process's open file descriptors.
func openFDs(t *testing.T) int {
	t.Helper()
	entries, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Skipf("no /proc/self/fd: %v", err)
	}
	return len(entries)
}

// TestStalledBodyTimesOut: a PUT whose body stops arriving is answered 400
// RequestTimeout after the idle timeout (1 s here, AWS's 20 s by default),
// and leaves no temporary file or descriptor behind.
func TestStalledBodyTimesOut(t *testing.T) {
	e := newEnv(t, func(o *sandbox.Options) { o.IdleBodyTimeout = time.Second })
	e.mkBucket("stall")
	presign := s3.NewPresignClient(e.s3)
	fdsBefore := openFDs(t)
	const n = 8
	type result struct {
		status  int
		body    string
		elapsed time.Duration
		err     error
	}
	results := make(chan result, n)
	for i := range n {
		req, err := presign.PresignPutObject(ctx(), &s3.PutObjectInput{Bucket: aws.String("stall"), Key: aws.String(fmt.Sprintf("k%d", i))})
		if err != nil {
			t.Fatal(err)
		}
		go func() {
			pr, pw := io.Pipe()
			defer pw.Close()
			go func() { _, _ = pw.Write([]byte("first bytes, then nothing")) }() // 25 of 1000 bytes
			hr, _ := http.NewRequest(http.MethodPut, req.URL, pr)
			hr.ContentLength = 1000
			start := time.Now()
			resp, err := e.sb.HTTPClient().Do(hr)
			if err != nil {
				results <- result{err: err}
				return
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			results <- result{status: resp.StatusCode, body: string(b), elapsed: time.Since(start)}
		}()
	}
	for range n {
		r := <-results
		if r.err != nil {
			t.Fatalf("stalled PUT: %v", r.err)
		}
		if r.status != http.StatusBadRequest || !strings.Contains(r.body, "<Code>RequestTimeout</Code>") ||
			!strings.Contains(r.body, "Your socket connection to the server was not read from or written to within the timeout period.") {
			t.Fatalf("stalled PUT: %d %s", r.status, r.body)
		}
		if r.elapsed < time.Second {
			t.Fatalf("stalled PUT refused after %v, before the idle timeout", r.elapsed)
		}
	}
	tmp, err := os.ReadDir(filepath.Join(e.sb.Dir(), "data", "tmp"))
	if err != nil || len(tmp) != 0 {
		t.Fatalf("temporary files left: %v %v", len(tmp), err)
	}
	e.sb.HTTPClient().CloseIdleConnections()
	var fdsAfter int
	for range 50 { // the server closes its side of each connection just after answering
		if fdsAfter = openFDs(t); fdsAfter <= fdsBefore+1 {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if fdsAfter > fdsBefore+1 {
		t.Fatalf("%d descriptors open before the stalled PUTs, %d after", fdsBefore, fdsAfter)
	}
	// A slow but steady body is not cut: 3 × 0.6 s gaps, each under the
	// idle timeout, 1.8 s in all.
	pr, pw := io.Pipe()
	go func() {
		for range 3 {
			time.Sleep(600 * time.Millisecond)
			_, _ = pw.Write([]byte("slow"))
		}
		pw.Close()
	}()
	if _, err := e.s3.PutObject(ctx(), &s3.PutObjectInput{Bucket: aws.String("stall"), Key: aws.String("slow"), Body: pr, ContentLength: aws.Int64(12)}, s3.WithAPIOptions(v4.SwapComputePayloadSHA256ForUnsignedPayloadMiddleware)); err != nil {
		t.Fatalf("slow but steady PUT: %v", err)
	}
}

// TestKeysMustBeUTF8: a key that is not UTF-8 is refused as S3 refuses it
// (400 InvalidURI) and nothing is stored; a key with control characters is
// stored, and a url-encoded listing gives back exactly the stored key.
func TestKeysMustBeUTF8(t *testing.T) {
	e := newEnv(t)
	e.mkBucket("utf")
	for _, raw := range []string{"bad%FFkey", "half%C3", "%ED%A0%80surrogate"} {
		req, _ := http.NewRequest(http.MethodPut, e.sb.Endpoint()+"/utf/"+raw, nil)
		req.URL.RawPath = "/utf/" + raw // keep the escapes as sent
		req.Header.Set("X-Amz-Content-Sha256", "UNSIGNED-PAYLOAD")
		r := e.signedDo(req, []byte("data"), "s3", "UNSIGNED-PAYLOAD")
		if r.status != http.StatusBadRequest || !strings.Contains(r.body, "<Code>InvalidURI</Code>") || !strings.Contains(r.body, "Couldn&#39;t parse the specified URI.") {
			t.Fatalf("PUT %s: %d %s", raw, r.status, r.body)
		}
	}
	odd := "ctl\x01\x1f\ttab/é/\u2028"
	if _, err := put(e, "utf", odd, []byte("x"), nil); err != nil {
		t.Fatalf("PUT a UTF-8 key with control characters: %v", err)
	}
	out, err := e.s3.ListObjectsV2(ctx(), &s3.ListObjectsV2Input{Bucket: aws.String("utf"), EncodingType: s3types.EncodingTypeUrl})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Contents) != 1 {
		t.Fatalf("listing holds %d keys, want only the valid one", len(out.Contents))
	}
	got, err := url.QueryUnescape(*out.Contents[0].Key)
	if err != nil || got != odd {
		t.Fatalf("listed key %q (%v), stored %q", got, err, odd)
	}
	data, _, err := e.get(&s3.GetObjectInput{Bucket: aws.String("utf"), Key: aws.String(got)})
	if err != nil || string(data) != "x" {
		t.Fatalf("GET the listed key: %v", err)
	}
}

// TestDataDirChecks: a new data directory is created 0700 (an empty one of
// ours is closed to others); an existing one that others can read, or that
// another user owns, is refused with why and what to do.
func TestDataDirChecks(t *testing.T) {
	base := t.TempDir()
	if err := os.Chmod(base, 0o755); err != nil {
		t.Fatal(err)
	}
	sb0, err := sandbox.Start(context.Background(), sandbox.Options{Dir: base, NoSync: true, NoAttach: true})
	if err != nil {
		t.Fatalf("empty 0755 directory of ours: %v", err)
	}
	sb0.Close()
	if fi, err := os.Stat(base); err != nil || fi.Mode().Perm() != 0o700 {
		t.Fatalf("empty data directory not closed to others: %v %v", fi.Mode().Perm(), err)
	}
	base = t.TempDir()
	fresh := filepath.Join(base, "new", "sandbox")
	sb, err := sandbox.Start(context.Background(), sandbox.Options{Dir: fresh, NoSync: true, NoAttach: true})
	if err != nil {
		t.Fatal(err)
	}
	sb.Close()
	if fi, err := os.Stat(fresh); err != nil || fi.Mode().Perm() != 0o700 {
		t.Fatalf("new data directory: %v %v, want mode 0700", fi.Mode().Perm(), err)
	}
	if err := os.Chmod(fresh, 0o755); err != nil {
		t.Fatal(err)
	}
	_, err = sandbox.Start(context.Background(), sandbox.Options{Dir: fresh, NoSync: true, NoAttach: true})
	if err == nil || !strings.Contains(err.Error(), "can be accessed by other users (mode 0755)") || !strings.Contains(err.Error(), "chmod 700 "+fresh) {
		t.Fatalf("data directory readable by others: %v", err)
	}
	if err := os.Chmod(fresh, 0o700); err != nil {
		t.Fatal(err)
	}
	if os.Getuid() != 0 {
		t.Log("not root: another user's directory is not tested")
		return
	}
	if err := os.Chown(fresh, 12345, 12345); err != nil {
		t.Skipf("chown: %v", err)
	}
	_, err = sandbox.Start(context.Background(), sandbox.Options{Dir: fresh, NoSync: true, NoAttach: true})
	if err == nil || !strings.Contains(err.Error(), "belongs to user id 12345, not to you (user id 0)") || !strings.Contains(err.Error(), "--data") {
		t.Fatalf("another user's data directory: %v", err)
	}
}

// TestDiskFull: a PUT that finds the sandbox's disk full is S3's 500
// InternalError, whose message says the disk is full and names the data
// directory; nothing half-written stays; the CLI's diagnosis says what to
// do. The disk is a 1 MiB tmpfs (needs root and mount).
func TestDiskFull(t *testing.T) {
	if os.Getuid() != 0 {
		t.Skip("mounting a tiny tmpfs needs root")
	}
	dir := t.TempDir()
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=1m,mode=0700", "tmpfs", dir).CombinedOutput(); err != nil {
		t.Skipf("cannot mount a tmpfs: %v %s", err, out)
	}
	t.Cleanup(func() { _ = exec.Command("umount", dir).Run() })
	e := newEnv(t, func(o *sandbox.Options) { o.Dir = dir })
	e.mkBucket("full")
	// One retry at most: the SDK retries InternalError as on AWS.
	_, err := put(e, "full", "big", randomBytes(2<<20), nil)
	wantErr(t, err, "InternalError", 500)
	if !strings.Contains(err.Error(), "sandbox's disk is full") || !strings.Contains(err.Error(), filepath.Join(dir, "data")) {
		t.Fatalf("disk-full error does not say what and where: %v", err)
	}
	if tmp, rerr := os.ReadDir(filepath.Join(dir, "data", "tmp")); rerr != nil || len(tmp) != 0 {
		t.Fatalf("temporary files left after a failed PUT: %d %v", len(tmp), rerr)
	}
	if _, herr := e.s3.HeadObject(ctx(), &s3.HeadObjectInput{Bucket: aws.String("full"), Key: aws.String("big")}); herr == nil {
		t.Fatal("a PUT that failed for space stored an object")
	}
	d := actions.Diagnose("upload big", err, actions.Hint{Bucket: "full", Key: "big", Write: true})
	if actions.KindOf(d) != actions.KindDiskFull || !strings.Contains(d.Error(), "--data") {
		t.Fatalf("diagnosis: %v (kind %v)", d, actions.KindOf(d))
	}
	// A small object still fits.
	if _, err := put(e, "full", "small", []byte("fits"), nil); err != nil {
		t.Fatalf("small PUT after a full disk: %v", err)
	}
}

// TestDeleteBucketDiscardsUploads: a bucket whose only content is
// multipart uploads in progress is deleted, and they with it (as on AWS).
func TestDeleteBucketDiscardsUploads(t *testing.T) {
	e := newEnv(t)
	e.mkBucket("mpu")
	cu, err := e.s3.CreateMultipartUpload(ctx(), &s3.CreateMultipartUploadInput{Bucket: aws.String("mpu"), Key: aws.String("big")})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.s3.UploadPart(ctx(), &s3.UploadPartInput{Bucket: aws.String("mpu"), Key: aws.String("big"), UploadId: cu.UploadId,
		PartNumber: aws.Int32(1), Body: bytes.NewReader(randomBytes(1 << 20))}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.s3.CreateMultipartUpload(ctx(), &s3.CreateMultipartUploadInput{Bucket: aws.String("mpu"), Key: aws.String("other")}); err != nil {
		t.Fatal(err)
	}
	// An object still keeps it.
	if _, err := put(e, "mpu", "obj", []byte("x"), nil); err != nil {
		t.Fatal(err)
	}
	_, err = e.s3.DeleteBucket(ctx(), &s3.DeleteBucketInput{Bucket: aws.String("mpu")})
	wantErr(t, err, "BucketNotEmpty", 409)
	if _, err := e.s3.DeleteObject(ctx(), &s3.DeleteObjectInput{Bucket: aws.String("mpu"), Key: aws.String("obj")}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.s3.DeleteBucket(ctx(), &s3.DeleteBucketInput{Bucket: aws.String("mpu")}); err != nil {
		t.Fatalf("DeleteBucket with only uploads in progress: %v", err)
	}
	_, err = e.s3.HeadBucket(ctx(), &s3.HeadBucketInput{Bucket: aws.String("mpu")})
	if _, status := apiCode(err); status != 404 {
		t.Fatalf("bucket still there: %v", err)
	}
	if n := blobFiles(t, e.sb.Dir()); n != 0 {
		t.Fatalf("%d part blobs left after the bucket went", n)
	}
	e.mkBucket("mpu") // a bucket made again under the name has no uploads
	lu, err := e.s3.ListMultipartUploads(ctx(), &s3.ListMultipartUploadsInput{Bucket: aws.String("mpu")})
	if err != nil || len(lu.Uploads) != 0 {
		t.Fatalf("uploads after re-creating the bucket: %v %d", err, len(lu.Uploads))
	}
}

// TestSSECMultipartHeaders: UploadPartCopy into an SSE-C upload needs the
// upload's key (400 without it), and so does CompleteMultipartUpload of an
// SSE-C upload created with a checksum algorithm, as AWS documents.
func TestSSECMultipartHeaders(t *testing.T) {
	e := newEnv(t)
	e.mkBucket("ssec")
	e.allowSSEC("ssec")
	key, md5 := ssecKey()
	src := randomBytes(5 << 20)
	if _, err := put(e, "ssec", "src", src, nil); err != nil {
		t.Fatal(err)
	}
	create := func(k string, alg s3types.ChecksumAlgorithm) *string {
		cu, err := e.s3.CreateMultipartUpload(ctx(), &s3.CreateMultipartUploadInput{Bucket: aws.String("ssec"), Key: aws.String(k),
			SSECustomerAlgorithm: aws.String("AES256"), SSECustomerKey: aws.String(key), SSECustomerKeyMD5: aws.String(md5), ChecksumAlgorithm: alg})
		if err != nil {
			t.Fatal(err)
		}
		return cu.UploadId
	}
	id := create("copied", "")
	_, err := e.s3.UploadPartCopy(ctx(), &s3.UploadPartCopyInput{Bucket: aws.String("ssec"), Key: aws.String("copied"), UploadId: id,
		PartNumber: aws.Int32(1), CopySource: aws.String("ssec/src")})
	wantErr(t, err, "InvalidRequest", 400)
	pc, err := e.s3.UploadPartCopy(ctx(), &s3.UploadPartCopyInput{Bucket: aws.String("ssec"), Key: aws.String("copied"), UploadId: id,
		PartNumber: aws.Int32(1), CopySource: aws.String("ssec/src"),
		SSECustomerAlgorithm: aws.String("AES256"), SSECustomerKey: aws.String(key), SSECustomerKeyMD5: aws.String(md5)})
	if err != nil {
		t.Fatalf("UploadPartCopy with the upload's key: %v", err)
	}
	// No checksum algorithm: Complete needs no key.
	if _, err := e.s3.CompleteMultipartUpload(ctx(), &s3.CompleteMultipartUploadInput{Bucket: aws.String("ssec"), Key: aws.String("copied"), UploadId: id,
		MultipartUpload: &s3types.CompletedMultipartUpload{Parts: []s3types.CompletedPart{{ETag: pc.CopyPartResult.ETag, PartNumber: aws.Int32(1)}}}}); err != nil {
		t.Fatalf("Complete of an SSE-C upload without a checksum algorithm: %v", err)
	}
	// With one, it does.
	id = create("summed", s3types.ChecksumAlgorithmSha256)
	up, err := e.s3.UploadPart(ctx(), &s3.UploadPartInput{Bucket: aws.String("ssec"), Key: aws.String("summed"), UploadId: id, PartNumber: aws.Int32(1),
		Body: bytes.NewReader(src), ChecksumAlgorithm: s3types.ChecksumAlgorithmSha256,
		SSECustomerAlgorithm: aws.String("AES256"), SSECustomerKey: aws.String(key), SSECustomerKeyMD5: aws.String(md5)})
	if err != nil {
		t.Fatal(err)
	}
	parts := &s3types.CompletedMultipartUpload{Parts: []s3types.CompletedPart{{ETag: up.ETag, PartNumber: aws.Int32(1), ChecksumSHA256: up.ChecksumSHA256}}}
	_, err = e.s3.CompleteMultipartUpload(ctx(), &s3.CompleteMultipartUploadInput{Bucket: aws.String("ssec"), Key: aws.String("summed"), UploadId: id, MultipartUpload: parts})
	wantErr(t, err, "InvalidRequest", 400)
	other, otherMD5 := ssecKey()
	_, err = e.s3.CompleteMultipartUpload(ctx(), &s3.CompleteMultipartUploadInput{Bucket: aws.String("ssec"), Key: aws.String("summed"), UploadId: id, MultipartUpload: parts,
		SSECustomerAlgorithm: aws.String("AES256"), SSECustomerKey: aws.String(other), SSECustomerKeyMD5: aws.String(otherMD5)})
	wantErr(t, err, "InvalidRequest", 400)
	if _, err := e.s3.CompleteMultipartUpload(ctx(), &s3.CompleteMultipartUploadInput{Bucket: aws.String("ssec"), Key: aws.String("summed"), UploadId: id, MultipartUpload: parts,
		SSECustomerAlgorithm: aws.String("AES256"), SSECustomerKey: aws.String(key), SSECustomerKeyMD5: aws.String(md5)}); err != nil {
		t.Fatalf("Complete with the upload's key: %v", err)
	}
	data, _, err := e.get(&s3.GetObjectInput{Bucket: aws.String("ssec"), Key: aws.String("summed"),
		SSECustomerAlgorithm: aws.String("AES256"), SSECustomerKey: aws.String(key), SSECustomerKeyMD5: aws.String(md5)})
	if err != nil {
		t.Fatal(err)
	}
	mustEqual(t, "SSE-C multipart object", data, src)
}
