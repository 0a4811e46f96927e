package ui

import (
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"

	"github.com/s3crypt/s3crypt/actions"
	"github.com/s3crypt/s3crypt/modes"
)

// seaweedLike is an endpoint check's result as SeaweedFS gives it, in part.
var seaweedLike = actions.EndpointCheckResult{Endpoint: "https://127.0.0.1:8443", Bucket: "s3crypt-check-1", Scratch: true,
	Rows: []actions.CheckRow{
		{Capability: actions.CapKMSAPI, Mode: modes.ClientSide, Support: actions.SupportRefused, AWS: actions.SupportOK,
			Detail: "ListKeys: 403 (not the AWS KMS API)"},
		{Capability: actions.CapSSES3, Mode: modes.SSES3, Support: actions.SupportOK, AWS: actions.SupportOK, Detail: "HEAD says AES256"},
		{Capability: actions.CapBucketKey, Mode: modes.SSEKMSBucketKey, Support: actions.SupportIgnored, AWS: actions.SupportOK,
			Detail: "accepted, but HEAD does not say the bucket key is enabled"},
		{Capability: actions.CapDSSEKMS, Mode: modes.DSSEKMS, Support: actions.SupportRefused, AWS: actions.SupportOK,
			Detail: "PutObject: 501 NotImplemented: DSSE-KMS is not supported"},
	}}

// TestEndpointCheckScreenMarksUploadModes: C in the buckets view runs the
// endpoint check on the worker; its result opens as a table and the
// upload form then marks the modes the endpoint refuses or ignores, with
// the endpoint's words in the hint, before anything is transferred.
func TestEndpointCheckScreenMarksUploadModes(t *testing.T) {
	w := newFakeWorker()
	m := loaded(t, newFakeData(0), w, 120, 36, true)
	press(m, "C")
	if len(w.submitted) != 1 {
		t.Fatalf("C submitted %d jobs", len(w.submitted))
	}
	if _, ok := w.submitted[0].(*actions.EndpointCheck); !ok {
		t.Fatalf("C submitted %T", w.submitted[0])
	}
	send(m, workerEventMsg{ev: actions.DoneEvent{Job: 1, Result: seaweedLike}, from: w}, time.Second, 4)
	v := ansi.Strip(m.View().Content)
	for _, want := range []string{"What https://127.0.0.1:8443 supports", "DSSE-KMS", "✗ refused", "⚠ ignored", "✓ supported",
		"501 NotImplemented: DSSE-KMS is not supported"} {
		if !strings.Contains(v, want) {
			t.Errorf("the check's screen lacks %q:\n%s", want, v)
		}
	}
	press(m, "esc")
	send(m, openBucketMsg{bucket: "my-bucket"}, time.Second, 4)
	press(m, "enter", "u")
	press(m, "down", "down")
	var seen []string
	for range len(modes.Offered()) {
		press(m, "right")
		seen = append(seen, ansi.Strip(m.View().Content))
	}
	all := strings.Join(seen, "\n")
	for _, want := range []string{"DSSE-KMS ✗ refused here", "SSE-KMS + bucket key ⚠ ignored here", "client-side ✗ refused here"} {
		if !strings.Contains(all, want) {
			t.Errorf("the upload form never showed %q", want)
		}
	}
	if strings.Contains(all, "SSE-S3 ✓") || strings.Contains(all, "SSE-S3 ⚠") || strings.Contains(all, "SSE-S3 ✗") {
		t.Errorf("the upload form marks SSE-S3, which the endpoint supports")
	}
}
