package actions

import (
	"context"
	"fmt"
	"net/url"
	"sort"
	"sync/atomic"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"golang.org/x/sync/errgroup"
)

// maxParts is S3's limit of parts per upload.
const maxParts = 10000

// copyPartSize is the part size of a copy in parts: size, or the env's
// part size, raised so that the object fits in 10,000 parts.
func copyPartSize(env *Env, want, total int64) int64 {
	n := want
	if n <= 0 {
		n = partSize(env)
	}
	if minimum := (total + maxParts - 1) / maxParts; n < minimum {
		n = minimum
	}
	return n
}

// partCopyInPlace copies the object onto itself in parts: a multipart
// upload with the new encryption and the object's metadata, content type,
// storage class and tags (a multipart upload does not copy them by
// itself), then UploadPartCopy of each byte range, pinned to the version
// and ETag read, then CompleteMultipartUpload. On failure the upload is
// aborted, so nothing half-written remains.
func partCopyInPlace(ctx context.Context, env *Env, r *Reporter, bucket, key string, src sourceObject, t ReencryptTarget, ssec *SSECKey, want int64) error {
	h := src.head
	in := &s3.CreateMultipartUploadInput{Bucket: &bucket, Key: &key, ServerSideEncryption: s3types.ServerSideEncryption(t.SSE),
		Metadata: h.Metadata, ContentType: h.ContentType, ContentEncoding: h.ContentEncoding, ContentDisposition: h.ContentDisposition,
		ContentLanguage: h.ContentLanguage, CacheControl: h.CacheControl, StorageClass: h.StorageClass}
	if t.SSE != SSES3 {
		in.SSEKMSKeyId = aws.String(t.KMSKey)
		if t.SSE == SSEKMS {
			in.BucketKeyEnabled = aws.Bool(t.BucketKey)
		}
	}
	if aws.ToInt32(h.TagCount) > 0 {
		tags, err := env.Backend.S3.GetObjectTagging(ctx, &s3.GetObjectTaggingInput{Bucket: &bucket, Key: &key, VersionId: versionPtr(src.versionID)}, withJob(r))
		if err != nil {
			return fmt.Errorf("read the object's tags to keep them: %w", err)
		}
		v := url.Values{}
		for _, tg := range tags.TagSet {
			v.Set(aws.ToString(tg.Key), aws.ToString(tg.Value))
		}
		in.Tagging = aws.String(v.Encode())
	}
	size := aws.ToInt64(h.ContentLength)
	ps := copyPartSize(env, want, size)
	r.Command(AWSCommand(env, "s3api", "create-multipart-upload", "--bucket", bucket, "--key", key, "--server-side-encryption", t.SSE))
	c := AWSCommand(env, "s3api", "upload-part-copy", "--bucket", bucket, "--key", key, "--copy-source", copySourceOf(bucket, key, src.versionID),
		"--copy-source-range", fmt.Sprintf("bytes=0-%d", ps-1), "--part-number", "1", "--upload-id", "UPLOAD_ID")
	c.Note = fmt.Sprintf("one per %d-byte range, %d in all; then aws s3api complete-multipart-upload", ps, (size+ps-1)/ps)
	r.Command(c)
	r.Step(Step{Actor: You, To: S3, Op: OpRequest, Title: "CreateMultipartUpload", Observed: true, KeyARN: t.KMSKey,
		Detail: fmt.Sprintf("the object is over %s: you copy it onto itself in %d parts (UploadPartCopy), keeping its metadata, tags, content type and storage class", HumanSize(MaxCopyObject), (size+ps-1)/ps)})
	up, err := env.Backend.S3.CreateMultipartUpload(ctx, in, withJob(r))
	if err != nil {
		return err
	}
	abort := func() {
		_, _ = env.Backend.S3.AbortMultipartUpload(context.WithoutCancel(ctx), &s3.AbortMultipartUploadInput{Bucket: &bucket, Key: &key, UploadId: up.UploadId}, withJob(r))
	}
	var (
		parts []s3types.CompletedPart
		done  atomic.Int64
		g     errgroup.Group
		mu    = make(chan struct{}, 1)
	)
	gctx, cancel := context.WithCancel(ctx)
	defer cancel()
	g.SetLimit(concurrency(env))
	for num, off := int32(1), int64(0); off < size; num, off = num+1, off+ps {
		n := min(ps, size-off)
		g.Go(func() error {
			pin := &s3.UploadPartCopyInput{Bucket: &bucket, Key: &key, UploadId: up.UploadId, PartNumber: aws.Int32(num),
				CopySource: aws.String(copySourceOf(bucket, key, src.versionID)), CopySourceIfMatch: h.ETag,
				CopySourceRange: aws.String(fmt.Sprintf("bytes=%d-%d", off, off+n-1))}
			pin.CopySourceSSECustomerAlgorithm, pin.CopySourceSSECustomerKey, pin.CopySourceSSECustomerKeyMD5 = ssec.headers()
			out, err := env.Backend.S3.UploadPartCopy(gctx, pin, withJob(r))
			if err != nil {
				cancel()
				return err
			}
			mu <- struct{}{}
			parts = append(parts, s3types.CompletedPart{PartNumber: aws.Int32(num), ETag: out.CopyPartResult.ETag})
			<-mu
			r.Progress(done.Add(n), size)
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		abort()
		return err
	}
	sort.Slice(parts, func(i, j int) bool { return *parts[i].PartNumber < *parts[j].PartNumber })
	out, err := env.Backend.S3.CompleteMultipartUpload(ctx, &s3.CompleteMultipartUploadInput{Bucket: &bucket, Key: &key, UploadId: up.UploadId,
		MultipartUpload: &s3types.CompletedMultipartUpload{Parts: parts}}, withJob(r))
	if err != nil {
		abort()
		return err
	}
	r.Step(Step{Actor: S3, To: You, Op: OpResponse, Title: "200 OK", Observed: true, KeyARN: t.KMSKey,
		Detail: fmt.Sprintf("S3 assembled the %d re-encrypted parts", len(parts)) + versionNote(aws.ToString(out.VersionId))})
	return nil
}

func versionPtr(v string) *string {
	if v == "" || v == "null" {
		return nil
	}
	return &v
}
