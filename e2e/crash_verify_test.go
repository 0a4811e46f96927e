package e2e

import (
	"crypto/sha256"
	"encoding/json"
	"io"
	"io/fs"
	"path/filepath"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/s3crypt/s3crypt/internal/testtool"
)

// verify checks what the restarted server holds against the ledger.
func (e *crashEnv) verify(srv *testtool.Serve, s3c *s3.Client, round int) {
	e.t.Helper()
	if left := e.tmpEntries(); len(left) > 0 {
		e.t.Errorf("after restart %d the tmp area still holds %v", round, left)
	}
	listed := e.listAll(s3c)
	e.ledger.mu.Lock()
	defer e.ledger.mu.Unlock()
	checked := 0
	for key, ent := range e.ledger.keys {
		lastAck := -1
		for i, a := range ent.attempts {
			if a.acked {
				lastAck = i
			}
		}
		if _, ok := listed[key]; !ok {
			if lastAck >= 0 {
				e.t.Errorf("after restart %d: acknowledged upload %s (attempt %d) is gone", round, key, lastAck)
			}
			continue
		}
		e.checkObject(s3c, key, ent, lastAck)
		checked++
	}
	for key := range listed {
		if e.ledger.keys[key] == nil {
			e.t.Errorf("after restart %d: listed object %s was never uploaded", round, key)
		}
	}
	e.abortUploads(s3c)
	e.checkNoStrayBlobs(srv, listed)
	e.t.Logf("after restart %d: %d objects read back whole, %d keys never acknowledged and absent", round, checked, len(e.ledger.keys)-checked)
}

// listAll lists every key in the bucket.
func (e *crashEnv) listAll(s3c *s3.Client) map[string]bool {
	ctx, cancel := crashCtx()
	defer cancel()
	keys := map[string]bool{}
	p := s3.NewListObjectsV2Paginator(s3c, &s3.ListObjectsV2Input{Bucket: aws.String(crashBucket)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			e.t.Fatalf("list objects: %v", err)
		}
		for _, o := range page.Contents {
			keys[aws.ToString(o.Key)] = true
		}
	}
	return keys
}

// checkObject reads key whole and matches it to an attempt no older than
// the last acknowledged one.
func (e *crashEnv) checkObject(s3c *s3.Client, key string, ent *entry, lastAck int) {
	ctx, cancel := crashCtx()
	defer cancel()
	in := &s3.GetObjectInput{Bucket: aws.String(crashBucket), Key: aws.String(key)}
	in.SSECustomerAlgorithm, in.SSECustomerKey, in.SSECustomerKeyMD5 = e.ssecHeaders(ent.mode == modeSSEC)
	out, err := s3c.GetObject(ctx, in)
	if err != nil {
		e.t.Errorf("get %s: %v", key, err)
		return
	}
	defer out.Body.Close()
	h := sha256.New()
	n, err := io.Copy(h, out.Body)
	if err != nil {
		e.t.Errorf("read %s: %v after %d bytes (a half-written object?)", key, err, n)
		return
	}
	if out.ContentLength != nil && *out.ContentLength != n {
		e.t.Errorf("%s: Content-Length %d, body %d bytes", key, *out.ContentLength, n)
	}
	var sum [32]byte
	copy(sum[:], h.Sum(nil))
	for i := max(lastAck, 0); i < len(ent.attempts); i++ {
		if ent.attempts[i].sum == sum {
			return
		}
	}
	e.t.Errorf("%s: %d bytes read back match no upload at or after the last acknowledged one (attempt %d of %d)", key, n, lastAck, len(ent.attempts))
}

// abortUploads aborts multipart uploads the kill left open.
func (e *crashEnv) abortUploads(s3c *s3.Client) {
	ctx, cancel := crashCtx()
	defer cancel()
	out, err := s3c.ListMultipartUploads(ctx, &s3.ListMultipartUploadsInput{Bucket: aws.String(crashBucket)})
	if err != nil {
		e.t.Errorf("list multipart uploads: %v", err)
		return
	}
	for _, u := range out.Uploads {
		if _, err := s3c.AbortMultipartUpload(ctx, &s3.AbortMultipartUploadInput{Bucket: aws.String(crashBucket), Key: u.Key, UploadId: u.UploadId}); err != nil {
			e.t.Errorf("abort upload of %s: %v", aws.ToString(u.Key), err)
		}
	}
}

// checkNoStrayBlobs compares the blob files on disk with those the listed
// objects refer to (through the sandbox's at-rest view): with no upload
// open, any other file is garbage a crash left behind.
func (e *crashEnv) checkNoStrayBlobs(srv *testtool.Serve, listed map[string]bool) {
	ctx, cancel := crashCtx()
	defer cancel()
	referenced := map[string]bool{}
	for key := range listed {
		body, err := srv.Reserved(ctx, "inspect", "bucket", crashBucket, "key", key)
		if err != nil {
			e.t.Errorf("inspect %s: %v", key, err)
			return
		}
		var v struct {
			Parts []struct {
				Path string `json:"path"`
			} `json:"parts"`
		}
		if err := json.Unmarshal(body, &v); err != nil {
			e.t.Errorf("inspect %s: %v", key, err)
			return
		}
		for _, p := range v.Parts {
			referenced[p.Path] = true
		}
	}
	var stray []string
	root := filepath.Join(e.dir, "data", "blobs")
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		if !referenced[path] {
			stray = append(stray, strings.TrimPrefix(path, root+"/"))
		}
		return nil
	})
	if err != nil {
		e.t.Errorf("walk blobs: %v", err)
	}
	if len(stray) > 0 {
		e.t.Errorf("%d blob files no object refers to: %v", len(stray), stray[:min(len(stray), 5)])
	}
}
