package actions_test

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/s3crypt/s3crypt/actions"
	s3c "github.com/s3crypt/s3crypt/crypto"
)

// TestInstructionFileObjectsAreClientSide: a format V2 object whose
// envelope is in KEY.instruction carries none of it in its own metadata
// (S3EC Java leaves it as the user gave it; s3crypt keeps only the length),
// yet ls and head call it client-side, format V2, and say where the
// envelope is; head reads the V3 object's wrapped key from its
// instruction file too, and names an instruction file for what it is. An
// object with no instruction file stays as it is.
func TestInstructionFileObjectsAreClientSide(t *testing.T) {
	env := xferEnv(t)
	xferBucket(t, env.Backend, "instr", false)
	kmsKey := cseKey(t, env)
	ctx := context.Background()
	for _, c := range []struct {
		key    string
		format int
	}{{"v2", s3c.FormatV2}, {"v3", s3c.FormatV3}} {
		src, _ := xferFile(t, 1000)
		if _, err, _ := collect(t, env, &actions.Put{File: src, Bucket: "instr", Key: c.key,
			ClientSide: &actions.ClientSide{Format: c.format, KMSKey: kmsKey, InstructionFile: true}}); err != nil {
			t.Fatal(err)
		}
	}
	// As S3EC Java writes V2: nothing on the object at all.
	body, err := env.Backend.S3.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("instr"), Key: aws.String("v2")})
	if err != nil {
		t.Fatal(err)
	}
	var ct bytes.Buffer
	_, _ = ct.ReadFrom(body.Body)
	body.Body.Close()
	for _, k := range []string{"java-v2", "plain"} {
		if _, err := env.Backend.S3.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("instr"), Key: aws.String(k), Body: bytes.NewReader(ct.Bytes()),
			Metadata: map[string]string{"owner": "me"}}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := env.Backend.S3.CopyObject(ctx, &s3.CopyObjectInput{Bucket: aws.String("instr"), Key: aws.String("java-v2.instruction"),
		CopySource: aws.String("instr/v2.instruction")}); err != nil {
		t.Fatal(err)
	}

	res, err, _ := collect(t, env, &actions.ListObjects{Bucket: "instr"})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]int{"v2": 2, "java-v2": 2, "v3": 3, "plain": 0, "v2.instruction": 0}
	for _, e := range res.(actions.ListObjectsResult).Objects {
		w, ok := want[e.Key]
		if !ok {
			continue
		}
		if e.ClientSide != w {
			t.Errorf("ls %s: client-side format %d, want %d (label %q)", e.Key, e.ClientSide, w, e.Label)
		}
		if w == 2 && (!e.ClientSideInstruction || !strings.Contains(e.Label, "S3EC V2 (instruction file)")) {
			t.Errorf("ls %s: label %q, instruction %v", e.Key, e.Label, e.ClientSideInstruction)
		}
	}

	for key, format := range map[string]int{"v2": 2, "java-v2": 2, "v3": 3} {
		res, err, _ := collect(t, env, &actions.Head{Bucket: "instr", Key: key})
		if err != nil {
			t.Fatal(err)
		}
		cs := res.(actions.HeadResult).ClientSide
		if cs == nil || cs.Format != format || cs.InstructionFile != key+".instruction" || cs.Error != "" || cs.WrapAlg != s3c.WrapAlgKMSContext ||
			!strings.Contains(cs.Description, "instruction file "+key+".instruction") {
			t.Fatalf("head %s: %+v", key, cs)
		}
	}
	res, err, _ = collect(t, env, &actions.Head{Bucket: "instr", Key: "plain"})
	if err != nil || res.(actions.HeadResult).ClientSide != nil {
		t.Fatalf("head plain: %+v %v", res, err)
	}
	res, err, _ = collect(t, env, &actions.Head{Bucket: "instr", Key: "v2.instruction"})
	if err != nil || !strings.Contains(strings.Join(res.(actions.HeadResult).Notes, " "), "instruction file of s3://instr/v2") {
		t.Fatalf("head of the instruction file: %+v %v", res, err)
	}
}
