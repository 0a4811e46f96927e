package engines

import (
	"path/filepath"
	"strings"
	"testing"
)

// headJSON is what the tests read of `head --json`.
type headJSON struct {
	ServerSideEncryption, SSEKMSKeyId, SSECustomerAlgorithm, EncryptionMode string
	ContentLength                                                           int64
}

// modeCase is one upload mode tried on the engine.
type modeCase struct {
	name     string
	size     int
	put      []string // put flags
	read     []string // get/head flags
	wantSSE  string   // head's ServerSideEncryption
	wantMode string   // head's EncryptionMode
	keyLike  string   // a piece of head's SSEKMSKeyId
}

// TestSeaweedFSVerbs runs the CLI verbs against SeaweedFS over TLS: mb,
// then put/head/ls/get/rm in SSE-S3, SSE-KMS with a key (SeaweedFS's local
// KMS), SSE-C in one part and in several, each a byte-for-byte round trip
// whose plaintext is nowhere in weed's data directory (while an object
// stored without encryption is, so the look at rest can fail).
func TestSeaweedFSVerbs(t *testing.T) {
	sw := sharedSeaweed(t)
	c := cliFor(t, sw)
	c.must("mb", "s3://engine")
	ssecKey := filepath.Join(c.home, "ssec.key")
	cases := []modeCase{
		{name: "sse-s3.bin", size: 300 << 10, put: []string{"--sse", "AES256"}, wantSSE: "AES256", wantMode: "SSE-S3"},
		{name: "sse-kms.bin", size: 300 << 10, put: []string{"--sse", "aws:kms", "--kms-key", "engine-key-1"},
			wantSSE: "aws:kms", wantMode: "SSE-KMS", keyLike: "engine-key-1"},
		{name: "sse-c.bin", size: 300 << 10, put: []string{"--sse-c-generate", ssecKey},
			read: []string{"--sse-c-key", ssecKey}, wantMode: "SSE-C"},
		// Past the CLI's 64 MiB multipart threshold: 5 parts of 16 MiB.
		{name: "sse-c-multipart.bin", size: 64<<20 + 100<<10, put: []string{"--sse-c-key", ssecKey},
			read: []string{"--sse-c-key", ssecKey}, wantMode: "SSE-C"},
	}
	for _, m := range cases {
		data := randomBytes(m.size)
		src := c.file(m.name, data)
		var put struct{ PartsCount int }
		jsonField(t, c.must(append([]string{"put", src, "s3://engine/" + m.name, "--json"}, m.put...)...), &put)
		// SeaweedFS's HEAD has no x-amz-mp-parts-count: the upload's own
		// count says it went in parts.
		if m.size > 64<<20 && put.PartsCount < 2 {
			t.Errorf("%s: put says %d part(s); the upload should have been multipart", m.name, put.PartsCount)
		}
		var h headJSON
		jsonField(t, c.must(append([]string{"head", "s3://engine/" + m.name, "--json"}, m.read...)...), &h)
		if h.ServerSideEncryption != m.wantSSE || h.EncryptionMode != m.wantMode || int(h.ContentLength) != m.size ||
			!strings.Contains(h.SSEKMSKeyId, m.keyLike) {
			t.Errorf("%s: head says %+v, want %s/%s with key like %q, %d bytes", m.name, h, m.wantSSE, m.wantMode, m.keyLike, m.size)
		}
		out := filepath.Join(c.home, m.name+".out")
		c.must(append([]string{"get", "s3://engine/" + m.name, out}, m.read...)...)
		sameFile(t, out, data)
		if sw.atRestContains(t, data[1000:1064]) {
			t.Errorf("%s: 64 bytes of its plaintext lie in weed's data directory", m.name)
		}
	}
	// SSE-C without the key: the engine refuses to serve it, in its words.
	if errs := c.fails("get", "s3://engine/sse-c.bin", filepath.Join(c.home, "nokey.out")); !strings.Contains(errs, "must provide the customer key") {
		t.Errorf("get of an SSE-C object without its key: %s", errs)
	}
	// The control: stored as sent, its plaintext is on disk.
	plain := randomBytes(100 << 10)
	c.must("put", c.file("plain.bin", plain), "s3://engine/plain.bin")
	if !sw.atRestContains(t, plain[1000:1064]) {
		t.Errorf("an unencrypted object's plaintext is not in weed's data directory: the look at rest cannot tell")
	}
	ls := c.must("ls", "s3://engine/")
	for _, want := range []string{"sse-s3.bin", "sse-kms.bin", "sse-c.bin", "sse-c-multipart.bin", "plain.bin"} {
		if !strings.Contains(ls, want) {
			t.Errorf("ls does not list %s:\n%s", want, ls)
		}
	}
	for _, m := range append(cases, modeCase{name: "plain.bin"}) {
		c.must("rm", "s3://engine/"+m.name)
	}
	if ls := c.must("ls", "s3://engine/"); strings.Contains(ls, ".bin") {
		t.Errorf("ls after rm still lists objects:\n%s", ls)
	}
}

// TestSeaweedFSBucketEncryption sets, reads and deletes a bucket's
// default encryption on SeaweedFS, and an upload without headers takes
// the default while it is set.
func TestSeaweedFSBucketEncryption(t *testing.T) {
	sw := sharedSeaweed(t)
	c := cliFor(t, sw)
	c.must("mb", "s3://defaults")
	c.must("bucket-encryption", "put", "s3://defaults", "--sse", "aws:kms", "--kms-key", "engine-default-key")
	var got struct {
		ServerSideEncryptionConfiguration struct {
			Rules []struct {
				ApplyServerSideEncryptionByDefault struct{ SSEAlgorithm, KMSMasterKeyID string }
			}
		}
	}
	jsonField(t, c.must("bucket-encryption", "get", "s3://defaults", "--json"), &got)
	if r := got.ServerSideEncryptionConfiguration.Rules; len(r) != 1 || r[0].ApplyServerSideEncryptionByDefault.SSEAlgorithm != "aws:kms" ||
		!strings.Contains(r[0].ApplyServerSideEncryptionByDefault.KMSMasterKeyID, "engine-default-key") {
		t.Fatalf("bucket-encryption get after put: %+v", got)
	}
	data := randomBytes(200 << 10)
	c.must("put", c.file("d.bin", data), "s3://defaults/d.bin")
	var h headJSON
	jsonField(t, c.must("head", "s3://defaults/d.bin", "--json"), &h)
	if h.ServerSideEncryption != "aws:kms" || !strings.Contains(h.SSEKMSKeyId, "engine-default-key") {
		t.Errorf("an upload without headers under an SSE-KMS default: head says %+v", h)
	}
	out := filepath.Join(c.home, "d.out")
	c.must("get", "s3://defaults/d.bin", out)
	sameFile(t, out, data)
	if sw.atRestContains(t, data[5000:5064]) {
		t.Errorf("the default-encrypted object's plaintext lies in weed's data directory")
	}
	c.must("bucket-encryption", "delete", "s3://defaults")
	got.ServerSideEncryptionConfiguration.Rules = nil
	jsonField(t, c.must("bucket-encryption", "get", "s3://defaults", "--json"), &got)
	if len(got.ServerSideEncryptionConfiguration.Rules) != 0 {
		t.Errorf("bucket-encryption get after delete: %+v", got)
	}
}

// TestSeaweedFSRefusals: what SeaweedFS does not have is refused with a
// message that says so, not with a bare status: DSSE-KMS, and the KMS API
// (SeaweedFS serves S3 only).
func TestSeaweedFSRefusals(t *testing.T) {
	sw := sharedSeaweed(t)
	c := cliFor(t, sw)
	c.must("mb", "s3://refusals")
	errs := c.fails("put", c.file("d.bin", []byte("dual layer")), "s3://refusals/d.bin", "--sse", "aws:kms:dsse", "--kms-key", "k1")
	if low := strings.ToLower(errs); !strings.Contains(low, "dsse") || !strings.Contains(low, "not support") {
		t.Errorf("DSSE-KMS on SeaweedFS: the message does not say the endpoint does not support it:\n%s", errs)
	}
	errs = c.fails("kms", "list-keys")
	if !strings.Contains(errs, "does not serve the AWS KMS API") {
		t.Errorf("kms list-keys against SeaweedFS: the message does not say it serves no KMS API:\n%s", errs)
	}
}
