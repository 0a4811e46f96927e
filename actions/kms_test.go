package actions_test

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/s3crypt/s3crypt/actions"
	"github.com/s3crypt/s3crypt/internal/sandboxtest"
)

// kmsErr runs a and returns its *actions.Error, failing if it succeeds.
func kmsErr(t *testing.T, env *actions.Env, a actions.Action) (*actions.Error, []actions.Event) {
	t.Helper()
	_, err, evs := collect(t, env, a)
	var e *actions.Error
	if !errors.As(err, &e) {
		t.Fatalf("%s: want an *actions.Error, got %v", a.Describe(), err)
	}
	return e, evs
}

func kmsCommands(evs []actions.Event) []actions.Command {
	var out []actions.Command
	for _, e := range evs {
		if c, ok := e.(actions.CommandEvent); ok {
			out = append(out, c.Command)
		}
	}
	return out
}

func kmsSteps(evs []actions.Event) []actions.Step {
	var out []actions.Step
	for _, e := range evs {
		if s, ok := e.(actions.StepEvent); ok {
			out = append(out, s.Step)
		}
	}
	return out
}

// kmsOps renders the steps as "actor:op" for order checks.
func kmsOps(evs []actions.Event) string {
	var ops []string
	for _, s := range kmsSteps(evs) {
		ops = append(ops, string(s.Actor)+":"+string(s.Op))
	}
	return strings.Join(ops, " ")
}

func newKMSEnv(t *testing.T) *actions.Env {
	t.Helper()
	return &actions.Env{Backend: sandboxtest.Backend(t)}
}

// newKey creates a key of spec ("" for symmetric) and returns its id.
func newKey(t *testing.T, env *actions.Env, spec, alias string) string {
	t.Helper()
	res, _ := mustRun(t, env, &actions.CreateKey{KeySpec: spec, Alias: alias})
	return res.(actions.CreateKeyResult).Key.KeyID
}

func writeFile(t *testing.T, data []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "in.bin")
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func randomBytes(n int) []byte {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return b
}

func wantErr(t *testing.T, e *actions.Error, code string, kind actions.Kind, in map[string]string) {
	t.Helper()
	if e.Code != code {
		t.Errorf("code %q, want %q (%v)", e.Code, code, e)
	}
	if e.Kind != kind {
		t.Errorf("kind %q, want %q (%v)", e.Kind, kind, e)
	}
	fields := map[string]string{"what": e.What, "why": e.Why, "fix": e.Fix}
	for f, want := range in {
		if !strings.Contains(fields[f], want) {
			t.Errorf("%s %q lacks %q", f, fields[f], want)
		}
	}
}

// TestCreateDescribeListKeys checks the key verbs' results, commands and
// steps, including the sandbox's observed CreateKey step (the job header).
func TestCreateDescribeListKeys(t *testing.T) {
	env := newKMSEnv(t)
	res, evs := mustRun(t, env, &actions.CreateKey{Alias: "alias/demo", Description: "demo key"})
	k := res.(actions.CreateKeyResult).Key
	if k.KeySpec != "SYMMETRIC_DEFAULT" || k.KeyUsage != "ENCRYPT_DECRYPT" || k.KeyState != "Enabled" || k.KeyManager != "CUSTOMER" ||
		k.Rotation != actions.RotationDisabled || len(k.Aliases) != 1 || k.Aliases[0] != "alias/demo" || k.Description != "demo key" ||
		!strings.HasSuffix(k.ARN, ":key/"+k.KeyID) || res.(actions.CreateKeyResult).Warning != "" {
		t.Fatalf("created %+v", res)
	}
	cmds := kmsCommands(evs)
	if len(cmds) != 2 || cmds[0].Short() != "aws kms create-key --description 'demo key'" ||
		cmds[1].Short() != "aws kms create-alias --alias-name alias/demo --target-key-id "+k.KeyID {
		t.Fatalf("commands %v", cmds)
	}
	if got := kmsOps(evs); got != "you:Request KMS:CreateKey KMS:Response you:Request KMS:Response" {
		t.Fatalf("steps %s", got)
	}
	if s := kmsSteps(evs)[2]; s.KeyARN != k.ARN || !s.Observed || s.To != actions.You {
		t.Fatalf("response step %+v", s)
	}

	rsa, _ := mustRun(t, env, &actions.CreateKey{KeySpec: "RSA_2048"})
	r := rsa.(actions.CreateKeyResult)
	if r.Key.KeySpec != "RSA_2048" || r.Key.Rotation != actions.RotationUnsupported || !strings.Contains(r.Warning, "cannot be used for SSE-KMS") ||
		strings.Join(r.Key.EncryptionAlgorithms, ",") != "RSAES_OAEP_SHA_1,RSAES_OAEP_SHA_256" {
		t.Fatalf("rsa %+v", r)
	}

	d, evs := mustRun(t, env, &actions.DescribeKey{KeyID: "alias/demo"})
	if got := d.(actions.KeyInfo); got.KeyID != k.KeyID || got.Aliases[0] != "alias/demo" || got.Rotation != actions.RotationDisabled {
		t.Fatalf("describe %+v", got)
	}
	if c := kmsCommands(evs)[0]; c.Short() != "aws kms describe-key --key-id alias/demo" {
		t.Fatalf("describe command %s", c)
	}

	l, _ := mustRun(t, env, &actions.ListKeys{})
	list := l.(actions.ListKeysResult)
	if len(list.Keys) != 2 || list.AWSOwnedKey != actions.AWSOwnedKeyNote ||
		strings.Join(list.UnassignedAliases, ",") != "alias/aws/s3" {
		t.Fatalf("list %+v", list)
	}
	for _, got := range list.Keys {
		if got.KeyID == k.KeyID && (got.Aliases[0] != "alias/demo" || got.Rotation != actions.RotationDisabled) ||
			got.KeyID == r.Key.KeyID && got.Rotation != actions.RotationUnsupported {
			t.Fatalf("listed %+v", got)
		}
	}
	if data, _ := json.Marshal(list); !strings.Contains(string(data), `"awsOwnedKey":"AWS owned key (used by S3 for SSE-S3; not visible in KMS)"`) {
		t.Fatalf("json %s", data)
	}

	e, _ := kmsErr(t, env, &actions.DescribeKey{KeyID: "alias/none"})
	wantErr(t, e, "NotFoundException", actions.KindKMSKeyNotFound, map[string]string{"fix": "s3crypt kms list-keys"})
	e, evs = kmsErr(t, env, &actions.CreateKey{Alias: "demo"})
	if len(kmsSteps(evs)) != 0 || !strings.Contains(e.What, "must start with alias/") {
		t.Fatalf("bad alias: %v %v", e, kmsOps(evs))
	}
}

// TestKeyStatesAndAliases walks a key through disable, enable, scheduled
// deletion and cancellation, checking what using it says at each stage.
func TestKeyStatesAndAliases(t *testing.T) {
	env := newKMSEnv(t)
	id := newKey(t, env, "", "alias/st")
	in := writeFile(t, []byte("hello"))
	out := filepath.Join(t.TempDir(), "out")

	res, evs := mustRun(t, env, &actions.DisableKey{KeyID: "alias/st"})
	if st := res.(actions.KeyStateResult); st.KeyState != "Disabled" || st.KeyID != id || !strings.Contains(st.Next, "enable-key --key-id alias/st") {
		t.Fatalf("disable %+v", st)
	}
	if got := kmsOps(evs); got != "you:Request KMS:DisableKey KMS:DescribeKey KMS:Response" {
		t.Fatalf("disable steps %s", got)
	}
	e, _ := kmsErr(t, env, &actions.KMSEncrypt{KeyID: "alias/st", In: in, Out: out})
	wantErr(t, e, "DisabledException", actions.KindKeyDisabled, map[string]string{"what": "is disabled", "why": "disabled", "fix": "s3crypt kms enable-key --key-id alias/st"})
	if _, err := os.Stat(out); err == nil {
		t.Fatal("a failed encrypt left its --out file")
	}
	res, _ = mustRun(t, env, &actions.EnableKey{KeyID: id})
	if st := res.(actions.KeyStateResult); st.KeyState != "Enabled" {
		t.Fatalf("enable %+v", st)
	}

	e, evs = kmsErr(t, env, &actions.ScheduleKeyDeletion{KeyID: id, Days: 3})
	if len(kmsSteps(evs)) != 0 || !strings.Contains(e.Fix, "7 to 30") {
		t.Fatalf("3 days: %v %s", e, kmsOps(evs))
	}
	res, evs = mustRun(t, env, &actions.ScheduleKeyDeletion{KeyID: "alias/st", Days: 7})
	st := res.(actions.KeyStateResult)
	if st.KeyState != "PendingDeletion" || st.PendingWindowInDays != 7 || st.KeyID != id || st.DeletionDate == nil ||
		time.Until(*st.DeletionDate) < 6*24*time.Hour || !strings.Contains(st.Warning, "permanently unreadable") ||
		!strings.Contains(st.Next, "cancel-key-deletion --key-id alias/st") {
		t.Fatalf("schedule %+v", st)
	}
	if c := kmsCommands(evs)[0].Short(); c != "aws kms schedule-key-deletion --key-id alias/st --pending-window-in-days 7" {
		t.Fatalf("schedule command %s", c)
	}
	pending := map[string]string{"what": "pending deletion", "why": "scheduled for deletion",
		"fix": "s3crypt kms cancel-key-deletion --key-id alias/st && s3crypt kms enable-key --key-id alias/st"}
	e, _ = kmsErr(t, env, &actions.GenerateDataKey{KeyID: "alias/st"})
	wantErr(t, e, "KMSInvalidStateException", actions.KindKeyPendingDeletion, pending)
	e, _ = kmsErr(t, env, &actions.KMSEncrypt{KeyID: "alias/st", In: in, Out: out})
	wantErr(t, e, "KMSInvalidStateException", actions.KindKeyPendingDeletion, pending)

	res, _ = mustRun(t, env, &actions.CancelKeyDeletion{KeyID: "alias/st"})
	if st := res.(actions.KeyStateResult); st.KeyState != "Disabled" || !strings.Contains(st.Next, "Disabled") ||
		!strings.Contains(st.Next, "s3crypt kms enable-key --key-id alias/st") {
		t.Fatalf("cancel %+v", st)
	}
	e, _ = kmsErr(t, env, &actions.CancelKeyDeletion{KeyID: "alias/st"})
	wantErr(t, e, "KMSInvalidStateException", actions.KindKeyInvalidState, map[string]string{"why": "not scheduled for deletion", "fix": "describe-key"})

	res, evs = mustRun(t, env, &actions.CreateAlias{AliasName: "alias/two", TargetKeyID: id})
	if a := res.(actions.AliasResult); a.KeyID != id || !strings.HasSuffix(a.KeyARN, id) {
		t.Fatalf("create alias %+v", a)
	}
	if c := kmsCommands(evs)[0].Short(); c != "aws kms create-alias --alias-name alias/two --target-key-id "+id {
		t.Fatalf("create-alias command %s", c)
	}
	e, _ = kmsErr(t, env, &actions.CreateAlias{AliasName: "alias/two", TargetKeyID: id})
	wantErr(t, e, "AlreadyExistsException", actions.KindAlreadyExists, map[string]string{"why": "taken", "fix": "delete-alias"})
	res, evs = mustRun(t, env, &actions.DeleteAlias{AliasName: "alias/two"})
	if a := res.(actions.AliasResult); a.KeyID != id || kmsCommands(evs)[0].Short() != "aws kms delete-alias --alias-name alias/two" {
		t.Fatalf("delete alias %+v", a)
	}
	if _, err, _ := collect(t, env, &actions.DescribeKey{KeyID: "alias/two"}); err == nil {
		t.Fatal("alias/two still resolves")
	}
	e, _ = kmsErr(t, env, &actions.DeleteAlias{AliasName: "alias/two"})
	wantErr(t, e, "NotFoundException", actions.KindKMSKeyNotFound, nil)
}

// keyLeaks reports where in evs (or in text) the key shows up, raw, in
// base64 or in hex.
func keyLeaks(key []byte, evs []actions.Event, text string) []string {
	all := text + fmt.Sprintf("%+v", evs)
	var leaks []string
	for _, form := range []string{string(key), base64.StdEncoding.EncodeToString(key), base64.RawStdEncoding.EncodeToString(key),
		hex.EncodeToString(key), strings.ToUpper(hex.EncodeToString(key))} {
		if strings.Contains(all, form) {
			leaks = append(leaks, form)
		}
	}
	return leaks
}

// TestListKeysShowsAWSManagedKey checks aws/s3 once S3 has created it.
func TestListKeysShowsAWSManagedKey(t *testing.T) {
	env := newKMSEnv(t)
	if _, err := env.Backend.S3.CreateBucket(context.Background(), &s3.CreateBucketInput{Bucket: aws.String("managed-key")}); err != nil {
		t.Fatal(err)
	}
	mustRun(t, env, &actions.Put{File: writeFile(t, []byte("x")), Bucket: "managed-key", Key: "x", SSE: actions.SSEKMS})
	res, _ := mustRun(t, env, &actions.ListKeys{})
	list := res.(actions.ListKeysResult)
	if len(list.Keys) != 1 || len(list.UnassignedAliases) != 0 {
		t.Fatalf("list %+v", list)
	}
	if k := list.Keys[0]; k.KeyManager != "AWS" || strings.Join(k.Aliases, ",") != "alias/aws/s3" || k.Rotation != actions.RotationEnabled ||
		k.RotationPeriodDays != 365 {
		t.Fatalf("aws/s3 listed as %+v", k)
	}
	e, _ := kmsErr(t, env, &actions.DisableKey{KeyID: "alias/aws/s3"})
	wantErr(t, e, "AccessDeniedException", actions.KindAccessDenied, map[string]string{"why": "AWS managed keys", "fix": "create-key"})
}
