package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"golang.org/x/sync/errgroup"
)

// putSingle streams the source file in one PutObject with SSE-KMS.
func (b *bench) putSingle(ctx context.Context, key string) error {
	f, err := os.Open(b.src)
	if err != nil {
		return fmt.Errorf("open source: %w", err)
	}
	defer f.Close()
	_, err = b.s3.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(b.bucket), Key: aws.String(key), Body: f,
		ContentLength: aws.Int64(b.size), ServerSideEncryption: s3types.ServerSideEncryptionAwsKms})
	return err
}

// getSingle streams one GetObject into download.bin.
func (b *bench) getSingle(ctx context.Context, key string) error {
	out, err := b.s3.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(b.bucket), Key: aws.String(key)})
	if err != nil {
		return err
	}
	defer out.Body.Close()
	f, err := os.Create(filepath.Join(b.work, "download.bin"))
	if err != nil {
		return fmt.Errorf("create download: %w", err)
	}
	defer f.Close()
	if _, err := io.Copy(f, out.Body); err != nil {
		return fmt.Errorf("download: %w", err)
	}
	return f.Close()
}

// putMultipart uploads the source in parts, b.conc at a time.
func (b *bench) putMultipart(ctx context.Context, key string) error {
	f, err := os.Open(b.src)
	if err != nil {
		return fmt.Errorf("open source: %w", err)
	}
	defer f.Close()
	up, err := b.s3.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: aws.String(b.bucket), Key: aws.String(key),
		ServerSideEncryption: s3types.ServerSideEncryptionAwsKms})
	if err != nil {
		return err
	}
	n := int((b.size + b.part - 1) / b.part)
	parts := make([]s3types.CompletedPart, n)
	err = parallel(ctx, n, b.conc, func(ctx context.Context, i int) error {
		off := int64(i) * b.part
		length := min(b.part, b.size-off)
		out, err := b.s3.UploadPart(ctx, &s3.UploadPartInput{Bucket: aws.String(b.bucket), Key: aws.String(key), UploadId: up.UploadId,
			PartNumber: aws.Int32(int32(i + 1)), Body: io.NewSectionReader(f, off, length), ContentLength: aws.Int64(length)})
		if err != nil {
			return fmt.Errorf("part %d: %w", i+1, err)
		}
		parts[i] = s3types.CompletedPart{PartNumber: aws.Int32(int32(i + 1)), ETag: out.ETag, ChecksumCRC32: out.ChecksumCRC32}
		return nil
	})
	if err != nil {
		_, _ = b.s3.AbortMultipartUpload(ctx, &s3.AbortMultipartUploadInput{Bucket: aws.String(b.bucket), Key: aws.String(key), UploadId: up.UploadId})
		return err
	}
	_, err = b.s3.CompleteMultipartUpload(ctx, &s3.CompleteMultipartUploadInput{Bucket: aws.String(b.bucket), Key: aws.String(key),
		UploadId: up.UploadId, MultipartUpload: &s3types.CompletedMultipartUpload{Parts: parts}})
	return err
}

// getRanges downloads the object in part-sized ranges, b.conc at a time,
// writing each at its offset in download.bin.
func (b *bench) getRanges(ctx context.Context, key string) error {
	f, err := os.Create(filepath.Join(b.work, "download.bin"))
	if err != nil {
		return fmt.Errorf("create download: %w", err)
	}
	defer f.Close()
	n := int((b.size + b.part - 1) / b.part)
	err = parallel(ctx, n, b.conc, func(ctx context.Context, i int) error {
		off := int64(i) * b.part
		end := min(off+b.part, b.size) - 1
		out, err := b.s3.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(b.bucket), Key: aws.String(key),
			Range: aws.String(fmt.Sprintf("bytes=%d-%d", off, end))})
		if err != nil {
			return fmt.Errorf("range %d-%d: %w", off, end, err)
		}
		defer out.Body.Close()
		if _, err := io.Copy(io.NewOffsetWriter(f, off), out.Body); err != nil {
			return fmt.Errorf("range %d-%d: %w", off, end, err)
		}
		return nil
	})
	if err != nil {
		return err
	}
	return f.Close()
}

// parallel runs f(0..n-1), at most conc at a time; the first error
// cancels the rest and is returned.
func parallel(ctx context.Context, n, conc int, f func(context.Context, int) error) error {
	g, ctx := errgroup.WithContext(ctx)
	g.SetLimit(conc)
	for i := 0; i < n && ctx.Err() == nil; i++ {
		g.Go(func() error { return f(ctx, i) })
	}
	return g.Wait()
}

// resetPeakRSS resets the kernel's peak-RSS mark (VmHWM) of pid.
func resetPeakRSS(pid int) error {
	if err := os.WriteFile(fmt.Sprintf("/proc/%d/clear_refs", pid), []byte("5"), 0); err != nil {
		return fmt.Errorf("reset peak RSS of the server: %w", err)
	}
	return nil
}

// peakRSSKB reads VmHWM (kB) from /proc/<pid>/status.
func peakRSSKB(pid int) (int64, error) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, fmt.Errorf("read the server's status: %w", err)
	}
	for _, line := range strings.Split(string(data), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			return strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
		}
	}
	return 0, fmt.Errorf("no VmHWM in /proc/%d/status", pid)
}
