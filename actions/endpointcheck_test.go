package actions_test

import (
	"strings"
	"testing"

	"github.com/s3crypt/s3crypt/actions"
	"github.com/s3crypt/s3crypt/internal/fakeendpoint"
	"github.com/s3crypt/s3crypt/internal/sandboxtest"
	"github.com/s3crypt/s3crypt/modes"
)

// TestEndpointCheckSeesWhatIsIgnored: behind an endpoint that accepts a
// bucket key but never says it applied one,
// endpoint check reads the bucket-key row as ignored, with what HEAD said,
// and the upload form's mode for it (ModeSupport) is that row. The fake
// endpoint is plain http://: SSE-C over TLS is not tried, and the plain
// endpoint itself takes the SSE-C row (its sandbox behind accepts the key,
// which AWS would refuse over HTTP).
func TestEndpointCheckSeesWhatIsIgnored(t *testing.T) {
	ep := fakeendpoint.Start(t, sandboxtest.Backend(t).Sandbox, fakeendpoint.Options{IgnoreBucketKeys: true})
	env := &actions.Env{Backend: ep.Backend(t)}
	kms := truthRun(t, env, &actions.CreateKey{}).(actions.CreateKeyResult)
	res := truthRun(t, env, &actions.EndpointCheck{KMSKey: kms.Key.ARN}).(actions.EndpointCheckResult)
	want := map[actions.Capability]actions.Support{
		actions.CapKMSAPI: actions.SupportOK, actions.CapSSES3: actions.SupportOK, actions.CapSSEKMSKey: actions.SupportOK,
		actions.CapBucketKey: actions.SupportIgnored, actions.CapSSECTLS: actions.SupportNotTried,
		actions.CapSSECHTTP: actions.SupportOK, actions.CapUpdate: actions.SupportOK, actions.CapVersioning: actions.SupportOK,
	}
	for c, s := range want {
		row := res.Row(c)
		if row == nil || row.Support != s {
			t.Errorf("%s: %+v, want %s", c, row, s)
		}
	}
	if d := res.Row(actions.CapBucketKey).Detail; !strings.Contains(d, "does not say the bucket key is enabled") {
		t.Errorf("bucket-key row: %q", d)
	}
	if r := res.ModeSupport(modes.SSEKMSBucketKey); r == nil || r.Support != actions.SupportIgnored {
		t.Errorf("ModeSupport(SSE-KMS + bucket key) = %+v", r)
	}
	if r := res.ModeSupport(modes.SSEC); r == nil || r.Capability != actions.CapSSECTLS {
		t.Errorf("ModeSupport(SSE-C) = %+v, want the TLS row", r)
	}
	if len(res.Leftovers) > 0 {
		t.Errorf("left behind: %q", res.Leftovers)
	}
	// The scratch bucket is gone.
	lb := truthRun(t, env, &actions.ListBuckets{}).(actions.ListBucketsResult)
	for _, b := range lb.Buckets {
		if strings.HasPrefix(b.Name, "s3crypt-check-") {
			t.Errorf("scratch bucket %s is still there", b.Name)
		}
	}
}
