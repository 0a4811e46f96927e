package awsclient

import (
	"bytes"
	"context"
	"io"
	"regexp"
	"strings"

	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/smithy-go/middleware"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// MaxAnswerBody is how much of an error answer's body Answer keeps.
const MaxAnswerBody = 4096

// Answer is a server's error answer as it came over the wire, wrapped
// around the SDK's error. The SDK's deserializers keep only what fits
// AWS's protocols: a plain-text or HTML body, or a JSON body whose code
// has a colon (MinIO's "kms:KeyNotFound"), is lost, and a KMS call that
// got no JSON back says only "invalid character". Answer keeps the start
// of the body so that s3crypt can show an endpoint's own words.
type Answer struct {
	Service     string // "S3", "KMS"
	Operation   string
	Endpoint    string // scheme://host the request went to
	Status      int
	ContentType string
	// Body is the start of the body (MaxAnswerBody bytes at most), any
	// secret header the request carried (SSE-C key, Authorization) and any
	// JSON Plaintext value (a KMS data key or plaintext) masked.
	Body string
	// SSE is the request's x-amz-server-side-encryption header.
	SSE string
	Err error
}

func (a *Answer) Error() string { return a.Err.Error() }

func (a *Answer) Unwrap() error { return a.Err }

// plaintextField is a JSON "Plaintext" member, its value possibly cut off
// at MaxAnswerBody: a KMS endpoint that echoes the request (Encrypt's
// plaintext) or answers GenerateDataKey with an error status would
// otherwise put a data key in an error's words.
var plaintextField = regexp.MustCompile(`("Plaintext"\s*:\s*)("(?:[^"\\]|\\.)*"?|[^,}\s]+)`)

// maskAnswer masks what must not reach an error's words in an answer's body.
func maskAnswer(body string, req *smithyhttp.Request) string {
	if req != nil {
		for name := range secretHeaders {
			if v := req.Header.Get(name); len(v) >= 8 {
				body = strings.ReplaceAll(body, v, Masked)
			}
		}
	}
	return plaintextField.ReplaceAllString(body, `${1}"`+Masked+`"`)
}

type answerKey struct{}

// answerSlot is where the innermost step leaves the last attempt's answer.
type answerSlot struct{ a *Answer }

// answerMiddleware keeps error answers' bodies (Answer): one step reads
// the start of the body before the SDK's deserializer does, and puts it
// back; another, outside the retries, wraps the final error with it.
func answerMiddleware(stack *middleware.Stack) error {
	err := stack.Initialize.Add(middleware.InitializeMiddlewareFunc("s3crypt.answer",
		func(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
			slot := &answerSlot{}
			ctx = middleware.WithStackValue(ctx, answerKey{}, slot)
			out, md, err := next.HandleInitialize(ctx, in)
			if err != nil && slot.a != nil {
				a := *slot.a
				a.Err = err
				err = &a
			}
			return out, md, err
		}), middleware.Before)
	if err != nil {
		return err
	}
	return stack.Deserialize.Add(middleware.DeserializeMiddlewareFunc("s3crypt.answerbody",
		func(ctx context.Context, in middleware.DeserializeInput, next middleware.DeserializeHandler) (middleware.DeserializeOutput, middleware.Metadata, error) {
			slot, _ := middleware.GetStackValue(ctx, answerKey{}).(*answerSlot)
			if slot != nil {
				slot.a = nil // a retry's answer replaces the last one's
			}
			out, md, err := next.HandleDeserialize(ctx, in)
			resp, ok := out.RawResponse.(*smithyhttp.Response)
			if err != nil || !ok || slot == nil || resp.StatusCode < 300 || resp.Body == nil {
				return out, md, err
			}
			buf := make([]byte, MaxAnswerBody)
			n, _ := io.ReadFull(resp.Body, buf)
			resp.Body = struct {
				io.Reader
				io.Closer
			}{io.MultiReader(bytes.NewReader(buf[:n]), resp.Body), resp.Body}
			a := &Answer{Service: awsmiddleware.GetServiceID(ctx), Operation: awsmiddleware.GetOperationName(ctx),
				Status: resp.StatusCode, ContentType: resp.Header.Get("Content-Type"), Body: string(buf[:n])}
			req, _ := in.Request.(*smithyhttp.Request)
			if req != nil {
				a.Endpoint = req.URL.Scheme + "://" + req.URL.Host
				a.SSE = req.Header.Get("X-Amz-Server-Side-Encryption")
			}
			a.Body = maskAnswer(a.Body, req)
			slot.a = a
			return out, md, err
		}), middleware.After)
}
