package sandbox_test

import (
	"bytes"
	"context"
	"crypto/tls"
	"net"
	"net/http"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
)

// TestBucketAndObjectOperations covers the remaining S3 operations.
func TestBucketAndObjectOperations(t *testing.T) {
	e := newEnv(t)
	e.mkBucket("ops")
	loc, err := e.s3.GetBucketLocation(ctx(), &s3.GetBucketLocationInput{Bucket: aws.String("ops")})
	if err != nil || loc.LocationConstraint != "" {
		t.Fatalf("location: %v %q", err, loc.LocationConstraint)
	}
	_, err = e.s3.CreateBucket(ctx(), &s3.CreateBucketInput{Bucket: aws.String("ops")})
	wantErr(t, err, "BucketAlreadyOwnedByYou", 409)
	v, err := e.s3.GetBucketVersioning(ctx(), &s3.GetBucketVersioningInput{Bucket: aws.String("ops")})
	if err != nil || v.Status != "" {
		t.Fatalf("versioning of a new bucket: %v %q", err, v.Status)
	}
	data := randomBytes(6 << 20)
	if _, err := put(e, "ops", "src", data, func(p *s3.PutObjectInput) {
		p.ContentType = aws.String("text/plain")
		p.Metadata = map[string]string{"owner": "me"}
	}); err != nil {
		t.Fatal(err)
	}
	h, err := e.s3.HeadObject(ctx(), &s3.HeadObjectInput{Bucket: aws.String("ops"), Key: aws.String("src")})
	if err != nil || aws.ToInt64(h.ContentLength) != int64(len(data)) || aws.ToString(h.ContentType) != "text/plain" || h.Metadata["owner"] != "me" {
		t.Fatalf("head: %v %+v", err, h)
	}
	// UploadPartCopy assembles an object from ranges of another.
	up, err := e.s3.CreateMultipartUpload(ctx(), &s3.CreateMultipartUploadInput{Bucket: aws.String("ops"), Key: aws.String("assembled"), ServerSideEncryption: "aws:kms"})
	if err != nil {
		t.Fatal(err)
	}
	var parts []s3types.CompletedPart
	for i, r := range []string{"bytes=0-5242879", "bytes=5242880-6291455"} {
		out, err := e.s3.UploadPartCopy(ctx(), &s3.UploadPartCopyInput{Bucket: aws.String("ops"), Key: aws.String("assembled"), UploadId: up.UploadId,
			PartNumber: aws.Int32(int32(i + 1)), CopySource: aws.String("ops/src"), CopySourceRange: aws.String(r)})
		if err != nil {
			t.Fatalf("upload part copy %s: %v", r, err)
		}
		parts = append(parts, s3types.CompletedPart{PartNumber: aws.Int32(int32(i + 1)), ETag: out.CopyPartResult.ETag})
	}
	if _, err := e.s3.CompleteMultipartUpload(ctx(), &s3.CompleteMultipartUploadInput{Bucket: aws.String("ops"), Key: aws.String("assembled"),
		UploadId: up.UploadId, MultipartUpload: &s3types.CompletedMultipartUpload{Parts: parts}}); err != nil {
		t.Fatal(err)
	}
	got, o, err := e.get(&s3.GetObjectInput{Bucket: aws.String("ops"), Key: aws.String("assembled")})
	if err != nil || o.ServerSideEncryption != "aws:kms" {
		t.Fatal(err)
	}
	mustEqual(t, "assembled by part copy", got, data)
	// partNumber and Range together are refused.
	_, _, err = e.get(&s3.GetObjectInput{Bucket: aws.String("ops"), Key: aws.String("assembled"), PartNumber: aws.Int32(1), Range: aws.String("bytes=0-1")})
	wantErr(t, err, "InvalidRequest", 400)
	// Too-small non-final parts are refused at completion.
	up2, _ := e.s3.CreateMultipartUpload(ctx(), &s3.CreateMultipartUploadInput{Bucket: aws.String("ops"), Key: aws.String("small")})
	var small []s3types.CompletedPart
	for i := range 2 {
		out, err := e.s3.UploadPart(ctx(), &s3.UploadPartInput{Bucket: aws.String("ops"), Key: aws.String("small"), UploadId: up2.UploadId,
			PartNumber: aws.Int32(int32(i + 1)), Body: bytes.NewReader([]byte("tiny"))})
		if err != nil {
			t.Fatal(err)
		}
		small = append(small, s3types.CompletedPart{PartNumber: aws.Int32(int32(i + 1)), ETag: out.ETag})
	}
	_, err = e.s3.CompleteMultipartUpload(ctx(), &s3.CompleteMultipartUploadInput{Bucket: aws.String("ops"), Key: aws.String("small"),
		UploadId: up2.UploadId, MultipartUpload: &s3types.CompletedMultipartUpload{Parts: small}})
	wantErr(t, err, "EntityTooSmall", 400)
	if _, err := e.s3.AbortMultipartUpload(ctx(), &s3.AbortMultipartUploadInput{Bucket: aws.String("ops"), Key: aws.String("small"), UploadId: up2.UploadId}); err != nil {
		t.Fatal(err)
	}
	// DeleteObjects removes several keys at once.
	del, err := e.s3.DeleteObjects(ctx(), &s3.DeleteObjectsInput{Bucket: aws.String("ops"), Delete: &s3types.Delete{Objects: []s3types.ObjectIdentifier{
		{Key: aws.String("src")}, {Key: aws.String("assembled")}, {Key: aws.String("never-existed")}}}})
	if err != nil || len(del.Deleted) != 3 {
		t.Fatalf("delete objects: %v %+v", err, del)
	}
	if _, err := e.s3.DeleteBucket(ctx(), &s3.DeleteBucketInput{Bucket: aws.String("ops")}); err != nil {
		t.Fatalf("delete empty bucket: %v", err)
	}
	_, err = e.s3.HeadBucket(ctx(), &s3.HeadBucketInput{Bucket: aws.String("ops")})
	if _, status := apiCode(err); status != 404 {
		t.Fatalf("bucket still there: %v", err)
	}
}

// TestVirtualHostedRequests addresses buckets by host name
// (bucket.localhost), as SDKs do by default.
func TestVirtualHostedRequests(t *testing.T) {
	e := newEnv(t)
	e.mkBucket("vhost")
	_, port, _ := net.SplitHostPort(e.sb.Endpoint()[len("https://"):])
	hc := awshttp.NewBuildableClient().WithTransportOptions(func(tr *http.Transport) {
		tr.TLSClientConfig = &tls.Config{RootCAs: e.sb.CAPool()}
		tr.DialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
			return (&net.Dialer{}).DialContext(ctx, network, "127.0.0.1:"+port)
		}
	})
	cfg := e.cfg.Copy()
	cfg.HTTPClient = hc
	vc := s3.NewFromConfig(cfg, func(o *s3.Options) {
		o.BaseEndpoint = aws.String("https://localhost:" + port)
		o.UsePathStyle = false
	})
	if _, err := vc.PutObject(ctx(), &s3.PutObjectInput{Bucket: aws.String("vhost"), Key: aws.String("dir/o"), Body: bytes.NewReader([]byte("hi"))}); err != nil {
		t.Fatal(err)
	}
	got, _, err := e.get(&s3.GetObjectInput{Bucket: aws.String("vhost"), Key: aws.String("dir/o")})
	if err != nil || string(got) != "hi" {
		t.Fatalf("virtual-hosted put read back path-style: %q %v", got, err)
	}
}
