package sigv4

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// Appendix A.1: the S3 API reference's GET example.
func TestVectorA1(t *testing.T) {
	const want = "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41"
	req := httptest.NewRequest(http.MethodGet, "http://examplebucket.s3.amazonaws.com/test.txt", nil)
	req.Header.Set("Range", "bytes=0-9")
	req.Header.Set("X-Amz-Content-Sha256", emptySHA256Hex)

	// aws-sdk-go-v2's signer is the authority for the expected signature.
	signer := v4.NewSigner(func(o *v4.SignerOptions) { o.DisableURIPathEscaping = true })
	creds := aws.Credentials{AccessKeyID: testAKID, SecretAccessKey: testSecret}
	if err := signer.SignHTTP(context.Background(), creds, req, emptySHA256Hex, "s3", testRegion, exampleTime); err != nil {
		t.Fatal(err)
	}
	auth := req.Header.Get("Authorization")
	if !strings.HasSuffix(auth, "SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, Signature="+want) {
		t.Fatalf("SDK signature disagrees with A.1: %s", auth)
	}

	res, err := newVerifier(exampleTime).Verify(req)
	if err != nil {
		t.Fatalf("Verify: %v", err)
	}
	if res.AccessKeyID != testAKID || res.Service != "s3" || res.DecodedLength != 0 {
		t.Fatalf("result = %+v", res)
	}
	if b, err := readBody(res); err != nil || len(b) != 0 {
		t.Fatalf("body = %q, %v", b, err)
	}

	// One changed bit in the signature must fail.
	req.Header.Set("Authorization", strings.Replace(auth, want, "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb40", 1))
	_, err = newVerifier(exampleTime).Verify(req)
	wantError(t, err, 403, "SignatureDoesNotMatch", msgSignature)
}

// Appendix A.2: the signed streaming PUT example, seed and chunk signatures.
func TestVectorA2(t *testing.T) {
	const (
		seed   = "4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9"
		chunk1 = "ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648"
		chunk2 = "0055627c9e194cb4542bae2aa5492e3c1575bbb81b612b7d234b86a503ef5497"
		final  = "b6c6ea8a5354eaf15b3cb7646744f4275b71ea724fed81ceb9323e279d449df9"
	)
	data := bytes.Repeat([]byte{'a'}, 66560)
	body, sigs := signedChunks(data, 65536, seed, exampleTime, "")
	if len(body) != 66824 {
		t.Fatalf("encoded length = %d, want 66824", len(body))
	}
	if strings.Join(sigs, ",") != chunk1+","+chunk2+","+final {
		t.Fatalf("chunk signatures = %v", sigs)
	}

	req := httptest.NewRequest(http.MethodPut, "http://s3.amazonaws.com/examplebucket/chunkObject.txt", bytes.NewReader(body))
	req.Header.Set("Content-Encoding", "aws-chunked")
	req.Header.Set("Content-Length", "66824")
	req.Header.Set("X-Amz-Content-Sha256", streamingSigned)
	req.Header.Set("X-Amz-Date", "20130524T000000Z")
	req.Header.Set("X-Amz-Decoded-Content-Length", "66560")
	req.Header.Set("X-Amz-Storage-Class", "REDUCED_REDUNDANCY")
	req.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,"+
		"SignedHeaders=content-encoding;content-length;host;x-amz-content-sha256;x-amz-date;x-amz-decoded-content-length;x-amz-storage-class,"+
		"Signature="+seed)
	res, err := newVerifier(exampleTime).Verify(req)
	if err != nil {
		t.Fatalf("Verify: %v", err)
	}
	if res.DecodedLength != 66560 {
		t.Fatalf("DecodedLength = %d", res.DecodedLength)
	}
	got, err := readBody(res)
	if err != nil || !bytes.Equal(got, data) {
		t.Fatalf("body: %d bytes, err %v", len(got), err)
	}
	if _, err := res.Body.Read(make([]byte, 1)); err != io.EOF {
		t.Fatalf("read after EOF = %v", err)
	}
}
