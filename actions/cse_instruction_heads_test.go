package actions_test

import (
	"crypto/rand"
	"strings"
	"testing"

	"github.com/s3crypt/s3crypt/actions"
	s3c "github.com/s3crypt/s3crypt/crypto"
)

// TestHeadObjectsReadsInstructionFiles: the HEADs the TUI sends for the
// rows it shows (HeadObjects) call an object client-side when its
// envelope is in a KEY.instruction listed beside it, as ls and head do:
// a V2 object with nothing of the envelope on itself, and a V3 one whose
// wrapping is only in the file, each with its format and how its data
// key is wrapped. A plain object stays plain, the instruction file itself
// is not called client-side, and an object whose instruction file is not
// listed is read from its own metadata only (no guessing).
func TestHeadObjectsReadsInstructionFiles(t *testing.T) {
	env := xferEnv(t)
	xferBucket(t, env.Backend, "rows", false)
	kmsKey := cseKey(t, env)
	aes := make([]byte, 32)
	_, _ = rand.Read(aes)
	for key, cs := range map[string]*actions.ClientSide{
		"v2-kms":    {Format: s3c.FormatV2, KMSKey: kmsKey, InstructionFile: true},
		"v3-aes":    {Format: s3c.FormatV3, AESWrappingKey: s3c.NewKey(aes), InstructionFile: true},
		"v3-inmeta": {Format: s3c.FormatV3, KMSKey: kmsKey},
		"plain":     nil,
	} {
		src, _ := xferFile(t, 700)
		if _, err, _ := collect(t, env, &actions.Put{File: src, Bucket: "rows", Key: key, ClientSide: cs}); err != nil {
			t.Fatal(err)
		}
	}
	keys := []string{"plain", "v2-kms", "v3-aes", "v3-inmeta", "v2-kms.instruction"}
	res, err, _ := collect(t, env, &actions.HeadObjects{Bucket: "rows", Keys: keys, Listed: []string{"v3-aes.instruction"}})
	if err != nil {
		t.Fatal(err)
	}
	type want struct {
		format      int
		instruction bool
		wrap, label string
	}
	wants := []want{
		{0, false, "", "SSE-S3"},
		{2, true, s3c.WrapAlgKMSContext, "client-side S3EC V2 (instruction file)"},
		{3, true, s3c.WrapAlgAESGCM, "client-side S3EC V3 (instruction file)"},
		{3, false, s3c.WrapAlgKMSContext, "client-side S3EC V3"},
		{0, false, "", "SSE-S3"},
	}
	got := res.([]actions.ObjectEntry)
	for i, w := range wants {
		e := got[i]
		if e.Key != keys[i] || e.ClientSide != w.format || e.ClientSideInstruction != w.instruction || e.ClientSideWrap != w.wrap || e.Label != w.label {
			t.Errorf("%s: format %d instruction %v wrap %q label %q, want %+v", keys[i], e.ClientSide, e.ClientSideInstruction, e.ClientSideWrap, e.Label, w)
		}
	}

	// Without the listing beside it, v2-kms shows nothing client-side
	// (its own metadata has none) and v3-aes only its format.
	res, err, _ = collect(t, env, &actions.HeadObjects{Bucket: "rows", Keys: []string{"v2-kms", "v3-aes"}})
	if err != nil {
		t.Fatal(err)
	}
	got = res.([]actions.ObjectEntry)
	if got[0].ClientSide != 0 || got[1].ClientSide != 3 || got[1].ClientSideWrap != "" || strings.Contains(got[1].Label, "instruction") {
		t.Fatalf("unlisted instruction files: %+v", got)
	}
}
