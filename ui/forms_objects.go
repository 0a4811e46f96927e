package ui

import (
	"path/filepath"
	"strings"

	tea "charm.land/bubbletea/v2"

	"github.com/s3crypt/s3crypt/actions"
)

// Upload mode values.
const (
	upDefault = "default"
	upSSEC    = "SSE-C"
	upCSE     = "client-side"
)

// newUploadForm asks for a file, a target key and how to encrypt it.
func newUploadForm(c *Common, bucket BucketRow, prefix string, keys []KeyRow) *form {
	def := "bucket default (" + bucketDefaultMode(bucket.Enc) + ")"
	f := newForm(c, "Upload to s3://"+bucket.Name+"/"+prefix, "Pick a file and how S3 should encrypt it. "+
		"The flow panel shows each key step as it happens.", "upload")
	f.text("file", "File", "", "./report.pdf", "ctrl+o to browse").file = true
	f.text("key", "Object key", prefix, prefix+"name", "the key in the bucket")
	f.choice("mode", "Encryption", []string{def, "SSE-S3", "SSE-KMS", "DSSE-KMS", "SSE-C", "client-side"},
		[]string{upDefault, actions.SSES3, actions.SSEKMS, actions.DSSEKMS, upSSEC, upCSE}, 0,
		"client-side: you encrypt before sending (S3 Encryption Client v3, KMS data key); S3 adds its own layer")
	isKMS := func(f *form) bool { m := f.val("mode"); return m == actions.SSEKMS || m == actions.DSSEKMS }
	labels, values := kmsKeyChoices(keys)
	f.choice("kmskey", "KMS key", labels, values, 0, "").show = isKMS
	f.choice("bk", "Bucket key", []string{"bucket setting", "on", "off"}, []string{"", "on", "off"}, 0,
		"on: fewer KMS calls, one bucket-level key cached by S3").show = func(f *form) bool { return f.val("mode") == actions.SSEKMS }
	isSSEC := func(f *form) bool { return f.val("mode") == upSSEC }
	f.choice("src", "SSE-C key", []string{"generate new", "key file", "KMS data key"}, []string{"gen", "file", "kms"}, 0,
		"KMS data key: as in the seed, the key is a data key; only its encrypted copy is kept").show = isSSEC
	f.text("keyfile", "Key file", "", "object.key", "new key: written 0600 · KMS: where its encrypted copy goes").show = isSSEC
	f.choice("dkkey", "Data key from", labels[1:], values[1:], 0, "").show =
		func(f *form) bool {
			return len(values) > 1 && (f.val("mode") == upCSE || isSSEC(f) && f.val("src") == "kms")
		}
	f.onPick = func(f *form, id, path string) {
		if id == "file" {
			if k := f.get("key"); strings.HasSuffix(k.value(), "/") || k.value() == "" {
				k.input.SetValue(k.value() + filepath.Base(path))
			}
		}
	}
	f.submit = func(f *form) (tea.Msg, string) { return uploadIntent(f, bucket) }
	return f.init()
}

// bucketDefaultMode names a bucket's default encryption.
func bucketDefaultMode(e BucketEncryption) string {
	switch e.SSE {
	case actions.SSEKMS:
		return "SSE-KMS"
	case actions.DSSEKMS:
		return "DSSE-KMS"
	}
	return "SSE-S3"
}

// uploadIntent validates the upload form and builds the job.
func uploadIntent(f *form, bucket BucketRow) (tea.Msg, string) {
	file, key := f.val("file"), f.val("key")
	if file == "" {
		return nil, "pick a file to upload (ctrl+o browses)"
	}
	if key == "" || strings.HasSuffix(key, "/") {
		key += filepath.Base(file)
	}
	put := actions.Put{File: file, Bucket: bucket.Name, Key: key}
	mode := f.val("mode")
	spec := flowSpec{Upload: true, Subject: filepath.Base(file)}
	switch mode {
	case upDefault:
		spec.Mode = flowModeOf(bucketDefaultMode(bucket.Enc), bucket.Enc.BucketKey)
	case upSSEC:
		spec.Mode = flowSSEC
	case upCSE:
		if f.val("dkkey") == "" {
			return nil, "client-side encryption needs a symmetric customer managed key: create one first (Keys view, n)"
		}
		put.ClientSide = &actions.ClientSide{KMSKey: f.val("dkkey")}
		spec.Mode, spec.KeyName = flowClientSide, f.get("dkkey").options[f.get("dkkey").sel]
	default:
		put.SSE, put.KMSKey = mode, f.val("kmskey")
		bk := bucket.Enc.BucketKey && bucket.Enc.SSE == actions.SSEKMS
		if v := f.val("bk"); v != "" {
			on := v == "on"
			put.BucketKey, bk = &on, on
		}
		spec.Mode = flowModeOf(mode, bk && mode == actions.SSEKMS)
		spec.KeyName = f.get("kmskey").options[f.get("kmskey").sel]
	}
	meta := jobMeta{Title: "upload " + filepath.Base(file), Flow: spec, Transfer: true, Refresh: refreshObjects}
	if mode != upSSEC {
		return startJobMsg{action: &put, meta: meta}, ""
	}
	kf := f.val("keyfile")
	if kf == "" {
		return nil, "name the SSE-C key file"
	}
	src := map[string]sseCSource{"gen": sseCGenerate, "file": sseCFromFile, "kms": sseCFromKMS}[f.val("src")]
	a := &sseCPut{Put: put, Source: src, KeyFile: kf, KMSKey: f.val("dkkey")}
	if src == sseCFromKMS && a.KMSKey == "" {
		return nil, "create a symmetric customer managed key first (Keys view, n)"
	}
	return startJobMsg{action: a, meta: meta}, ""
}

// newDownloadForm asks where to save an object and, for SSE-C, its key.
func newDownloadForm(c *Common, bucket string, row ObjectRow) *form {
	name := filepath.Base(row.Key)
	f := newForm(c, "Download s3://"+bucket+"/"+row.Key, "S3 decrypts on the way out; the file is written only when every byte arrived.", "download")
	f.text("out", "Save as", name, name, "a local path")
	needKey := row.Enc.Mode == "SSE-C" || !row.Enc.Known
	if needKey {
		f.text("keyfile", "SSE-C key file", "", "object.key", "S3 keeps no SSE-C key: send the one it was written with")
		f.choice("keykind", "The file holds", []string{"the key", "a KMS-encrypted data key"}, []string{"key", "kms"}, 0, "")
	}
	f.submit = func(f *form) (tea.Msg, string) {
		out := f.val("out")
		if out == "" {
			return nil, "name the local file"
		}
		get := actions.Get{Bucket: bucket, Key: row.Key, File: out, NoOverwrite: true}
		spec := flowSpec{Mode: flowModeOf(row.Enc.Mode, row.Enc.BucketKey), Subject: name}
		if row.Enc.Client != "" {
			spec.Mode = flowClientSide // decrypted here, after S3's own layer
		}
		meta := jobMeta{Title: "download " + name, Flow: spec, Transfer: true}
		kf := f.val("keyfile")
		if kf == "" {
			if row.Enc.Mode == "SSE-C" {
				return nil, "this object is SSE-C: S3 kept no key and reads it only with the one it was written with — " +
					"name that 32-byte key file (the CLI's --sse-c-key FILE, aws's --sse-customer-key)"
			}
			return startJobMsg{action: &get, meta: meta}, ""
		}
		meta.Flow.Mode = flowSSEC
		return startJobMsg{action: &sseCGet{Get: get, KeyFile: kf, FromKMS: f.val("keykind") == "kms"}, meta: meta}, ""
	}
	return f.init()
}
