package ui

import (
	"context"
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/golden"

	"github.com/s3crypt/s3crypt/actions"
)

// usageData is fake data that also says what keys encrypt.
type usageData struct {
	*fakeData
	usage map[string]actions.KeyUsageResult
}

func (d usageData) KeyUsage(_ context.Context, arn string, cache *actions.KeyUsageCache) (actions.KeyUsageResult, error) {
	return d.usage[arn], nil
}

const oldARN = "arn:aws:kms:us-east-1:000000000000:key/2b2b0000-0000-4000-8000-000000000003"

func newUsageData() usageData {
	return usageData{fakeData: newFakeData(0), usage: map[string]actions.KeyUsageResult{
		demoARN: {KeyArn: demoARN, Objects: 112, Versions: 25, Bytes: 30 << 20, Scanned: 155, DefaultBuckets: []string{"my-bucket"},
			Buckets: []actions.BucketKeyUsage{{Bucket: "my-bucket", Objects: 55, Versions: 25}, {Bucket: "archive", Objects: 57}}},
		oldARN: {KeyArn: oldARN, Objects: 3, Bytes: 4096, Scanned: 155, Buckets: []actions.BucketKeyUsage{{Bucket: "legacy", Objects: 3}}},
	}}
}

// TestKeyDialogsShowUsageBeforeConfirm: disabling or scheduling the
// deletion of a key shows what it encrypts before asking, and a key
// pending deletion that objects still use is flagged in the list.
func TestKeyDialogsShowUsageBeforeConfirm(t *testing.T) {
	cases := []struct {
		name, want string
		keys       []string
	}{
		{"disable_confirm", "It encrypts 137 object version(s)", []string{"1", "e"}},
		{"schedule_deletion", "It encrypts 137 object version(s)", []string{"1", "x"}},
		{"pending_in_use", "still in use: 3 object version(s)", []string{"1", "r", "down"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m := loaded(t, newUsageData(), newFakeWorker(), 120, 36, true)
			press(m, c.keys...)
			view := m.View().Content
			if !strings.Contains(ansi.Strip(view), c.want) {
				t.Fatalf("%q not on screen:\n%s", c.want, ansi.Strip(view))
			}
			if c.name == "pending_in_use" && !strings.Contains(ansi.Strip(view), "⚠ alias/old") {
				t.Errorf("the pending key is not flagged in the list:\n%s", ansi.Strip(view))
			}
			golden.RequireEqual(t, view)
		})
	}
}

// TestKeyDialogWithoutUsageSaysSo: the dialog says it is reading until the
// answer comes, and what a key with nothing under it encrypts.
func TestKeyDialogWithoutUsageSaysSo(t *testing.T) {
	d := newUsageData()
	delete(d.usage, demoARN)
	m := loaded(t, d, newFakeWorker(), 120, 36, true)
	press(m, "1", "e")
	if v := ansi.Strip(m.View().Content); !strings.Contains(v, "It encrypts nothing in your buckets") {
		t.Fatalf("no usage line:\n%s", v)
	}
}

// auditData is fake data that also audits.
type auditData struct {
	*fakeData
	objects *bool // the last audit read the objects
}

func (d auditData) Audit(_ context.Context, objects bool) (actions.AuditResult, error) {
	*d.objects = objects
	res := actions.AuditResult{Objects: objects, Buckets: []actions.AuditBucket{{Bucket: "my-bucket"}, {Bucket: "legacy"}},
		Counts: actions.SeverityCounts{Critical: 1, Medium: 1}, Findings: []actions.Finding{
			{ID: actions.FindDefaultKeyUnusable, Severity: actions.SeverityCritical, Bucket: "legacy", KMSKey: demoARN,
				Reason: "the default key alias/demo is PendingDeletion: every upload that relies on the default fails",
				Fix:    "s3crypt kms cancel-key-deletion --key-id " + demoARN, FixAWS: "aws kms cancel-key-deletion --key-id " + demoARN},
			{ID: actions.FindSSECAllowed, Severity: actions.SeverityMedium, Bucket: "legacy", Reason: "SSE-C uploads are allowed",
				Fix: "s3crypt bucket-encryption put s3://legacy --block-sse-c", FixAWS: "aws s3api put-bucket-encryption --bucket legacy …", FixAWSNeedsCLI: "2.32.0"},
		}}
	if objects {
		res.Scanned = 137
	}
	return res, nil
}

// TestAuditViewListsFindings: the Audit view audits when first shown,
// lists the findings worst first with the selected one's fix in the
// details, and o audits the objects too.
func TestAuditViewListsFindings(t *testing.T) {
	objects := false
	m := loaded(t, auditData{fakeData: newFakeData(0), objects: &objects}, newFakeWorker(), 120, 36, true)
	press(m, "5")
	view := ansi.Strip(m.View().Content)
	for _, want := range []string{"2 bucket(s), bucket settings: 1 critical, 1 medium", "bucket-default-key-unusable", "s3://legacy alias/de",
		"fix: s3crypt kms cancel-key-deletion"} {
		if !strings.Contains(view, want) {
			t.Errorf("%q not on screen:\n%s", want, view)
		}
	}
	golden.RequireEqual(t, m.View().Content)
	press(m, "o")
	if view := ansi.Strip(m.View().Content); !objects || !strings.Contains(view, "bucket settings and 137 object versions") {
		t.Errorf("o did not audit the objects:\n%s", view)
	}
}
