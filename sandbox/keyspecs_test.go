package sandbox_test

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	kmstypes "github.com/aws/aws-sdk-go-v2/service/kms/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
)

// TestSSEKMSRefusesNonEncryptionKeys: an ECC, HMAC, ML-DSA or ML-KEM key
// can be created in the sandbox, but S3 cannot use it for SSE-KMS, neither
// named on a PUT nor as a bucket's default: S3 asks KMS for a data key and
// KMS refuses a key whose usage is not ENCRYPT_DECRYPT, which S3 passes on
// as 400 KMS.InvalidKeyUsageException. Nothing is stored.
func TestSSEKMSRefusesNonEncryptionKeys(t *testing.T) {
	e := newEnv(t)
	e.mkBucket("specs")
	for _, tc := range []struct {
		spec  kmstypes.KeySpec
		usage kmstypes.KeyUsageType
	}{{"ECC_NIST_P256", "SIGN_VERIFY"}, {"ECC_NIST_P521", "KEY_AGREEMENT"}, {"ECC_NIST_EDWARDS25519", "SIGN_VERIFY"},
		{"HMAC_256", "GENERATE_VERIFY_MAC"}, {"ML_DSA_87", "SIGN_VERIFY"}, {"ML_KEM_512", "ENCAPSULATE_DECAPSULATE"}} {
		t.Run(string(tc.spec), func(t *testing.T) {
			k, err := e.kms.CreateKey(ctx(), &kms.CreateKeyInput{KeySpec: tc.spec, KeyUsage: tc.usage})
			if err != nil {
				t.Fatal(err)
			}
			arn := aws.ToString(k.KeyMetadata.Arn)
			want := arn + " key usage is " + string(tc.usage) + " which is not valid for GenerateDataKey."
			_, err = put(e, "specs", "o", []byte("data"), func(p *s3.PutObjectInput) {
				p.ServerSideEncryption = "aws:kms"
				p.SSEKMSKeyId = aws.String(arn)
			})
			wantErr(t, err, "KMS.InvalidKeyUsageException", 400)
			if errMessage(err) != want {
				t.Fatalf("message %q, want %q", errMessage(err), want)
			}
			_, err = e.s3.PutBucketEncryption(ctx(), &s3.PutBucketEncryptionInput{Bucket: aws.String("specs"),
				ServerSideEncryptionConfiguration: &s3types.ServerSideEncryptionConfiguration{Rules: []s3types.ServerSideEncryptionRule{{
					ApplyServerSideEncryptionByDefault: &s3types.ServerSideEncryptionByDefault{
						SSEAlgorithm: "aws:kms", KMSMasterKeyID: aws.String(arn)}}}}})
			if err == nil {
				_, err = put(e, "specs", "o", []byte("data"), nil)
				wantErr(t, err, "KMS.InvalidKeyUsageException", 400)
				_, _ = e.s3.DeleteBucketEncryption(ctx(), &s3.DeleteBucketEncryptionInput{Bucket: aws.String("specs")})
			}
			if _, err := e.s3.HeadObject(ctx(), &s3.HeadObjectInput{Bucket: aws.String("specs"), Key: aws.String("o")}); err == nil {
				t.Fatal("a refused PUT stored an object")
			}
		})
	}
}
