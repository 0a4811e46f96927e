package modes_test

import (
	"testing"

	"github.com/s3crypt/s3crypt/keyflow"
	"github.com/s3crypt/s3crypt/modes"
)

func TestEveryModeIsDescribed(t *testing.T) {
	seen := map[modes.ID]bool{}
	for _, m := range modes.All() {
		if seen[m.ID] {
			t.Errorf("%s twice", m.ID)
		}
		seen[m.ID] = true
		if m.Name == "" || m.Short == "" || m.Explain == "" || m.Protects == "" {
			t.Errorf("%s: name, short name, explanation and protection are required: %+v", m.ID, m)
		}
		if len(m.Upload) == 0 || len(m.Download) == 0 || len(m.Chips) == 0 {
			t.Errorf("%s: no flow or legend", m.ID)
		}
		if !m.Offered {
			continue
		}
		if m.Hint == "" || m.AWSFlags == "" || m.CLIFlags == "" || len(m.Headers) == 0 || m.KMSRequests == "" {
			t.Errorf("%s is offered without hint, flags, headers or KMS cost", m.ID)
		}
		if m.Holder == "" || m.Cost == "" {
			t.Errorf("%s is offered without saying who holds the key or what it costs (the forms show both)", m.ID)
		}
	}
	for _, id := range []modes.ID{modes.None, modes.SSES3, modes.SSEKMS, modes.SSEKMSBucketKey, modes.DSSEKMS, modes.SSEC, modes.ClientSide} {
		if !seen[id] {
			t.Errorf("%s is missing", id)
		}
	}
}

func TestModesFromWhatS3Reports(t *testing.T) {
	cases := []struct {
		api         string
		bk          bool
		md5         string
		client      bool
		want        modes.ID
		wantOffered bool
	}{
		{"", false, "", false, modes.None, false},
		{"AES256", false, "", false, modes.SSES3, true},
		{"aws:kms", false, "", false, modes.SSEKMS, true},
		{"aws:kms", true, "", false, modes.SSEKMSBucketKey, true},
		{"aws:kms:dsse", false, "", false, modes.DSSEKMS, true},
		{"aws:kms:dsse", true, "", false, modes.DSSEKMS, true}, // DSSE has no bucket keys
		{"", false, "abc", false, modes.SSEC, true},
		{"AES256", false, "", true, modes.ClientSide, true},
	}
	for _, c := range cases {
		m := modes.Of(c.api, c.bk, c.md5, c.client)
		if m == nil || m.ID != c.want || m.Offered != c.wantOffered {
			t.Errorf("Of(%q, %v, %q, %v) = %+v, want %s", c.api, c.bk, c.md5, c.client, m, c.want)
		}
	}
	if m := modes.ByAPI("aws:unknown", false); m != nil {
		t.Errorf("an unknown value maps to %s", m.ID)
	}
	if got := modes.APIValues(); len(got) != 3 || got[0] != "AES256" || got[1] != "aws:kms" || got[2] != "aws:kms:dsse" {
		t.Errorf("APIValues = %v", got)
	}
}

func TestServerStepsAreWhatS3Does(t *testing.T) {
	for _, m := range modes.All() {
		for _, up := range []bool{true, false} {
			for _, s := range m.ServerSteps(up) {
				if s.Actor == keyflow.You || s.Op == keyflow.OpRequest || s.Op == keyflow.OpResponse ||
					s.Actor == keyflow.KMS && s.To != keyflow.S3 {
					t.Errorf("%s (upload %v): %+v is not S3's work", m.ID, up, s)
				}
			}
		}
	}
	if n := len(modes.Get(modes.ClientSide).ServerSteps(true)); n != 2 {
		t.Errorf("client-side upload: S3 does %d steps, want its own layer and the store (2)", n)
	}
}

func TestRegisterAddsAndRemoves(t *testing.T) {
	n := len(modes.All())
	undo := modes.Register(modes.Mode{ID: "X", Name: "x", Short: "x", API: "x:y", Offered: true})
	if modes.Get("X") == nil || len(modes.All()) != n+1 || modes.ByAPI("x:y", false).ID != "X" {
		t.Fatal("a registered mode is not in the table")
	}
	undo()
	if modes.Get("X") != nil || len(modes.All()) != n {
		t.Fatal("unregistering left the mode in the table")
	}
}
