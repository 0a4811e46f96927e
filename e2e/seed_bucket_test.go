package e2e

import (
	"context"
	"encoding/json"
	"strings"
	"time"
)

// The blog's bucket default encryption commands, verbatim.
const (
	blogBucketSSES3 = `aws s3api put-bucket-encryption \
    --bucket my-bucket \
    --server-side-encryption-configuration '{
        "Rules": [
            {
                "ApplyServerSideEncryptionByDefault": {
                    "SSEAlgorithm": "AES256"
                }
            }
        ]
    }'`
	blogBucketKMS = `aws s3api put-bucket-encryption \
    --bucket my-bucket \
    --server-side-encryption-configuration '{
        "Rules": [
            {
                "ApplyServerSideEncryptionByDefault": {
                    "SSEAlgorithm": "aws:kms",
                    "KMSMasterKeyID": 12345 // Optional 
                }
            }
        ]
    }'`
	blogEncryptJSON = `{
                "ApplyServerSideEncryptionByDefault": {
                    "SSEAlgorithm": "aws:kms",
                    "KMSMasterKeyID": 12345 // Optional 
                }
   }
`
	blogBucketFile = "aws s3api put-bucket-encryption \\\n--bucket my-bucket \\\n--server-side-encryption-configuration file://encrypt.json"
)

// bucketEncryption: the SSE-S3 rule works; the KMS rule as written is not
// JSON (a bare number and a // comment) and the CLI refuses it; fixed, it
// works and GetBucketEncryption echoes the key id as given; the
// encrypt.json file is not JSON either, and even fixed it is a rule, not
// a configuration (no "Rules").
func (s *seed) bucketEncryption() {
	s.ok(blogBucketSSES3)
	m := s.jsonOut(s.ok(`aws s3api get-bucket-encryption --bucket my-bucket`))
	want(s.t, "default SSEAlgorithm", str(m, "ServerSideEncryptionConfiguration", "Rules", 0, "ApplyServerSideEncryptionByDefault", "SSEAlgorithm"), "AES256")

	s.fails(blogBucketKMS, 252, "Error parsing parameter '--server-side-encryption-configuration': Invalid JSON")
	s.need(s.symID)
	fixed := strings.Replace(blogBucketKMS, `12345 // Optional `, `"`+s.symID+`"`, 1)
	s.ok(fixed)
	m = s.jsonOut(s.ok(`aws s3api get-bucket-encryption --bucket my-bucket`))
	def := get(m, "ServerSideEncryptionConfiguration", "Rules", 0, "ApplyServerSideEncryptionByDefault")
	want(s.t, "default SSEAlgorithm", str(def, "SSEAlgorithm"), "aws:kms")
	want(s.t, "default KMSMasterKeyID (echoed as given)", str(def, "KMSMasterKeyID"), s.symID)
	p := s.jsonOut(s.ok(`aws s3api put-object --bucket my-bucket --key default-kms.txt --body KGF.txt`))
	want(s.t, "object under the KMS default: ServerSideEncryption", str(p, "ServerSideEncryption"), "aws:kms")
	want(s.t, "object under the KMS default: SSEKMSKeyId", str(p, "SSEKMSKeyId"), s.symARN)

	s.write("encrypt.json", []byte(blogEncryptJSON))
	s.fails(blogBucketFile, 252, "Error parsing parameter '--server-side-encryption-configuration': Invalid JSON")
	s.write("encrypt.json", []byte(strings.Replace(blogEncryptJSON, `12345 // Optional `, `"`+s.symID+`"`, 1)))
	s.fails(blogBucketFile, 252, "Parameter validation failed", `Missing required parameter in ServerSideEncryptionConfiguration: "Rules"`)
}

// kmsCall is one row of the sandbox's /_s3crypt/kms-calls.
type kmsCall struct {
	Caller string `json:"caller"`
	Op     string `json:"op"`
	N      int    `json:"n"`
}

// s3GenerateDataKeys counts the GenerateDataKey calls S3 has made to KMS.
func (s *seed) s3GenerateDataKeys() int {
	s.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	body, err := s.srv.Reserved(ctx, "kms-calls")
	if err != nil {
		s.t.Fatalf("kms-calls: %v", err)
	}
	var calls []kmsCall
	if err := json.Unmarshal(body, &calls); err != nil {
		s.t.Fatalf("kms-calls: %v: %s", err, body)
	}
	n := 0
	for _, c := range calls {
		if c.Caller == "S3" && c.Op == "GenerateDataKey" {
			n += c.N
		}
	}
	return n
}

// bucketKey: BucketKeyEnabled in the default rule; later uploads report
// it, and S3 asks KMS for one bucket key instead of one data key each.
func (s *seed) bucketKey() {
	s.need(s.symID)
	s.ok(`aws s3api put-bucket-encryption --bucket my-bucket --server-side-encryption-configuration '{"Rules":[{"ApplyServerSideEncryptionByDefault":{"SSEAlgorithm":"aws:kms","KMSMasterKeyID":"` + s.symID + `"},"BucketKeyEnabled":true}]}'`)
	m := s.jsonOut(s.ok(`aws s3api get-bucket-encryption --bucket my-bucket`))
	want(s.t, "BucketKeyEnabled", get(m, "ServerSideEncryptionConfiguration", "Rules", 0, "BucketKeyEnabled"), any(true))

	before := s.s3GenerateDataKeys()
	for _, key := range []string{"bk-1.txt", "bk-2.txt", "bk-3.txt"} {
		p := s.jsonOut(s.ok(`aws s3api put-object --bucket my-bucket --key ` + key + ` --body KGF.txt`))
		want(s.t, key+" BucketKeyEnabled", get(p, "BucketKeyEnabled"), any(true))
		want(s.t, key+" SSEKMSKeyId", str(p, "SSEKMSKeyId"), s.symARN)
	}
	h := s.jsonOut(s.ok(`aws s3api head-object --bucket my-bucket --key bk-3.txt`))
	want(s.t, "head BucketKeyEnabled", get(h, "BucketKeyEnabled"), any(true))
	want(s.t, "GenerateDataKey calls S3 made for 3 uploads under one bucket key", s.s3GenerateDataKeys()-before, 1)
}
