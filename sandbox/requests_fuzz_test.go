package sandbox_test

import (
	"bytes"
	"context"
	"crypto/md5" //nolint:gosec // Content-MD5 is what S3 asks for
	"crypto/sha256"
	"crypto/tls"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/s3crypt/s3crypt/sandbox"
)

// Fuzz targets that send signed requests to a running sandbox over plain
// HTTP, with the fuzzed part (an XML body, a header, a KMS JSON document)
// in place. The property is the one the issue names: malformed input gets
// AWS's typed error (4xx with an S3 <Error><Code> or a KMS __type), never a
// 5xx, a panic or a dropped connection.

// fuzzSandbox is one sandbox per fuzzing process, with a bucket "fz"
// holding "obj" (SSE-S3), an SSE-C-allowed bucket, an in-progress multipart
// upload of one part, and a KMS key.
type fuzzSandbox struct {
	sb       *sandbox.Sandbox
	uploadID string
	etag     string
	keyID    string
	client   *http.Client // trusts the sandbox's CA (SSE-C needs TLS)
}

var (
	fuzzOnce sync.Once
	fuzzSB   *fuzzSandbox
	fuzzErr  error
)

func startFuzzSandbox(tb testing.TB) *fuzzSandbox {
	tb.Helper()
	fuzzOnce.Do(func() {
		dir, err := makeTempDir()
		if err != nil {
			fuzzErr = err
			return
		}
		sb, err := sandbox.Start(context.Background(), sandbox.Options{Dir: dir, NoSync: true})
		if err != nil {
			fuzzErr = err
			return
		}
		fs := &fuzzSandbox{sb: sb, client: &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{
			TLSClientConfig: &tls.Config{RootCAs: sb.CAPool(), MinVersion: tls.VersionTLS12},
		}}}
		steps := []struct {
			method, path string
			hdr          map[string]string
			body         string
		}{
			{"PUT", "/fzb", nil, ""},
			{"PUT", "/fzb/obj", nil, "0123456789abcdefghijklmnopqrstuvwxyz"},
			{"PUT", "/fzs", nil, ""},
			{"PUT", "/fzs?encryption", nil, allowSSECXML},
			{"PUT", "/fzs/obj", nil, "0123456789abcdefghijklmnopqrstuvwxyz"},
		}
		for _, s := range steps {
			h := s.hdr
			if strings.Contains(s.path, "?encryption") {
				sum := md5.Sum([]byte(s.body)) //nolint:gosec // Content-MD5
				h = map[string]string{"Content-MD5": base64.StdEncoding.EncodeToString(sum[:])}
			}
			if resp := fs.send(s.method, s.path, h, []byte(s.body)); resp.status != 200 {
				fuzzErr = fmt.Errorf("%s %s: %d %s", s.method, s.path, resp.status, resp.body)
				return
			}
		}
		if fs.uploadID, fs.etag, fuzzErr = fs.newUpload("fzs/mp"); fuzzErr != nil {
			return
		}
		resp := fs.kms("CreateKey", []byte(`{"Description":"fuzz"}`))
		var ck struct{ KeyMetadata struct{ KeyId string } } //nolint:revive // KMS's field name
		if err := json.Unmarshal(resp.body, &ck); err != nil || ck.KeyMetadata.KeyId == "" {
			fuzzErr = fmt.Errorf("CreateKey: %d %s", resp.status, resp.body)
			return
		}
		fs.keyID = ck.KeyMetadata.KeyId
		fuzzSB = fs
	})
	if fuzzErr != nil {
		tb.Fatalf("fuzz sandbox: %v", fuzzErr)
	}
	return fuzzSB
}

// makeTempDir is the sandbox's data directory: the sandbox lives for the
// whole fuzzing process, longer than any one t.TempDir.
const allowSSECXML = `<ServerSideEncryptionConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Rule><ApplyServerSideEncryptionByDefault><SSEAlgorithm>AES256</SSEAlgorithm></ApplyServerSideEncryptionByDefault><BlockedEncryptionTypes><EncryptionType>NONE</EncryptionType></BlockedEncryptionTypes></Rule></ServerSideEncryptionConfiguration>`

// newUpload starts a multipart upload of path ("bucket/key") with one part
// and returns its upload ID and the part's ETag.
func (fs *fuzzSandbox) newUpload(path string) (id, etag string, err error) {
	resp := fs.send("POST", "/"+path+"?uploads", nil, nil)
	var init struct{ UploadId string } //nolint:revive // S3's element name
	if err := xml.Unmarshal(resp.body, &init); err != nil || init.UploadId == "" {
		return "", "", fmt.Errorf("CreateMultipartUpload: %d %s", resp.status, resp.body)
	}
	resp = fs.send("PUT", "/"+path+"?partNumber=1&uploadId="+init.UploadId, nil, []byte("part one"))
	if resp.status != 200 {
		return "", "", fmt.Errorf("UploadPart: %d %s", resp.status, resp.body)
	}
	return init.UploadId, resp.header.Get("ETag"), nil
}

func makeTempDir() (string, error) {
	return os.MkdirTemp("", "s3crypt-fuzz-")
}

type fuzzResp struct {
	status int
	header http.Header
	body   []byte
}

// send signs and sends an S3 request (path may carry a query string).
func (fs *fuzzSandbox) send(method, path string, hdr map[string]string, body []byte) fuzzResp {
	return fs.do(method, path, hdr, body, "s3")
}

// kms sends a KMS JSON 1.1 request.
func (fs *fuzzSandbox) kms(op string, body []byte) fuzzResp {
	return fs.do("POST", "/", map[string]string{
		"X-Amz-Target": "TrentService." + op,
		"Content-Type": "application/x-amz-json-1.1",
	}, body, "kms")
}

func (fs *fuzzSandbox) do(method, path string, hdr map[string]string, body []byte, service string) fuzzResp {
	req, err := http.NewRequest(method, fs.sb.Endpoint()+path, bytes.NewReader(body))
	if err != nil {
		return fuzzResp{status: -1, body: []byte(err.Error())}
	}
	for k, v := range hdr {
		if strings.ContainsFunc(v, func(r rune) bool { return r < ' ' && r != '\t' || r == 0x7f }) {
			return fuzzResp{status: -1} // net/http refuses to send it
		}
		req.Header.Set(k, v)
	}
	sum := sha256.Sum256(body)
	payload := hex.EncodeToString(sum[:])
	if service == "s3" {
		req.Header.Set("X-Amz-Content-Sha256", payload)
	}
	c := fs.sb.Credentials()
	s := v4.NewSigner(func(o *v4.SignerOptions) { o.DisableURIPathEscaping = service == "s3" })
	creds := aws.Credentials{AccessKeyID: c.AccessKeyID, SecretAccessKey: c.SecretAccessKey}
	if err := s.SignHTTP(context.Background(), creds, req, payload, service, fs.sb.Region(), time.Now()); err != nil {
		return fuzzResp{status: -1, body: []byte(err.Error())}
	}
	resp, err := fs.client.Do(req)
	if err != nil {
		return fuzzResp{status: -2, body: []byte(err.Error())}
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return fuzzResp{status: -3, header: resp.Header, body: []byte(err.Error())}
	}
	return fuzzResp{status: resp.StatusCode, header: resp.Header, body: b}
}

// wantS3Answer fails on a 5xx, a transport failure, or a 4xx without an S3
// error document.
func wantS3Answer(t *testing.T, what string, r fuzzResp, head bool) {
	t.Helper()
	t.Logf("%s: %d %s", what, r.status, r.body)
	switch {
	case r.status == -1:
		return // the client refused to build or sign it: never sent
	case r.status < 0 || r.status >= 500:
		t.Fatalf("%s: %d %s", what, r.status, r.body)
	case r.status >= 400 && !head:
		var e struct{ Code string }
		if err := xml.Unmarshal(r.body, &e); err != nil || e.Code == "" {
			t.Fatalf("%s: %d without an S3 error document: %q", what, r.status, r.body)
		}
	}
}

// S3 XML bodies the fuzzer starts from, as the AWS CLI and SDKs send them.
var s3XMLSeeds = []struct {
	op   uint8
	body string
}{
	{0, `<ServerSideEncryptionConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Rule><ApplyServerSideEncryptionByDefault><SSEAlgorithm>aws:kms</SSEAlgorithm><KMSMasterKeyID>alias/aws/s3</KMSMasterKeyID></ApplyServerSideEncryptionByDefault><BucketKeyEnabled>true</BucketKeyEnabled></Rule></ServerSideEncryptionConfiguration>`},
	{0, `<ServerSideEncryptionConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Rule><ApplyServerSideEncryptionByDefault><SSEAlgorithm>AES256</SSEAlgorithm></ApplyServerSideEncryptionByDefault><BlockedEncryptionTypes><EncryptionType>SSE-C</EncryptionType></BlockedEncryptionTypes></Rule></ServerSideEncryptionConfiguration>`},
	{1, `<VersioningConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Status>Enabled</Status></VersioningConfiguration>`},
	{1, `<VersioningConfiguration><Status>Suspended</Status><MfaDelete>Disabled</MfaDelete></VersioningConfiguration>`},
	{2, `<Delete xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Object><Key>gone</Key></Object><Object><Key>obj2</Key><VersionId>null</VersionId></Object><Quiet>true</Quiet></Delete>`},
	{3, `<CompleteMultipartUpload xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Part><ETag>ETAG</ETag><PartNumber>1</PartNumber></Part></CompleteMultipartUpload>`},
	{4, `<ObjectEncryption xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><SSE-KMS><KMSKeyArn>KEY</KMSKeyArn><BucketKeyEnabled>false</BucketKeyEnabled></SSE-KMS></ObjectEncryption>`},
	{5, `<CreateBucketConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><LocationConstraint>REGION</LocationConstraint></CreateBucketConfiguration>`},
	{5, `<CreateBucketConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><LocationConstraint>us-east-1</LocationConstraint></CreateBucketConfiguration>`},
	{5, ``},
	{5, `<CreateBucketConfiguration><LocationConstraint>eu-west-1</LocationConstraint></CreateBucketConfiguration>`},
}

// FuzzS3XMLBody sends each S3 XML body (selected by op: 0
// PutBucketEncryption, 1 PutBucketVersioning, 2 DeleteObjects, 3
// CompleteMultipartUpload, 4 UpdateObjectEncryption, 5 CreateBucket).
func FuzzS3XMLBody(f *testing.F) {
	for _, s := range s3XMLSeeds {
		f.Add(s.op, []byte(s.body))
	}
	f.Fuzz(func(t *testing.T, op uint8, body []byte) {
		fs := startFuzzSandbox(t)
		body = bytes.ReplaceAll(body, []byte("REGION"), []byte(fs.sb.Region()))
		body = bytes.ReplaceAll(body, []byte("KEY"), []byte(fs.keyID))
		sum := md5.Sum(body) //nolint:gosec // Content-MD5
		md5h := map[string]string{"Content-MD5": base64.StdEncoding.EncodeToString(sum[:])}
		var r fuzzResp
		switch op % 6 {
		case 0:
			r = fs.send("PUT", "/fzb?encryption", md5h, body)
		case 1:
			r = fs.send("PUT", "/fzb?versioning", md5h, body)
		case 2:
			r = fs.send("POST", "/fzb?delete", md5h, body)
		case 3:
			id, etag, err := fs.newUpload("fzb/mp")
			if err != nil {
				t.Fatal(err)
			}
			body = bytes.ReplaceAll(body, []byte("ETAG"), []byte(etag))
			r = fs.send("POST", "/fzb/mp?uploadId="+id, nil, body)
			fs.send("DELETE", "/fzb/mp?uploadId="+id, nil, nil)
		case 4:
			r = fs.send("PUT", "/fzb/obj?encryption", md5h, body)
		case 5:
			r = fs.send("PUT", "/fzc-new", nil, body)
			if r.status == 200 {
				fs.send("DELETE", "/fzc-new", nil, nil)
			}
		}
		wantS3Answer(t, fmt.Sprintf("op %d %q", op%6, body), r, false)
	})
}

const headerBody = "fuzzed header body"

// FuzzS3Headers sends one header value on the request where S3 parses it:
// 0 Range on GetObject, 1 x-amz-copy-source on CopyObject, 2
// x-amz-copy-source-range on UploadPartCopy, 3 SSE-C key headers
// ("alg key md5", space separated) on PutObject, 4 the SSE-KMS encryption
// context, 5 Content-MD5, 6 x-amz-checksum-sha256, 7 SSE-C on GetObject.
// A 206 carries exactly the bytes its Content-Range names.
func FuzzS3Headers(f *testing.F) {
	key := base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{7}, 32))
	km := md5.Sum(bytes.Repeat([]byte{7}, 32)) //nolint:gosec // SSE-C key MD5
	bodyMD5 := md5.Sum([]byte(headerBody))     //nolint:gosec // Content-MD5
	bodySHA := sha256.Sum256([]byte(headerBody))
	ssec := "AES256 " + key + " " + base64.StdEncoding.EncodeToString(km[:])
	for _, s := range []struct {
		op uint8
		v  string
	}{
		{0, "bytes=0-9"}, {0, "bytes=-5"}, {0, "bytes=30-"}, {0, "bytes=5-1"}, {0, "bytes=0-1,5-6"}, {0, "bytes=99-"},
		{1, "fzs/obj"}, {1, "/fzs/obj?versionId=null"}, {1, "fzs%2Fobj"}, {1, "arn:aws:s3:::fzs/obj"},
		{2, "bytes=0-4"}, {2, "bytes=0-99"},
		{3, ssec}, {3, "AES128 c2hvcnQ= AAAAAAAAAAAAAAAAAAAAAA=="},
		{4, "eyJhIjoiYiJ9"}, {4, "eyJhd3M6czM6YXJuIjoieCJ9"},
		{5, "DWygnHRtgiJ77HCm+1rvHw=="}, {6, "n4bQgYhMfWWaL+qgxVrQFaO/TxsrC4Is0V1sFbDwCgg="},
		{7, ssec},
		{5, base64.StdEncoding.EncodeToString(bodyMD5[:])}, {6, base64.StdEncoding.EncodeToString(bodySHA[:])},
	} {
		f.Add(s.op, s.v)
	}
	f.Fuzz(func(t *testing.T, op uint8, v string) {
		fs := startFuzzSandbox(t)
		body := []byte(headerBody)
		var r fuzzResp
		what := fmt.Sprintf("op %d %q", op%8, v)
		switch op % 8 {
		case 0:
			r = fs.send("GET", "/fzs/obj", map[string]string{"Range": v}, nil)
			if r.status == 206 {
				var first, last, size int64
				if _, err := fmt.Sscanf(r.header.Get("Content-Range"), "bytes %d-%d/%d", &first, &last, &size); err != nil ||
					int64(len(r.body)) != last-first+1 || string(r.body) != "0123456789abcdefghijklmnopqrstuvwxyz"[first:last+1] {
					t.Fatalf("%s: Content-Range %q with %q", what, r.header.Get("Content-Range"), r.body)
				}
			}
		case 1:
			r = fs.send("PUT", "/fzs/copy", map[string]string{"x-amz-copy-source": v}, nil)
		case 2:
			r = fs.send("PUT", "/fzs/mp?partNumber=2&uploadId="+fs.uploadID,
				map[string]string{"x-amz-copy-source": "fzs/obj", "x-amz-copy-source-range": v}, nil)
		case 3, 7:
			parts := strings.SplitN(v, " ", 3)
			for len(parts) < 3 {
				parts = append(parts, "")
			}
			h := map[string]string{
				"x-amz-server-side-encryption-customer-algorithm": parts[0],
				"x-amz-server-side-encryption-customer-key":       parts[1],
				"x-amz-server-side-encryption-customer-key-MD5":   parts[2],
			}
			if op%8 == 3 {
				r = fs.send("PUT", "/fzs/ssec", h, body)
			} else {
				r = fs.send("GET", "/fzs/ssec", h, nil)
			}
		case 4:
			r = fs.send("PUT", "/fzs/kms", map[string]string{
				"x-amz-server-side-encryption":         "aws:kms",
				"x-amz-server-side-encryption-context": v,
			}, body)
		case 5:
			r = fs.send("PUT", "/fzs/md5", map[string]string{"Content-MD5": v}, body)
		case 6:
			r = fs.send("PUT", "/fzs/sum", map[string]string{"x-amz-checksum-sha256": v}, body)
		}
		wantS3Answer(t, what, r, false)
	})
}

// FuzzKMSRequest sends a JSON body to a KMS operation (op indexes
// kmsOps). Every answer is 200 or a 4xx with a KMS __type; a Decrypt or
// ReEncrypt of a mutated ciphertext blob never answers 200 with a
// plaintext other than the one encrypted.
func FuzzKMSRequest(f *testing.F) {
	seeds := []struct {
		op   uint8
		body string
	}{
		{0, `{"KeyId":"KEY","KeySpec":"AES_256","EncryptionContext":{"aws:s3:arn":"arn:aws:s3:::fzb/obj"}}`},
		{1, `{"KeyId":"KEY","Plaintext":"aGVsbG8=","EncryptionContext":{"purpose":"fuzz"}}`},
		{2, `{"CiphertextBlob":"CIPHERTEXT","EncryptionContext":{"purpose":"fuzz"}}`},
		{2, `{"CiphertextBlob":"CIPHERTEXT","KeyId":"KEY"}`},
		{3, `{"KeyId":"KEY"}`},
		{4, `{"KeySpec":"SYMMETRIC_DEFAULT","KeyUsage":"ENCRYPT_DECRYPT","Description":"d","Tags":[{"TagKey":"k","TagValue":"v"}]}`},
		{5, `{"AliasName":"alias/fz","TargetKeyId":"KEY"}`},
		{6, `{"CiphertextBlob":"CIPHERTEXT","SourceEncryptionContext":{"purpose":"fuzz"},"DestinationKeyId":"KEY"}`},
		{7, `{"KeyId":"KEY","NumberOfBytes":32}`},
		{8, `{"NumberOfBytes":1024}`},
		{9, `{"KeyId":"KEY","PendingWindowInDays":7}`},
		{10, `{"Limit":2,"Marker":"x"}`},
		// The key specs beyond symmetric and RSA, and the KMS limits.
		{4, `{"KeySpec":"ECC_NIST_P256","KeyUsage":"SIGN_VERIFY"}`},
		{4, `{"KeySpec":"ECC_SECG_P256K1","KeyUsage":"SIGN_VERIFY"}`},
		{4, `{"KeySpec":"HMAC_512","KeyUsage":"GENERATE_VERIFY_MAC"}`},
		{4, `{"KeySpec":"ML_KEM_512","KeyUsage":"ENCAPSULATE_DECAPSULATE"}`},
		{4, `{"KeySpec":"ML_DSA_44","KeyUsage":"KEY_AGREEMENT"}`},
		{1, `{"KeyId":"KEY","Plaintext":"aGVsbG8=","EncryptionContext":{"k":"` + strings.Repeat("v", 8192) + `"}}`},
	}
	for _, s := range seeds {
		f.Add(s.op, []byte(s.body))
	}
	f.Fuzz(func(t *testing.T, op uint8, body []byte) {
		fs := startFuzzSandbox(t)
		ct := fuzzCiphertext(t, fs)
		body = bytes.ReplaceAll(body, []byte("KEY"), []byte(fs.keyID))
		body = bytes.ReplaceAll(body, []byte("CIPHERTEXT"), []byte(ct))
		name := kmsOps[int(op)%len(kmsOps)]
		if name == "ScheduleKeyDeletion" || name == "DisableKey" {
			name = "DescribeKey" // keep the fixture key usable
		}
		r := fs.kms(name, body)
		t.Logf("%s %q: %d", name, body, r.status)
		if r.status < 0 || r.status >= 500 {
			t.Fatalf("%s %q: %d %s", name, body, r.status, r.body)
		}
		if r.status >= 400 {
			var e struct {
				Type string `json:"__type"`
			}
			if err := json.Unmarshal(r.body, &e); err != nil || e.Type == "" {
				t.Fatalf("%s %q: %d without a KMS error document: %q", name, body, r.status, r.body)
			}
			return
		}
		if name == "Decrypt" {
			var out struct{ Plaintext []byte }
			if err := json.Unmarshal(r.body, &out); err != nil {
				t.Fatalf("Decrypt answer %q: %v", r.body, err)
			}
			if string(out.Plaintext) != "hello" {
				t.Fatalf("Decrypt %q returned %q, not what was encrypted", body, out.Plaintext)
			}
		}
	})
}

var kmsOps = []string{
	"GenerateDataKey", "Encrypt", "Decrypt", "DescribeKey", "CreateKey", "CreateAlias",
	"ReEncrypt", "GenerateDataKeyWithoutPlaintext", "GenerateRandom", "ScheduleKeyDeletion",
	"ListKeys", "ListAliases", "EnableKeyRotation", "GetKeyRotationStatus", "UpdateAlias",
	"DeleteAlias", "CancelKeyDeletion", "GetPublicKey", "RotateKeyOnDemand", "EnableKey",
}

var (
	ctOnce sync.Once
	ctB64  string
)

// fuzzCiphertext is a real ciphertext blob of "hello" under the fixture
// key with context purpose=fuzz, base64 as it travels in JSON.
func fuzzCiphertext(t *testing.T, fs *fuzzSandbox) string {
	ctOnce.Do(func() {
		r := fs.kms("Encrypt", []byte(`{"KeyId":"`+fs.keyID+`","Plaintext":"aGVsbG8=","EncryptionContext":{"purpose":"fuzz"}}`))
		var out struct{ CiphertextBlob []byte }
		if err := json.Unmarshal(r.body, &out); err == nil {
			ctB64 = base64.StdEncoding.EncodeToString(out.CiphertextBlob)
		}
	})
	if ctB64 == "" {
		t.Fatal("fixture Encrypt failed")
	}
	return ctB64
}
