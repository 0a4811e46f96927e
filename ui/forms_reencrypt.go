package ui

import (
	tea "charm.land/bubbletea/v2"

	"github.com/s3crypt/s3crypt/actions"
)

// newReencryptForm changes an object's encryption (the objects view's e):
// the new mode, its KMS key and bucket key, and for an SSE-C object its
// key file. The mode's description shows below the fields; the job says
// whether S3 re-wrapped the data key (UpdateObjectEncryption) or rewrote
// the object (a copy in place), and why.
func newReencryptForm(c *Common, bucket string, row ObjectRow, keys []KeyRow) *form {
	f := newForm(c, "Change the encryption of s3://"+bucket+"/"+row.Key,
		"SSE-S3 or SSE-KMS to SSE-KMS: S3 re-wraps the data key and rewrites nothing (UpdateObjectEncryption). "+
			"Anything else: S3 copies the object onto itself, keeping its metadata, tags, content type and storage class.", "change")
	target := reencryptTargetFields(f, keys)
	var keyFile *field
	if row.Enc.Mode == "SSE-C" || !row.Enc.Known {
		keyFile = f.text("SSE-C key file", "", "object.key", "S3 needs the object's own key to decrypt it for the copy")
		keyFile.file = true
	}
	f.submit = func() (tea.Msg, string) {
		a := &actions.Reencrypt{Bucket: bucket, Key: row.Key, Target: target()}
		if keyFile != nil {
			a.SourceKeyFile = keyFile.answer()
		}
		if row.Enc.Mode == "SSE-C" && a.SourceKeyFile == "" {
			return nil, "this object is SSE-C: name its key file, which S3 needs to decrypt it for the copy"
		}
		return startJobMsg{action: a, meta: jobMeta{Title: "re-encrypt " + row.Key, Refresh: refreshObjects,
			Flow: flowSpec{Mode: flowOf(f.mode()), Upload: true, Subject: row.Key}}}, ""
	}
	return f.init()
}
