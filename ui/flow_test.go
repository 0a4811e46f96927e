package ui

import (
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/golden"

	"github.com/s3crypt/s3crypt/actions"
	"github.com/s3crypt/s3crypt/keyflow"
	"github.com/s3crypt/s3crypt/ui/styles"
)

// TestFlowGoldens renders the flow diagram for each mode and moment.
func TestFlowGoldens(t *testing.T) {
	steps := kmsUploadSteps()
	drawn := []actions.Step{steps[0],
		{Actor: keyflow.KMS, To: keyflow.S3, Op: keyflow.OpGenerateDataKey, Title: "GenerateDataKey", Detail: "KMS returns a data key twice"},
		{Actor: keyflow.S3, Op: keyflow.OpEncryptData, Title: "AES-256-GCM", Detail: "S3 encrypts the object"},
		{Actor: keyflow.S3, Op: keyflow.OpDataKeyWiped, Title: "wipe", Detail: "S3 wipes the plaintext data key"},
		steps[7]}
	ssec := []actions.Step{{Time: fixedNow, Actor: keyflow.You, Op: keyflow.OpKeyChecked, Title: "SSE-C key MD5", Observed: true, Detail: "you computed the MD5"},
		{Time: fixedNow, Actor: keyflow.You, To: keyflow.S3, Op: keyflow.OpRequest, Title: "PutObject", Observed: true},
		{Time: fixedNow, Actor: keyflow.S3, Op: keyflow.OpSSECKeyChecked, Observed: true},
		{Time: fixedNow, Actor: keyflow.S3, Op: keyflow.OpEncryptData, Bytes: 11, Observed: true},
		{Time: fixedNow, Actor: keyflow.S3, Op: keyflow.OpDataKeyWiped, Observed: true},
		{Time: fixedNow, Actor: keyflow.S3, Op: keyflow.OpSSECKeyForgotten, Observed: true, Detail: "S3 dropped the customer key from memory"}}
	down := []actions.Step{{Time: fixedNow, Actor: keyflow.You, To: keyflow.S3, Op: keyflow.OpRequest, Title: "GetObject", Observed: true},
		{Time: fixedNow, Actor: keyflow.KMS, To: keyflow.S3, Op: keyflow.OpDecrypt, Title: "Decrypt", Observed: true, KeyARN: demoARN}}
	cases := []struct {
		name string
		v    flowView
	}{
		{"empty", flowView{}},
		{"sse-s3-upload-pending", flowView{Spec: flowSpec{Mode: flowSSES3, Upload: true, Subject: "a.txt"}, State: jobRunning}},
		{"sse-kms-bk-upload-live-3", flowView{Spec: flowSpec{Mode: flowSSEKMSBucketKey, Upload: true, Subject: "report.pdf", KeyName: "alias/demo"}, Steps: steps[:3], Shown: 3, State: jobRunning}},
		{"sse-kms-bk-upload-wiped", flowView{Spec: flowSpec{Mode: flowSSEKMSBucketKey, Upload: true, KeyName: "alias/demo"}, Steps: steps, Shown: 6, State: jobDone}},
		{"sse-kms-bk-upload-done", flowView{Spec: flowSpec{Mode: flowSSEKMSBucketKey, Upload: true, KeyName: "alias/demo"}, Steps: steps, Shown: 8, State: jobDone}},
		{"sse-kms-upload-not-observed", flowView{Spec: flowSpec{Mode: flowSSEKMS, Upload: true}, Steps: drawn, Shown: 5, State: jobDone}},
		{"dsse-upload-pending", flowView{Spec: flowSpec{Mode: flowDSSEKMS, Upload: true}, Steps: steps[:1], Shown: 1, State: jobRunning}},
		{"sse-c-upload", flowView{Spec: flowSpec{Mode: flowSSEC, Upload: true}, Steps: ssec, Shown: len(ssec), State: jobRunning}},
		{"sse-kms-download-live", flowView{Spec: flowSpec{Mode: flowSSEKMS}, Steps: down, Shown: 2, State: jobRunning}},
		{"client-side-upload-pending", flowView{Spec: flowSpec{Mode: flowClientSide, Upload: true}, State: jobRunning}},
	}
	for _, dark := range []bool{true, false} {
		st := styles.New(dark)
		for _, c := range cases {
			name := c.name + map[bool]string{true: "_dark", false: "_light"}[dark]
			t.Run(name, func(t *testing.T) {
				golden.RequireEqual(t, renderFlow(st, c.v, 0, 60, 18))
			})
		}
	}
}

// TestFlowWipeIsVisible: after the wipe step the plaintext data key chip
// says wiped; before it, it does not.
func TestFlowWipeIsVisible(t *testing.T) {
	st := styles.New(true)
	v := flowView{Spec: flowSpec{Mode: flowSSEKMSBucketKey, Upload: true}, Steps: kmsUploadSteps(), State: jobDone}
	v.Shown = 5
	if s := ansi.Strip(renderFlow(st, v, 0, 60, 18)); strings.Contains(s, "plaintext) wiped") {
		t.Fatalf("wiped before the wipe step:\n%s", s)
	}
	v.Shown = 6
	if s := ansi.Strip(renderFlow(st, v, 0, 60, 18)); !strings.Contains(s, "data key (plaintext) wiped") {
		t.Fatalf("no wipe shown after the wipe step:\n%s", s)
	}
}

// TestFlowCountsKMSCalls: the counter counts observed KMS steps up to the
// replay position, not the managed-key creation.
func TestFlowCountsKMSCalls(t *testing.T) {
	st := styles.New(true)
	steps := append([]actions.Step{{Actor: keyflow.KMS, To: keyflow.S3, Op: keyflow.OpManagedKeyCreated, Observed: true}}, kmsUploadSteps()...)
	for shown, want := range map[int]string{1: "KMS calls 0", 2: "KMS calls 0", 3: "KMS calls 1", 9: "KMS calls 1"} {
		v := flowView{Spec: flowSpec{Mode: flowSSEKMS, Upload: true}, Steps: steps, Shown: shown, State: jobDone}
		if s := ansi.Strip(renderFlow(st, v, 0, 70, 20)); !strings.Contains(s, want) {
			t.Errorf("shown %d: want %q in\n%s", shown, want, s)
		}
	}
}

// TestFlowTemplateMatch: expected steps that happened are not drawn again.
func TestFlowTemplateMatch(t *testing.T) {
	spec := flowSpec{Mode: flowSSEKMSBucketKey, Upload: true}
	rest := matchTemplate(template(spec), kmsUploadSteps()[:4])
	if len(rest) != 4 || rest[0].op != keyflow.OpEncryptData {
		t.Fatalf("rest = %+v", rest)
	}
	// A reused bucket key skips GenerateDataKey and BucketKeyCreated.
	reused := []actions.Step{kmsUploadSteps()[0], {Actor: keyflow.S3, Op: keyflow.OpBucketKeyReused}, {Actor: keyflow.S3, Op: keyflow.OpDataKeyGenerated}}
	rest = matchTemplate(template(spec), reused)
	if len(rest) != 4 || rest[0].op != keyflow.OpEncryptData {
		t.Fatalf("after reuse rest = %+v", rest)
	}
}

// The legend names the key S3 reported by its alias when the Keys view
// knows it, by its short ARN otherwise.
func TestLegendNamesTheReportedKeyByAlias(t *testing.T) {
	steps := kmsUploadSteps()
	v := flowView{Spec: flowSpec{Mode: flowSSEKMS, Upload: true}, Steps: steps, Shown: len(steps), State: jobDone}
	if got := ansi.Strip(flowChips(styles.New(true), v, 200)); !strings.Contains(got, "KMS key "+shortARN(demoARN)) {
		t.Fatalf("without names: %s", got)
	}
	v.KeyNames = map[string]string{demoARN: "alias/demo"}
	if got := ansi.Strip(flowChips(styles.New(true), v, 200)); !strings.Contains(got, "KMS key alias/demo") {
		t.Fatalf("with the Keys view's names: %s", got)
	}
}
