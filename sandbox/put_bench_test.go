package sandbox_test

import (
	"bytes"
	"context"
	"crypto/tls"
	"fmt"
	"net/http"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"golang.org/x/sync/errgroup"

	"github.com/s3crypt/s3crypt/sandbox"
)

// BenchmarkPut streams SSE-KMS PUTs through the whole sandbox in this
// process (TLS, SigV4 and checksums, DARE, blob writes with fsync, bbolt),
// so a CPU profile shows the server's hot path beside the SDK's:
//
//	go test -run XX -bench Put -benchtime 4x -cpuprofile /tmp/cpu.out ./sandbox/
//	go tool pprof -top sandbox.test /tmp/cpu.out
//
// bench/sandbox.sh measures the same against a separate `s3crypt serve`
// process, next to dd on the same disk.
func BenchmarkPut(b *testing.B) {
	sb, err := sandbox.Start(context.Background(), sandbox.Options{Dir: b.TempDir(), HTTPAddr: "127.0.0.1:0"})
	if err != nil {
		b.Fatal(err)
	}
	defer sb.Close()
	c := sb.Credentials()
	hc := awshttp.NewBuildableClient().WithTransportOptions(func(tr *http.Transport) {
		tr.TLSClientConfig = &tls.Config{RootCAs: sb.CAPool(), MinVersion: tls.VersionTLS12}
	})
	client := s3.New(s3.Options{Region: sb.Region(), BaseEndpoint: aws.String(sb.Endpoint()), UsePathStyle: true, HTTPClient: hc,
		Credentials: credentials.NewStaticCredentialsProvider(c.AccessKeyID, c.SecretAccessKey, ""), RetryMaxAttempts: 1})
	bctx := context.Background()
	if _, err := client.CreateBucket(bctx, &s3.CreateBucketInput{Bucket: aws.String("bench")}); err != nil {
		b.Fatal(err)
	}
	const size, part, parallel = 64 << 20, 16 << 20, 4
	data := make([]byte, size)
	for i := range data {
		data[i] = byte(i * 31)
	}
	b.Run("single", func(b *testing.B) {
		b.SetBytes(size)
		for b.Loop() {
			_, err := client.PutObject(bctx, &s3.PutObjectInput{Bucket: aws.String("bench"), Key: aws.String("single"),
				Body: bytes.NewReader(data), ContentLength: aws.Int64(size), ServerSideEncryption: s3types.ServerSideEncryptionAwsKms})
			if err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run(fmt.Sprintf("multipart-%dx%dMiB", parallel, part>>20), func(b *testing.B) {
		b.SetBytes(size)
		for b.Loop() {
			up, err := client.CreateMultipartUpload(bctx, &s3.CreateMultipartUploadInput{Bucket: aws.String("bench"), Key: aws.String("multi"),
				ServerSideEncryption: s3types.ServerSideEncryptionAwsKms})
			if err != nil {
				b.Fatal(err)
			}
			parts := make([]s3types.CompletedPart, size/part)
			var g errgroup.Group
			g.SetLimit(parallel)
			for i := range parts {
				g.Go(func() error {
					out, err := client.UploadPart(bctx, &s3.UploadPartInput{Bucket: aws.String("bench"), Key: aws.String("multi"), UploadId: up.UploadId,
						PartNumber: aws.Int32(int32(i + 1)), Body: bytes.NewReader(data[i*part : (i+1)*part]), ContentLength: aws.Int64(part)})
					if err == nil {
						parts[i] = s3types.CompletedPart{PartNumber: aws.Int32(int32(i + 1)), ETag: out.ETag}
					}
					return err
				})
			}
			if err := g.Wait(); err != nil {
				b.Fatal(err)
			}
			_, err = client.CompleteMultipartUpload(bctx, &s3.CompleteMultipartUploadInput{Bucket: aws.String("bench"), Key: aws.String("multi"),
				UploadId: up.UploadId, MultipartUpload: &s3types.CompletedMultipartUpload{Parts: parts}})
			if err != nil {
				b.Fatal(err)
			}
		}
	})
}
