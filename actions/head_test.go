package actions_test

import (
	"encoding/hex"
	"encoding/json"
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/s3crypt/s3crypt/actions"
	"github.com/s3crypt/s3crypt/internal/sandboxtest"
)

func TestHeadSSEKMSWithBucketKey(t *testing.T) {
	f := newBKFixture(t)
	res, evs := mustRun(t, f.env, &actions.Head{Bucket: "mix", Key: "kms-bk.txt"})
	r := res.(actions.HeadResult)
	if r.Mode != "SSE-KMS" || r.Encryption != (actions.ObjectEncryption{SSE: "aws:kms", KMSKeyARN: f.keyARN, BucketKey: true}) {
		t.Fatalf("encryption %s %+v", r.Mode, r.Encryption)
	}
	if r.Size != int64(len("hello, kms-bk.txt")) || r.ETag == "" || r.Checksums["CRC32"] == "" || r.LastModified.IsZero() {
		t.Fatalf("object facts %+v", r)
	}
	k := r.KMS
	if k == nil || k.ARN != f.keyARN || !reflect.DeepEqual(k.Aliases, []string{"alias/demo"}) || k.Manager != "CUSTOMER" || k.State != "Enabled" || k.Error != "" {
		t.Fatalf("kms %+v", k)
	}
	a := r.AtRest
	if a == nil || a.PlaintextKey != "never stored" || len(a.Layers) != 1 || a.Layers[0].KMSKeyARN != f.keyARN || a.Layers[0].WrappedKeyBytes == 0 ||
		a.Layers[0].Context["aws:s3:arn"] != "arn:aws:s3:::mix" || len(a.Parts) != 1 {
		t.Fatalf("at rest %+v", a)
	}
	if _, err := os.Stat(a.Parts[0].Path); err != nil {
		t.Fatalf("blob path: %v", err)
	}
	if a.Parts[0].FirstBytes == "" || strings.Contains(a.Parts[0].FirstBytes, hex.EncodeToString([]byte("hello"))) {
		t.Fatalf("first bytes %q", a.Parts[0].FirstBytes)
	}
	var cmds []string
	for _, c := range bkCommands(evs) {
		cmds = append(cmds, c.Short())
	}
	want := []string{"aws s3api head-object --bucket mix --key kms-bk.txt --checksum-mode ENABLED",
		"aws s3api list-objects-v2 --bucket mix --prefix kms-bk.txt.instruction --max-keys 1 --query 'Contents[].Key'",
		"aws kms describe-key --key-id " + f.keyARN, "aws kms list-aliases --key-id " + r.KMS.KeyID}
	if !reflect.DeepEqual(cmds, want) {
		t.Fatalf("commands %q", cmds)
	}
	steps := strings.Join(bkSteps(evs), "\n")
	for _, s := range []string{"you:Request HeadObject", "S3:Response 200 OK", "you:Request DescribeKey + ListAliases", "KMS:Response DescribeKey: customer"} {
		if !strings.Contains(steps, s) {
			t.Fatalf("steps lack %q:\n%s", s, steps)
		}
	}
	data, err := json.Marshal(r)
	if err != nil || !strings.Contains(string(data), `"plaintextKey":"never stored"`) || !strings.Contains(string(data), `"keyManager":"CUSTOMER"`) {
		t.Fatalf("json %s %v", data, err)
	}
}

func TestHeadOtherModes(t *testing.T) {
	f := newBKFixture(t)
	res, _ := mustRun(t, f.env, &actions.Head{Bucket: "mix", Key: "managed.txt"})
	if k := res.(actions.HeadResult).KMS; k == nil || k.Manager != "AWS" || !reflect.DeepEqual(k.Aliases, []string{"alias/aws/s3"}) {
		t.Fatalf("managed key %+v", k)
	}
	res, _ = mustRun(t, f.env, &actions.Head{Bucket: "mix", Key: "dsse.txt"})
	if r := res.(actions.HeadResult); r.Mode != "DSSE-KMS" || r.AtRest == nil || len(r.AtRest.Layers) != 2 {
		t.Fatalf("dsse %+v", r)
	}
	res, _ = mustRun(t, f.env, &actions.Head{Bucket: "mix", Key: "cse-v2.bin"})
	if r := res.(actions.HeadResult); r.ClientSide == nil || r.ClientSide.Format != 2 || r.ClientSide.WrapAlg != "kms+context" ||
		r.ClientSide.CEKAlg != "AES/GCM/NoPadding" || r.Mode != "SSE-S3" || !strings.Contains(strings.Join(r.Notes, " "), "client-side, S3EC format V2 (AES-256-GCM, no key commitment), readable by") {
		t.Fatalf("client-side %+v %+v", r.ClientSide, r.Notes)
	}

	// SSE-C: without the key S3 answers a bare 400, which head explains.
	_, err, evs := collect(t, f.env, &actions.Head{Bucket: "mix", Key: "ssec.bin"})
	e := bkErr(t, err)
	if e.Status != 400 || e.What != "s3://mix/ssec.bin is encrypted with SSE-C and the request carried no key" || e.Fix != "Pass the object's key with --sse-c-key FILE" {
		t.Fatalf("ssec without key: %+v", e)
	}
	if len(bkCommands(evs)) != 1 {
		t.Fatal("the command is reported before the request")
	}
	res, evs = mustRun(t, f.env, &actions.Head{Bucket: "mix", Key: "ssec.bin", SSEC: f.ssec})
	r := res.(actions.HeadResult)
	if r.Mode != "SSE-C" || r.Encryption.SSECKeyMD5 != f.ssecMD5 || r.AtRest == nil || r.AtRest.SSECHMAC == "" || r.AtRest.SSECKeyMD5 != f.ssecMD5 {
		t.Fatalf("ssec %+v %+v", r.Encryption, r.AtRest)
	}
	if c := bkCommands(evs)[0].Short(); c != "aws s3api head-object --bucket mix --key ssec.bin --checksum-mode ENABLED --sse-customer-algorithm AES256 --sse-customer-key fileb://"+f.ssec.File {
		t.Fatalf("command %q", c)
	}

	_, err, _ = collect(t, f.env, &actions.Head{Bucket: "mix", Key: "nope"})
	if e := bkErr(t, err); e.What != "s3://mix/nope does not exist" {
		t.Fatalf("missing key: %+v", e)
	}
	_, err, _ = collect(t, f.env, &actions.Head{Bucket: "nope", Key: "k"})
	if e := bkErr(t, err); e.Code != "NoSuchBucket" || e.Fix != "Create it: s3crypt mb s3://nope" {
		t.Fatalf("missing bucket: %+v", e)
	}
}

// TestHeadCommandRunsInAWSCLI runs head-object through Debian's aws CLI
// (with fileb:// for SSE-C) and checks it reports the same encryption.
func TestHeadCommandRunsInAWSCLI(t *testing.T) {
	sandboxtest.DebianAWS(t)
	f := newBKFixture(t)
	for _, h := range []*actions.Head{{Bucket: "mix", Key: "kms-bk.txt"}, {Bucket: "mix", Key: "ssec.bin", SSEC: f.ssec}, {Bucket: "mix", Key: "dsse.txt"}} {
		res, evs := mustRun(t, f.env, h)
		r := res.(actions.HeadResult)
		out, errs, err := sandboxtest.AWS(t, f.env.Backend, bkCommands(evs)[0].Full())
		if err != nil {
			t.Fatalf("%s: %v %s %s", h.Key, err, out, errs)
		}
		var got struct {
			ServerSideEncryption, SSEKMSKeyId, SSECustomerKeyMD5, ETag, ChecksumCRC32 string
			BucketKeyEnabled                                                          bool
			ContentLength                                                             int64
		}
		if err := json.Unmarshal([]byte(out), &got); err != nil {
			t.Fatalf("%v %s", err, out)
		}
		e := r.Encryption
		if got.ServerSideEncryption != e.SSE || got.SSEKMSKeyId != e.KMSKeyARN || got.BucketKeyEnabled != e.BucketKey || got.SSECustomerKeyMD5 != e.SSECKeyMD5 ||
			got.ETag != r.ETag || got.ContentLength != r.Size || got.ChecksumCRC32 != r.Checksums["CRC32"] {
			t.Fatalf("%s: aws CLI sees %+v, s3crypt %+v", h.Key, got, r)
		}
	}
}
