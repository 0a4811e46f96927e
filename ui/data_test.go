package ui

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/s3crypt/s3crypt/actions"
	s3c "github.com/s3crypt/s3crypt/crypto"
)

// TestSandboxDataGoesThroughActions reads a bucket holding one object per
// kind of encryption through NewData, the adapter over the actions the
// CLI runs: a page at a time, HEADs for the rows, inspect. SSE-C objects
// (a bare 400 to a HEAD without key) and client-side objects (the S3
// Encryption Client's metadata) are told as such.
func TestSandboxDataGoesThroughActions(t *testing.T) {
	b := sandboxBackend(t)
	env := &actions.Env{Backend: b}
	ctx := context.Background()
	mustRun := func(a actions.Action) any {
		t.Helper()
		res, err := actions.RunSync(ctx, env, a, nil)
		if err != nil {
			t.Fatalf("%s: %v", a.Describe(), err)
		}
		return res
	}
	no := false
	mustRun(&actions.MakeBucket{Bucket: "mix"})
	mustRun(&actions.PutBucketEncryption{Bucket: "mix", BlockSSEC: &no})
	key := mustRun(&actions.CreateKey{Alias: "alias/ui"}).(actions.CreateKeyResult).Key
	dir := t.TempDir()
	file := filepath.Join(dir, "f.txt")
	if err := os.WriteFile(file, []byte("hello"), 0o600); err != nil {
		t.Fatal(err)
	}
	put := func(k string) actions.Put { return actions.Put{File: file, Bucket: "mix", Key: k} }
	p := put("kms.txt")
	p.SSE, p.KMSKey = actions.SSEKMS, "alias/ui"
	mustRun(&p)
	for name, format := range map[string]int{"cse-v2.txt": s3c.FormatV2, "cse-v3.txt": s3c.FormatV3} {
		p := put(name)
		p.ClientSide = &actions.ClientSide{KMSKey: "alias/ui", Format: format}
		mustRun(&p)
	}
	mustRun(&actions.PutSSEC{Put: put("ssec.txt"), Source: actions.SSECGenerate, KeyFile: filepath.Join(dir, "ssec.key")})
	mustRun(&actions.Put{File: file, Bucket: "mix", Key: "dir/a.txt"})

	d := NewData(b)
	if id, err := d.Identity(ctx); err != nil || !strings.HasPrefix(id, "sandbox account 000000000000 · access key ") {
		t.Fatalf("identity %q %v", id, err)
	}
	keys, err := d.ListKeys(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var found bool
	for _, k := range keys {
		if k.ID == key.KeyID {
			found = k.Name() == "alias/ui" && k.Rotation == "off" && k.Manager == "CUSTOMER" && k.Symmetric()
		}
	}
	if !found || !keys[len(keys)-1].Owned {
		t.Fatalf("keys %+v", keys)
	}
	buckets, err := d.ListBuckets(ctx)
	if err != nil || len(buckets) != 1 || !buckets[0].Enc.Loaded || buckets[0].Enc.SSECBlocked || buckets[0].Enc.SSE != "AES256" {
		t.Fatalf("buckets %+v %v", buckets, err)
	}

	var rows []ObjectRow
	token := ""
	for pages := 0; ; pages++ {
		page, err := d.ListObjects(ctx, "mix", "", token, 2)
		if err != nil || pages > 4 {
			t.Fatalf("page %d: %v", pages, err)
		}
		rows = append(rows, page.Rows...)
		if token = page.Next; token == "" {
			break
		}
	}
	var names, objects []string
	for _, r := range rows {
		names = append(names, r.Key)
		if !r.Folder {
			objects = append(objects, r.Key)
		}
	}
	if got := strings.Join(names, " "); got != "cse-v2.txt cse-v3.txt dir/ kms.txt ssec.txt" {
		t.Fatalf("listed %q", got)
	}
	encs, err := d.HeadObjects(ctx, "mix", objects, nil)
	if err != nil || len(encs) != len(objects) {
		t.Fatalf("heads %+v %v", encs, err)
	}
	want := map[string]string{"cse-v2.txt": "SSE-S3 S3EC V2", "cse-v3.txt": "SSE-S3 S3EC V3", "kms.txt": "SSE-KMS ", "ssec.txt": "SSE-C "}
	for i, k := range objects {
		e := encs[i]
		if got := e.Mode + " " + e.Client; !e.Known || got != want[k] {
			t.Errorf("%s: %q (%+v), want %q", k, got, e, want[k])
		}
	}
	if e := encs[2]; e.KMSKey != key.ARN {
		t.Errorf("kms.txt under %q, want %q", e.KMSKey, key.ARN)
	}
	if e := encs[3]; len(e.SSECKeyMD5) == 0 {
		t.Errorf("ssec.txt has no key MD5 from the at-rest view: %+v", e)
	}

	in, err := d.Inspect(ctx, "mix", "ssec.txt")
	if err != nil || in.Enc.Mode != "SSE-C" || in.AtRest == nil || in.Size != 5 {
		t.Fatalf("inspect ssec.txt: %+v %v", in, err)
	}
	in, err = d.Inspect(ctx, "mix", "cse-v3.txt")
	if err != nil || in.Enc.Client != "S3EC V3" || in.Metadata["x-amz-3"] == "" || in.AtRest == nil {
		t.Fatalf("inspect cse-v3.txt: %+v %v", in, err)
	}
	in, err = d.Inspect(ctx, "mix", "gone.txt")
	if err != nil || in.Enc.Mode != "?" || !strings.Contains(in.Enc.Err, "does not exist") {
		t.Fatalf("inspect a missing object: %+v %v", in, err)
	}
}
