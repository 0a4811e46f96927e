package ui

import (
	tea "charm.land/bubbletea/v2"

	"github.com/s3crypt/s3crypt/actions"
	"github.com/s3crypt/s3crypt/modes"
)

// newMakeBucketForm asks for a new bucket's name.
func newMakeBucketForm(c *Common) *form {
	f := newForm(c, "Create a bucket", "New buckets encrypt with SSE-S3 by default and, since April 2026, block SSE-C writes.", "create")
	nameF := f.text("Bucket name", "", "my-bucket", "3–63 characters: lowercase letters, digits, dots and hyphens")
	f.submit = func() (tea.Msg, string) {
		name := nameF.answer()
		if len(name) < 3 || len(name) > 63 {
			return nil, "a bucket name has 3 to 63 characters"
		}
		return startJobMsg{action: &actions.MakeBucket{Bucket: name}, meta: jobMeta{Title: "create bucket " + name,
			Refresh: refreshBuckets, Flow: flowSpec{Mode: flowS3, Upload: true, Subject: "CreateBucket " + name}}}, ""
	}
	return f.init()
}

// kmsKeyChoices lists the keys S3 can use (symmetric, enabled), with the
// AWS managed aws/s3 first.
func kmsKeyChoices(keys []KeyRow) (labels, values []string) {
	labels, values = []string{"aws/s3 (AWS managed)"}, []string{""}
	for _, k := range keys {
		if k.Owned || !k.Symmetric() || k.State != "Enabled" || k.Manager != "CUSTOMER" {
			continue
		}
		labels = append(labels, k.Name())
		if len(k.Aliases) > 0 {
			values = append(values, k.Aliases[0]) // commands read better with the alias
		} else {
			values = append(values, k.ARN)
		}
	}
	return labels, values
}

// newBucketEncryptionForm edits a bucket's default encryption.
func newBucketEncryptionForm(c *Common, row BucketRow, keys []KeyRow) *form {
	f := newForm(c, "Default encryption of "+row.Name, "Applies to new objects that ask for nothing else. "+
		"Existing objects keep the encryption they were written with.", "save")
	// A default rule names an x-amz-server-side-encryption value; the
	// bucket key is its own setting.
	var names, apis []string
	sel := 0
	for _, api := range modes.APIValues() {
		if api == row.Enc.SSE {
			sel = len(apis)
		}
		names, apis = append(names, modes.ByAPI(api, false).Short), append(apis, api)
	}
	sse := f.choice("Encryption", names, apis, sel, "")
	labels, values := kmsKeyChoices(keys)
	kmsKey := f.choice("KMS key", labels, values, bucketKeyChoice(keys, values, row.Enc.KMSKey), "symmetric customer managed keys from the Keys view")
	f.onKeys = func(keys []KeyRow) { // the key list loaded (or changed) while the form is open
		untouched := kmsKey.value() == ""
		kmsKey.setOptions(kmsKeyChoices(keys))
		if untouched {
			kmsKey.sel = bucketKeyChoice(keys, kmsKey.values, row.Enc.KMSKey)
		}
	}
	kmsKey.show = func() bool { m := modes.ByAPI(sse.value(), false); return m != nil && m.UsesKMS() }
	bk := 1
	if row.Enc.BucketKey {
		bk = 0
	}
	bucketKey := f.choice("Bucket key", []string{"on", "off"}, []string{"on", "off"}, bk,
		"on: S3 caches a bucket-level key and calls KMS far less")
	bucketKey.show = func() bool { m := modes.ByAPI(sse.value(), true); return m != nil && m.BucketKey }
	f.mode = func() *modes.Mode { return modes.ByAPI(sse.value(), bucketKey.visible() && bucketKey.value() == "on") }
	ssec := 1
	if row.Enc.SSECBlocked {
		ssec = 0
	}
	ssecF := f.choice("SSE-C writes", []string{"blocked", "allowed"}, []string{"blocked", "allowed"}, ssec, "")
	file := f.text("…or JSON file", "", "encryption.json", "optional: a put-bucket-encryption JSON (like the blog post's); it wins over the fields")
	file.file = true
	f.submit = func() (tea.Msg, string) {
		p := &actions.PutBucketEncryption{Bucket: row.Name, File: file.answer()}
		if p.File == "" {
			p.SSE, p.KMSKey = sse.answer(), kmsKey.answer()
			on := bucketKey.answer() == "on"
			p.BucketKey = &on
			blocked := ssecF.answer() == "blocked"
			p.BlockSSEC = &blocked
		}
		return startJobMsg{action: p, meta: jobMeta{Title: "set default encryption of " + row.Name, Refresh: refreshBuckets,
			Flow: flowSpec{Mode: flowS3, Upload: true, Subject: "PutBucketEncryption " + row.Name}}}, ""
	}
	return f.init()
}

// bucketKeyChoice is the index of the bucket default's key among a KMS
// key choice's values (0, the first, when it is not among them).
func bucketKeyChoice(keys []KeyRow, values []string, current string) int {
	sel := 0
	for i, v := range values {
		if v != "" && (v == current || keyMatches(keys, v, current)) {
			sel = i
		}
	}
	return sel
}

// keyMatches reports whether alias and arn name the same key in keys.
func keyMatches(keys []KeyRow, alias, arn string) bool {
	for _, k := range keys {
		if k.ARN == arn || k.ID == arn {
			for _, a := range k.Aliases {
				if a == alias {
					return true
				}
			}
		}
	}
	return false
}
