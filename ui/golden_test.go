package ui

import (
	"fmt"
	"testing"
	"time"

	"github.com/charmbracelet/x/exp/golden"

	"github.com/s3crypt/s3crypt/actions"
	"github.com/s3crypt/s3crypt/keyflow"
)

// kmsUploadSteps is what the sandbox reports for an SSE-KMS upload with
// a new bucket key, at fixed times.
func kmsUploadSteps() []actions.Step {
	t := func(ms int) time.Time { return fixedNow.Add(time.Duration(ms) * time.Millisecond) }
	return []actions.Step{
		{Time: t(0), Actor: keyflow.You, To: keyflow.S3, Op: keyflow.OpRequest, Title: "PutObject", Observed: true,
			Detail: "you send the file over TLS with x-amz-server-side-encryption: aws:kms and key alias/demo"},
		{Time: t(12), Actor: keyflow.KMS, To: keyflow.S3, Op: keyflow.OpGenerateDataKey, Title: "GenerateDataKey", Observed: true,
			KeyARN: demoARN, Detail: "KMS generated a 256-bit data key and returned it in plaintext and encrypted under the KMS key"},
		{Time: t(13), Actor: keyflow.S3, Op: keyflow.OpBucketKeyCreated, Title: "BucketKeyCreated", Observed: true,
			Detail: "S3 obtained a bucket key from KMS for context aws:s3:arn=arn:aws:s3:::my-bucket and will reuse it"},
		{Time: t(14), Actor: keyflow.S3, Op: keyflow.OpDataKeyGenerated, Title: "DataKeyGenerated", Observed: true,
			Detail: "S3 derived a fresh data key inside S3 and wrapped it under the bucket key"},
		{Time: t(30), Actor: keyflow.S3, Op: keyflow.OpEncryptData, Title: "EncryptData", Bytes: 2202009, Observed: true,
			Detail: "S3 encrypted 2.1 MiB with AES-256-GCM in 64 KiB authenticated packages"},
		{Time: t(31), Actor: keyflow.S3, Op: keyflow.OpDataKeyWiped, Title: "DataKeyWiped", Observed: true,
			Detail: "S3 wiped the plaintext data key from memory"},
		{Time: t(33), Actor: keyflow.S3, Op: keyflow.OpStored, Title: "Stored", Observed: true,
			Detail: "S3 stored ciphertext + data key wrapped by the bucket key + the bucket key wrapped by KMS"},
		{Time: t(34), Actor: keyflow.S3, To: keyflow.You, Op: keyflow.OpResponse, Title: "200 OK", Observed: true,
			Detail: "S3 stored the object: SSE-KMS under alias/demo with a bucket key"},
	}
}

// withUploadJob starts an upload job on m and feeds it the first n steps.
func withUploadJob(m *Model, n int, end actions.Event) {
	meta := jobMeta{Title: "upload report.pdf", Transfer: true, Refresh: refreshNone,
		Flow: flowSpec{Mode: flowSSEKMSBucketKey, Upload: true, Subject: "report.pdf", KeyName: "alias/demo"}}
	m.Update(startJobMsg{action: &actions.Put{File: "report.pdf", Bucket: "my-bucket", Key: "reports/report.pdf"}, meta: meta})
	m.Update(workerEventMsg{ev: actions.CommandEvent{Job: 1, Command: actions.Command{Args: []string{"aws", "s3api", "put-object",
		"--bucket", "my-bucket", "--key", "reports/report.pdf", "--body", "report.pdf", "--server-side-encryption", "aws:kms",
		"--ssekms-key-id", "alias/demo", "--bucket-key-enabled"}}}})
	for _, s := range kmsUploadSteps()[:n] {
		m.Update(workerEventMsg{ev: actions.StepEvent{Job: 1, Step: s}})
	}
	m.Update(workerEventMsg{ev: actions.ProgressEvent{Job: 1, Progress: actions.Progress{Done: 1 << 20, Total: 2202009, Rate: 512 << 10}}})
	if end != nil {
		m.Update(workerEventMsg{ev: end})
	}
}

func openObjects(m *Model) {
	send(m, openBucketMsg{bucket: "my-bucket"}, time.Second, 4)
	press(m, "enter") // into reports/
}

var screens = []struct {
	name  string
	setup func(m *Model)
}{
	{"buckets", func(m *Model) {}},
	{"keys", func(m *Model) { press(m, "1") }},
	{"keys_details_pending", func(m *Model) { press(m, "1", "down") }},
	{"objects", openObjects},
	{"objects_filter", func(m *Model) { openObjects(m); press(m, "/"); typeText(m, "re") }},
	{"upload_dialog", func(m *Model) { openObjects(m); press(m, "u", "down", "down", "right", "right") }},
	// cse.json is client-side: the range field and its opt-in (tab: Save as → Range → Unauthenticated).
	{"download_range_dialog", func(m *Model) {
		openObjects(m)
		press(m, "down", "d", "tab")
		typeText(m, "0-99")
		press(m, "tab", "right")
	}},
	{"delete_confirm", func(m *Model) { openObjects(m); press(m, "down", "down", "x") }},
	{"create_key_dialog", func(m *Model) { press(m, "1", "n", "right") }},
	{"edit_encryption_dialog", func(m *Model) { press(m, "e") }},
	{"full_help", func(m *Model) { press(m, "?") }},
	{"flow_running", func(m *Model) { openObjects(m); withUploadJob(m, 4, nil) }},
	{"flow_done", func(m *Model) {
		openObjects(m)
		withUploadJob(m, 8, actions.DoneEvent{Job: 1, Result: actions.PutResult{Encryption: actions.ObjectEncryption{SSE: "aws:kms", KMSKeyARN: demoARN, BucketKey: true}}, KMS: actions.KMSRequests{S3: 1, S3Seen: true}})
	}},
	{"flow_replay_step3", func(m *Model) {
		openObjects(m)
		withUploadJob(m, 8, actions.DoneEvent{Job: 1, KMS: actions.KMSRequests{S3: 1, S3Seen: true}})
		press(m, "left", "left", "left", "left", "left")
	}},
	{"flow_failed", func(m *Model) {
		openObjects(m)
		withUploadJob(m, 1, actions.FailedEvent{Job: 1, Err: &actions.Error{Op: "upload report.pdf",
			What: "the KMS key is disabled", Why: "S3 cannot get data keys with a disabled key", Fix: "Enable it: press 1, select alias/demo, e"}})
	}},
	{"quit_asks", func(m *Model) { openObjects(m); withUploadJob(m, 2, nil); press(m, "q") }},
	{"log_focused", func(m *Model) { openObjects(m); withUploadJob(m, 8, nil); press(m, "w", "w", "w") }},
}

// TestScreens renders each screen at two sizes in both themes and
// compares it with its golden file (go test ./ui -run TestScreens -update).
func TestScreens(t *testing.T) {
	for _, size := range [][2]int{{120, 36}, {80, 24}} {
		for _, dark := range []bool{true, false} {
			theme := map[bool]string{true: "dark", false: "light"}[dark]
			for _, sc := range screens {
				t.Run(fmt.Sprintf("%s_%dx%d_%s", sc.name, size[0], size[1], theme), func(t *testing.T) {
					m := loaded(t, newFakeData(0), newFakeWorker(), size[0], size[1], dark)
					sc.setup(m)
					golden.RequireEqual(t, m.View().Content)
				})
			}
		}
	}
}

// TestEmptyStates shows what a fresh backend looks like.
func TestEmptyStates(t *testing.T) {
	d := newFakeData(0)
	d.buckets, d.keys = nil, nil
	m := loaded(t, d, newFakeWorker(), 120, 36, true)
	golden.RequireEqual(t, m.View().Content)
}
