package actions_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/s3crypt/s3crypt/actions"
	s3c "github.com/s3crypt/s3crypt/crypto"
)

// ssecKeyFile makes a fresh SSE-C key and its file.
func ssecKeyFile(t *testing.T, name string) *actions.SSECKey {
	t.Helper()
	k, err := s3c.RandomKey(32)
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, k.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	return &actions.SSECKey{Key: k, File: p, Encoding: s3c.EncodingRaw}
}

// TestVersionsKeepTheirOwnEncryption: with versioning on, three writes of
// one key make three versions (SSE-C key A, SSE-C key B, SSE-KMS), listed
// each with its own encryption, each read back byte for byte with its own
// key; suspending versioning keeps them; a delete adds a marker listed as
// such, and --version-id reads, inspects and deletes one version.
func TestVersionsKeepTheirOwnEncryption(t *testing.T) {
	env := xferEnv(t)
	xferBucket(t, env.Backend, "ver", true)
	res, _ := mustRun(t, env, &actions.GetBucketVersioning{Bucket: "ver"})
	if s := res.(actions.VersioningResult).Status; s != actions.VersioningUnset {
		t.Fatalf("new bucket versioning %q", s)
	}
	res, _ = mustRun(t, env, &actions.PutBucketVersioning{Bucket: "ver", Status: actions.VersioningEnabled})
	if s := res.(actions.VersioningResult).Status; s != actions.VersioningEnabled {
		t.Fatalf("after enable %q", s)
	}
	keyID := newKey(t, env, "", "alias/ver")
	a, b := ssecKeyFile(t, "a.key"), ssecKeyFile(t, "b.key")
	type version struct {
		id   string
		data []byte
		ssec *actions.SSECKey
		mode string
	}
	var vs []version
	for _, w := range []struct {
		ssec *actions.SSECKey
		sse  string
	}{{a, ""}, {b, ""}, {nil, actions.SSEKMS}} {
		file, data := xferFile(t, 70000)
		put := &actions.Put{File: file, Bucket: "ver", Key: "doc", SSEC: w.ssec, SSE: w.sse}
		if w.sse == actions.SSEKMS {
			put.KMSKey = "alias/ver"
		}
		r, _ := mustRun(t, env, put)
		pr := r.(actions.PutResult)
		if pr.VersionID == "" || pr.VersionID == "null" {
			t.Fatalf("put in a versioned bucket: version %q", pr.VersionID)
		}
		mode := "SSE-C"
		if w.sse != "" {
			mode = "SSE-KMS"
		}
		vs = append(vs, version{pr.VersionID, data, w.ssec, mode})
	}
	res, _ = mustRun(t, env, &actions.ListObjectVersions{Bucket: "ver"})
	list := res.(actions.ListVersionsResult)
	if len(list.Versions) != 3 {
		t.Fatalf("versions: %+v", list.Versions)
	}
	for i, v := range list.Versions {
		want := vs[2-i] // newest first
		if v.VersionID != want.id || v.IsLatest != (i == 0) || v.DeleteMarker {
			t.Fatalf("version %d: %+v, want %s", i, v, want.id)
		}
		got := v.Encryption.Mode()
		if v.SSECKeyRequired {
			got = "SSE-C"
		}
		if got != want.mode {
			t.Errorf("version %s listed as %s (%s), want %s", v.VersionID, got, v.Label, want.mode)
		}
		if want.ssec != nil && v.Encryption.SSECKeyMD5 != s3c.KeyMD5(want.ssec.Key) {
			t.Errorf("version %s: key MD5 %q, want its own key's", v.VersionID, v.Encryption.SSECKeyMD5)
		}
		if want.mode == "SSE-KMS" && keyIDOfARN(v.Encryption.KMSKeyARN) != keyID {
			t.Errorf("SSE-KMS version under %s, want %s", v.Encryption.KMSKeyARN, keyID)
		}
	}
	for _, v := range vs {
		out := filepath.Join(t.TempDir(), "out")
		mustRun(t, env, &actions.Get{Bucket: "ver", Key: "doc", VersionID: v.id, File: out, SSEC: v.ssec})
		got, _ := os.ReadFile(out)
		if !bytes.Equal(got, v.data) {
			t.Fatalf("version %s read back differs", v.id)
		}
		h, _ := mustRun(t, env, &actions.Head{Bucket: "ver", Key: "doc", VersionID: v.id, SSEC: v.ssec})
		if hr := h.(actions.HeadResult); hr.VersionID != v.id || hr.Mode != v.mode {
			t.Fatalf("head version %s: %+v", v.id, hr)
		}
	}
	// Another version's key is refused.
	if _, err, _ := collect(t, env, &actions.Get{Bucket: "ver", Key: "doc", VersionID: vs[0].id, File: filepath.Join(t.TempDir(), "x"), SSEC: b}); actions.KindOf(err) != actions.KindSSECWrongKey {
		t.Fatalf("version 1 with key B: %v (%v)", err, actions.KindOf(err))
	}
	mustRun(t, env, &actions.PutBucketVersioning{Bucket: "ver", Status: actions.VersioningSuspended})
	res, _ = mustRun(t, env, &actions.GetBucketVersioning{Bucket: "ver"})
	if s := res.(actions.VersioningResult).Status; s != actions.VersioningSuspended {
		t.Fatalf("after suspend %q", s)
	}
	res, _ = mustRun(t, env, &actions.DeleteObject{Bucket: "ver", Key: "doc"})
	if !res.(actions.DeleteObjectResult).DeleteMarker {
		t.Fatalf("delete in a suspended bucket: %+v", res)
	}
	res, _ = mustRun(t, env, &actions.ListObjectVersions{Bucket: "ver"})
	list = res.(actions.ListVersionsResult)
	if len(list.Versions) != 4 || !list.Versions[0].DeleteMarker || list.Versions[0].Label != "delete marker" || !list.Versions[0].IsLatest {
		t.Fatalf("after delete: %+v", list.Versions)
	}
	if cur := actions.CurrentVersions(list.Versions); len(cur) != 0 {
		t.Fatalf("current versions under a delete marker: %+v", cur)
	}
	mustRun(t, env, &actions.DeleteObject{Bucket: "ver", Key: "doc", VersionID: vs[0].id})
	res, _ = mustRun(t, env, &actions.ListObjectVersions{Bucket: "ver"})
	for _, v := range res.(actions.ListVersionsResult).Versions {
		if v.VersionID == vs[0].id {
			t.Fatalf("version %s still listed after rm --version-id", v.VersionID)
		}
	}
}

func keyIDOfARN(arn string) string {
	for i := len(arn) - 1; i >= 0; i-- {
		if arn[i] == '/' {
			return arn[i+1:]
		}
	}
	return arn
}

// TestOneVersionListingPagesForAll: `ls --versions`, key usage and the
// audit share one version listing; with pages of 2, one key's versions
// span pages and a delete marker sits among them. The listing keeps every
// version and the marker; the scans count each version once and the
// marker never.
func TestOneVersionListingPagesForAll(t *testing.T) {
	actions.SetVersionPageSize(t, 2)
	env := bkEnv(t)
	keyID, _ := createKey(t, env.Backend, "alias/pages")
	createBucket(t, env.Backend, "pages", "aws:kms", keyID, true)
	for i := range 5 {
		put(t, env.Backend, "pages", "a", []byte(fmt.Sprint("version ", i)), s3.PutObjectInput{})
	}
	mustFn(t)(env.Backend.S3.DeleteObject(context.Background(), &s3.DeleteObjectInput{Bucket: aws.String("pages"), Key: aws.String("a")}))
	put(t, env.Backend, "pages", "b", []byte("b0"), s3.PutObjectInput{})
	put(t, env.Backend, "pages", "b", []byte("b1"), s3.PutObjectInput{ServerSideEncryption: s3types.ServerSideEncryptionAes256})

	res, _ := mustRun(t, env, &actions.ListObjectVersions{Bucket: "pages"})
	var got []string
	for _, v := range res.(actions.ListVersionsResult).Versions {
		got = append(got, fmt.Sprintf("%s/%v/%v/%s", v.Key, v.IsLatest, v.DeleteMarker, v.Label))
	}
	want := "[a/true/true/delete marker a/false/false/SSE-KMS alias/pages a/false/false/SSE-KMS alias/pages a/false/false/SSE-KMS alias/pages a/false/false/SSE-KMS alias/pages a/false/false/SSE-KMS alias/pages b/true/false/SSE-S3 b/false/false/SSE-KMS alias/pages]"
	if fmt.Sprint(got) != want {
		t.Errorf("versions\n%v\nwant\n%s", got, want)
	}
	res, _ = mustRun(t, env, &actions.KeyUsage{KeyID: "alias/pages"})
	if u := res.(actions.KeyUsageResult); u.Scanned != 7 || u.Objects != 0 || u.Versions != 6 {
		t.Errorf("key usage: %d scanned, %d current + %d noncurrent under the key; want 7, 0 + 6", u.Scanned, u.Objects, u.Versions)
	}
	res, _ = mustRun(t, env, &actions.Audit{Buckets: []string{"pages"}, Objects: true})
	if a := res.(actions.AuditResult); a.Scanned != 7 {
		t.Errorf("audit scanned %d versions, want 7", a.Scanned)
	}
}
