package sandbox_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

var allAttributes = []s3types.ObjectAttributes{s3types.ObjectAttributesEtag, s3types.ObjectAttributesChecksum,
	s3types.ObjectAttributesObjectParts, s3types.ObjectAttributesStorageClass, s3types.ObjectAttributesObjectSize}

// TestGetObjectAttributes: ETag (unquoted), checksum, size, storage class
// of a single-part object; parts (paged) of a multipart one; only what
// was asked for.
func TestGetObjectAttributes(t *testing.T) {
	e := newEnv(t)
	e.mkBucket("attrs")
	body := []byte("hello world")
	put1, err := put(e, "attrs", "one", body, func(p *s3.PutObjectInput) { p.ChecksumAlgorithm = s3types.ChecksumAlgorithmCrc32 })
	if err != nil {
		t.Fatal(err)
	}
	out, err := e.s3.GetObjectAttributes(ctx(), &s3.GetObjectAttributesInput{Bucket: aws.String("attrs"), Key: aws.String("one"), ObjectAttributes: allAttributes})
	if err != nil {
		t.Fatalf("GetObjectAttributes: %v", err)
	}
	if aws.ToString(out.ETag) != strings.Trim(aws.ToString(put1.ETag), `"`) || aws.ToInt64(out.ObjectSize) != int64(len(body)) ||
		out.StorageClass != s3types.StorageClassStandard || out.Checksum == nil || aws.ToString(out.Checksum.ChecksumCRC32) != "DUoRhQ==" ||
		out.Checksum.ChecksumType != s3types.ChecksumTypeFullObject || out.ObjectParts != nil || out.LastModified == nil {
		t.Fatalf("attributes of a single-part object: %+v", out)
	}
	only, err := e.s3.GetObjectAttributes(ctx(), &s3.GetObjectAttributesInput{Bucket: aws.String("attrs"), Key: aws.String("one"),
		ObjectAttributes: []s3types.ObjectAttributes{s3types.ObjectAttributesObjectSize}})
	if err != nil || only.ETag != nil || only.Checksum != nil || aws.ToInt64(only.ObjectSize) != int64(len(body)) {
		t.Fatalf("only ObjectSize: %+v, %v", only, err)
	}

	// Three parts, listed two at a time.
	cu, err := e.s3.CreateMultipartUpload(ctx(), &s3.CreateMultipartUploadInput{Bucket: aws.String("attrs"), Key: aws.String("mp"),
		ChecksumAlgorithm: s3types.ChecksumAlgorithmCrc32})
	if err != nil {
		t.Fatal(err)
	}
	var parts []s3types.CompletedPart
	for i, chunk := range [][]byte{bytes.Repeat([]byte("a"), 5<<20), bytes.Repeat([]byte("b"), 5<<20), []byte("c")} {
		up, err := e.s3.UploadPart(ctx(), &s3.UploadPartInput{Bucket: aws.String("attrs"), Key: aws.String("mp"), UploadId: cu.UploadId,
			PartNumber: aws.Int32(int32(i + 1)), Body: bytes.NewReader(chunk), ChecksumAlgorithm: s3types.ChecksumAlgorithmCrc32})
		if err != nil {
			t.Fatal(err)
		}
		parts = append(parts, s3types.CompletedPart{ETag: up.ETag, PartNumber: aws.Int32(int32(i + 1)), ChecksumCRC32: up.ChecksumCRC32})
	}
	if _, err := e.s3.CompleteMultipartUpload(ctx(), &s3.CompleteMultipartUploadInput{Bucket: aws.String("attrs"), Key: aws.String("mp"),
		UploadId: cu.UploadId, MultipartUpload: &s3types.CompletedMultipartUpload{Parts: parts}}); err != nil {
		t.Fatal(err)
	}
	mp, err := e.s3.GetObjectAttributes(ctx(), &s3.GetObjectAttributesInput{Bucket: aws.String("attrs"), Key: aws.String("mp"),
		ObjectAttributes: allAttributes, MaxParts: aws.Int32(2)})
	if err != nil {
		t.Fatal(err)
	}
	op := mp.ObjectParts
	if op == nil || aws.ToInt32(op.TotalPartsCount) != 3 || !aws.ToBool(op.IsTruncated) || len(op.Parts) != 2 ||
		aws.ToString(op.NextPartNumberMarker) != "2" || aws.ToInt64(op.Parts[1].Size) != 5<<20 || op.Parts[0].ChecksumCRC32 == nil ||
		mp.Checksum == nil || mp.Checksum.ChecksumType != s3types.ChecksumTypeComposite || aws.ToInt64(mp.ObjectSize) != 10<<20+1 {
		t.Fatalf("first page of parts: %+v %+v", mp, op)
	}
	mp, err = e.s3.GetObjectAttributes(ctx(), &s3.GetObjectAttributesInput{Bucket: aws.String("attrs"), Key: aws.String("mp"),
		ObjectAttributes: allAttributes, MaxParts: aws.Int32(2), PartNumberMarker: op.NextPartNumberMarker})
	if err != nil || aws.ToBool(mp.ObjectParts.IsTruncated) || len(mp.ObjectParts.Parts) != 1 || aws.ToInt32(mp.ObjectParts.Parts[0].PartNumber) != 3 {
		t.Fatalf("second page: %+v, %v", mp, err)
	}

	_, err = e.s3.GetObjectAttributes(ctx(), &s3.GetObjectAttributesInput{Bucket: aws.String("attrs"), Key: aws.String("none"), ObjectAttributes: allAttributes})
	wantErr(t, err, "NoSuchKey", 404)
	_, err = e.s3.GetObjectAttributes(ctx(), &s3.GetObjectAttributesInput{Bucket: aws.String("attrs"), Key: aws.String("one"),
		ObjectAttributes: []s3types.ObjectAttributes{"Colour"}})
	wantErr(t, err, "InvalidArgument", 400)
}

// TestGetObjectAttributesSSEC: an SSE-C object's attributes need its key,
// as HEAD does: 400 without it, 403 with another key, 400 over plain
// HTTP; a bucket policy can deny the attributes action alone.
func TestGetObjectAttributesSSEC(t *testing.T) {
	e := newEnv(t)
	e.mkBucket("attrc")
	e.allowSSEC("attrc")
	key, sum := ssecKey()
	other, otherSum := ssecKey()
	if _, err := put(e, "attrc", "c", []byte("secret"), func(p *s3.PutObjectInput) {
		p.SSECustomerAlgorithm, p.SSECustomerKey, p.SSECustomerKeyMD5 = aws.String("AES256"), aws.String(key), aws.String(sum)
	}); err != nil {
		t.Fatal(err)
	}
	in := func(k, md5 string) *s3.GetObjectAttributesInput {
		i := &s3.GetObjectAttributesInput{Bucket: aws.String("attrc"), Key: aws.String("c"), ObjectAttributes: allAttributes}
		if k != "" {
			i.SSECustomerAlgorithm, i.SSECustomerKey, i.SSECustomerKeyMD5 = aws.String("AES256"), aws.String(k), aws.String(md5)
		}
		return i
	}
	_, err := e.s3.GetObjectAttributes(ctx(), in("", ""))
	wantErr(t, err, "InvalidRequest", 400)
	_, err = e.s3.GetObjectAttributes(ctx(), in(other, otherSum))
	wantErr(t, err, "AccessDenied", 403)
	_, err = e.httpS3().GetObjectAttributes(ctx(), in(key, sum))
	wantErr(t, err, "InvalidRequest", 400)
	out, err := e.s3.GetObjectAttributes(ctx(), in(key, sum))
	if err != nil || aws.ToInt64(out.ObjectSize) != 6 {
		t.Fatalf("with the key: %+v, %v", out, err)
	}
	_, err = e.s3.GetObjectAttributes(ctx(), &s3.GetObjectAttributesInput{Bucket: aws.String("attrc"), Key: aws.String("c"),
		ObjectAttributes: allAttributes}, func(o *s3.Options) {
		o.APIOptions = append(o.APIOptions, smithyhttp.AddHeaderValue("x-amz-server-side-encryption", "AES256"))
	})
	wantErr(t, err, "InvalidArgument", 400)

	doc := `{"Statement":[{"Effect":"Deny","Principal":"*","Action":"s3:GetObjectAttributes","Resource":"arn:aws:s3:::attrc/*"}]}`
	if err := e.putPolicy("attrc", doc); err != nil {
		t.Fatal(err)
	}
	_, err = e.s3.GetObjectAttributes(ctx(), in(key, sum))
	wantErr(t, err, "AccessDenied", 403)
	if _, err := e.s3.HeadObject(ctx(), &s3.HeadObjectInput{Bucket: aws.String("attrc"), Key: aws.String("c"),
		SSECustomerAlgorithm: aws.String("AES256"), SSECustomerKey: aws.String(key), SSECustomerKeyMD5: aws.String(sum)}); err != nil {
		t.Fatalf("HeadObject is not GetObjectAttributes: %v", err)
	}
}
