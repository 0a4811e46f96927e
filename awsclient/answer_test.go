package awsclient

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/smithy-go/middleware"
)

// TestAnswerMasksKMSPlaintext has a KMS endpoint answer Encrypt with an
// error that echoes the request's Plaintext (and one cut off mid-value):
// the Answer keeps the endpoint's words but never the plaintext.
func TestAnswerMasksKMSPlaintext(t *testing.T) {
	const secret = "c2VjcmV0LWRhdGEta2V5LW5ldmVyLXNob3du"
	for name, body := range map[string]string{
		"whole":   `{"__type":"kms:Odd","message":"bad request","Plaintext": "` + secret + `","KeyId":"k"}`,
		"cut off": `{"__type":"kms:Odd","message":"bad request","Plaintext":"` + secret,
	} {
		t.Run(name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
				w.Header().Set("Content-Type", "application/x-amz-json-1.1")
				w.WriteHeader(http.StatusBadRequest)
				_, _ = w.Write([]byte(body))
			}))
			defer srv.Close()
			c := kms.New(kms.Options{Region: "us-east-1", BaseEndpoint: aws.String(srv.URL),
				Credentials:      credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "secretkeyexample", ""),
				RetryMaxAttempts: 1, APIOptions: []func(*middleware.Stack) error{answerMiddleware}})
			_, err := c.Encrypt(context.Background(), &kms.EncryptInput{KeyId: aws.String("k"), Plaintext: []byte("secret-data-key-never-shown")})
			var a *Answer
			if !errors.As(err, &a) {
				t.Fatalf("want an Answer, got %v", err)
			}
			if strings.Contains(a.Body, secret) || strings.Contains(err.Error(), secret) {
				t.Fatalf("plaintext reached the answer: %q / %v", a.Body, err)
			}
			if !strings.Contains(a.Body, `"Plaintext"`) || !strings.Contains(a.Body, Masked) || !strings.Contains(a.Body, "bad request") {
				t.Fatalf("answer body: %q", a.Body)
			}
		})
	}
}
