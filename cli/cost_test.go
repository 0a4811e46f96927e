package cli_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/s3crypt/s3crypt/internal/sandboxtest"
)

// TestCostVerb prints the hand-worked example and its JSON, and refuses
// what cannot be estimated with exit code 2.
func TestCostVerb(t *testing.T) {
	r := sandboxtest.CLI(t, "cost", "--puts", "1000", "--gets", "99000", "--keys", "1")
	if r.Code != 0 || !strings.Contains(r.Stdout, "$1.24") || !strings.Contains(r.Stdout, "https://aws.amazon.com/kms/pricing/") {
		t.Fatalf("code %d\n%s%s", r.Code, r.Stdout, r.Stderr)
	}
	r = sandboxtest.CLI(t, "cost", "--puts", "1000", "--gets", "99000", "--keys", "1", "--json")
	var got struct {
		WithoutBucketKey struct {
			KMSRequests, BillableRequests int64
			TotalUSD                      float64
		}
		WithBucketKey *struct{ KMSRequests int64 }
		Prices        []struct{ ID, Source, Read string }
	}
	if err := json.Unmarshal([]byte(r.Stdout), &got); err != nil {
		t.Fatalf("%v\n%s", err, r.Stdout)
	}
	if got.WithoutBucketKey.KMSRequests != 100000 || got.WithoutBucketKey.BillableRequests != 80000 || got.WithBucketKey == nil || got.WithBucketKey.KMSRequests != 2 {
		t.Errorf("json: %+v", got)
	}
	for _, p := range got.Prices {
		if p.Source == "" || p.Read == "" {
			t.Errorf("price %s without its source", p.ID)
		}
	}
	for _, args := range [][]string{{"cost", "--puts", "-1"}, {"cost", "--mode", "dsse-kms", "--bucket-key"}, {"cost", "--requesters", "0"}, {"cost", "--mode", "rot13"}} {
		if r := sandboxtest.CLI(t, args...); r.Code != 2 {
			t.Errorf("%v: exit %d, want 2\n%s", args, r.Code, r.Stderr)
		}
	}
}
