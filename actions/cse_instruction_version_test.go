package actions_test

import (
	"context"
	"crypto/rand"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/s3crypt/s3crypt/actions"
	s3c "github.com/s3crypt/s3crypt/crypto"
)

// TestClientSideInstructionFileWithVersionID: the instruction file is not
// versioned with its object (S3 keeps no link; the S3 Encryption Client
// reads the current KEY.instruction too). Getting an older version whose
// instruction file was replaced fails the key commitment and writes
// nothing; the step says which instruction file was read and why.
func TestClientSideInstructionFileWithVersionID(t *testing.T) {
	env := xferEnv(t)
	xferBucket(t, env.Backend, "ver", false)
	if _, err := env.Backend.S3.PutBucketVersioning(context.Background(), &s3.PutBucketVersioningInput{Bucket: aws.String("ver"),
		VersioningConfiguration: &s3types.VersioningConfiguration{Status: s3types.BucketVersioningStatusEnabled}}); err != nil {
		t.Fatal(err)
	}
	aesKey := make([]byte, 32)
	_, _ = rand.Read(aesKey)
	var versions []string
	for range 2 {
		src, _ := xferFile(t, 1000)
		res, err, _ := collect(t, env, &actions.Put{File: src, Bucket: "ver", Key: "obj",
			ClientSide: &actions.ClientSide{Format: s3c.FormatV3, AESWrappingKey: s3c.NewKey(aesKey), InstructionFile: true}})
		if err != nil {
			t.Fatal(err)
		}
		versions = append(versions, res.(actions.PutResult).VersionID)
	}
	if versions[0] == "" || versions[0] == versions[1] {
		t.Fatalf("versions %q", versions)
	}
	out := t.TempDir()
	dst := filepath.Join(out, "x")
	// The current version reads with the current instruction file.
	g := &actions.Get{Bucket: "ver", Key: "obj", File: dst, VersionID: versions[1], AESWrappingKey: s3c.NewKey(aesKey)}
	_, err, evs := collect(t, env, g)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, ev := range evs {
		if s, ok := ev.(actions.StepEvent); ok && s.Step.Title == "instruction file" && strings.Contains(s.Step.Detail, "not one tied to version "+versions[1]) {
			found = true
		}
	}
	if !found {
		t.Fatal("no step says the instruction file is not pinned to the version")
	}
	_ = os.Remove(dst)
	// The older one: its wrapped key was replaced, the commitment fails.
	g = &actions.Get{Bucket: "ver", Key: "obj", File: dst, VersionID: versions[0], AESWrappingKey: s3c.NewKey(aesKey)}
	if _, err, _ := collect(t, env, g); !errors.Is(err, s3c.ErrCommitment) {
		t.Fatalf("older version with the newer instruction file: %v", err)
	}
	if entries, _ := os.ReadDir(out); len(entries) != 0 {
		t.Fatalf("left %v", entries)
	}
}
