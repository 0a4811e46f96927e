package ui

import (
	"path/filepath"
	"strconv"
	"strings"

	tea "charm.land/bubbletea/v2"

	"github.com/s3crypt/s3crypt/actions"
	"github.com/s3crypt/s3crypt/modes"
)

// upDefault is the upload form's "bucket default" choice: no encryption
// header, so the bucket's default rule applies.
const upDefault = "default"

// newUploadForm asks for a file, a target key and how to encrypt it. The
// choices, what each asks for and the hint each shows come from the modes
// table.
func newUploadForm(c *Common, bucket BucketRow, prefix string, keys []KeyRow) *form {
	def := bucketDefault(bucket.Enc)
	f := newForm(c, "Upload to s3://"+bucket.Name+"/"+prefix, "Pick a file and how S3 should encrypt it. "+
		"The flow panel shows each key step as it happens.", "upload")
	file := f.text("File", "", "./report.pdf", "ctrl+o to browse")
	file.file = true
	objKey := f.text("Object key", "", prefix+"name", "the key in the bucket; empty or ending in /: the file's name is added").prefill(prefix)
	labels, values := []string{"bucket default (" + defaultLabel(def) + ")"}, []string{upDefault}
	hints := []string{"no encryption header: the bucket's default rule applies (" + defaultLabel(def) + ")"}
	for _, m := range modes.Offered() {
		labels, values, hints = append(labels, m.Name+endpointMark(c, m.ID)), append(values, string(m.ID)), append(hints, endpointHint(c, m))
	}
	mode := f.choice("Encryption", labels, values, 0, "")
	mode.hints, mode.factsInstead = hints, true
	chosen := func() *modes.Mode { return modes.Get(modes.ID(mode.value())) }
	f.mode = func() *modes.Mode {
		if m := chosen(); m != nil {
			return m
		}
		return def // the bucket default applies
	}
	needs := func(k modes.KeySource) func() bool {
		return func() bool { m := chosen(); return m != nil && m.Key == k }
	}
	kl, kv := kmsKeyChoices(keys)
	kmsKey := f.choice("KMS key", kl, kv, 0, "")
	kmsKey.show = needs(modes.KeyKMS)
	src := f.choice("SSE-C key", []string{"generate new", "key file", "KMS data key"}, []string{"gen", "file", "kms"}, 0, "")
	src.hints = []string{"a fresh random 32-byte key, written 0600 to the key file below",
		"a 32-byte key you have (raw, base64 or hex text)",
		"as in the blog post: the key is a KMS data key; only its encrypted copy is kept, in the key file below"}
	src.show = needs(modes.KeyCustomer)
	keyFile := f.text("Key file", "", "object.key", "new key: written 0600 · KMS: where its encrypted copy goes")
	keyFile.show = needs(modes.KeyCustomer)
	cse := uploadClientFields(f, needs(modes.KeyCustomerKMS))
	dataKey := f.choice("Data key from", kl[1:], kv[1:], 0, "a symmetric customer managed key")
	dataKey.show = func() bool {
		return len(dataKey.options) > 0 && (needs(modes.KeyCustomerKMS)() && cse.ring().ID == modes.KeyringKMS || needs(modes.KeyCustomer)() && src.value() == "kms")
	}
	cse.moreFields(f, needs(modes.KeyCustomerKMS))
	f.onKeys = func(keys []KeyRow) { // the key list loaded (or changed) while the form is open
		kl, kv := kmsKeyChoices(keys)
		kmsKey.setOptions(kl, kv)
		dataKey.setOptions(kl[1:], kv[1:])
	}
	f.onPick = func(fl *field, path string) {
		if fl == file {
			if k := objKey.value(); strings.HasSuffix(k, "/") || k == "" {
				objKey.input.SetValue(k + filepath.Base(path))
			}
		}
	}
	f.submit = func() (tea.Msg, string) {
		return uploadIntent(uploadChoice{file: file.value(), key: objKey.value(), mode: chosen(), def: def,
			kmsKey: kmsKey.value(), kmsKeyName: kmsKey.selectedLabel(), src: src.value(), keyFile: keyFile.value(),
			dataKey: dataKey.value(), dataKeyName: dataKey.selectedLabel(), cse: cse}, bucket)
	}
	return f.init()
}

// bucketDefault is the mode a bucket's default rule applies: none when the
// endpoint reports no rule (AWS always has one: SSE-S3 unless set).
func bucketDefault(e BucketEncryption) *modes.Mode {
	return modes.ByAPI(e.SSE, e.BucketKey && e.SSE == modes.APIKMS)
}

// defaultLabel names a bucket default for the upload form.
func defaultLabel(m *modes.Mode) string {
	switch {
	case m == nil:
		return "unknown"
	case m.ID == modes.None:
		return "no default encryption"
	}
	return m.Name
}

// uploadChoice is what the upload form holds when submitted.
type uploadChoice struct {
	file, key            string
	mode                 *modes.Mode // nil: the bucket default
	def                  *modes.Mode // the bucket default's mode
	kmsKey, kmsKeyName   string
	src, keyFile         string
	dataKey, dataKeyName string
	cse                  *uploadClient
}

// uploadClient is the upload form's client-side questions, from the modes
// table: the format to write (V3 by default, or V2: --cse-format v2), the
// keyring (KMS, or a raw AES or RSA key file: --wrapping-key, --rsa-key)
// and where the envelope goes (--instruction-file).
type uploadClient struct {
	format, keyring, keyFile, envelope *field
}

// uploadClientFields adds the client-side fields, shown when show says.
func uploadClientFields(f *form, show func() bool) *uploadClient {
	u := &uploadClient{}
	var labels, values, hints []string
	for _, cf := range modes.ClientFormats() {
		labels, values, hints = append(labels, cf.Name), append(values, strconv.Itoa(cf.Version)), append(hints, cf.Hint)
	}
	u.format = f.choice("Format", labels, values, 0, "")
	u.format.hints, u.format.show = hints, show
	labels, values, hints = nil, nil, nil
	for _, k := range modes.Keyrings() {
		labels, values, hints = append(labels, k.Name), append(values, string(k.ID)), append(hints, k.PutHint+" ("+k.PutFlag+")")
	}
	u.keyring = f.choice("Keyring", labels, values, 0, "")
	u.keyring.hints, u.keyring.show = hints, show
	return u
}

// moreFields adds the client-side fields that follow the KMS key choice.
func (u *uploadClient) moreFields(f *form, show func() bool) {
	u.keyFile = f.text("Wrapping key", "", "wrap.key", "AES: a 32-byte key file · RSA: a PEM public (or private) key; read when the upload runs")
	u.keyFile.file = true
	u.keyFile.show = func() bool { return show() && u.ring().File }
	u.envelope = f.choice("Envelope", []string{"object metadata", "instruction file"}, []string{"", "instruction"}, 0, "")
	u.envelope.hints = []string{"the envelope (wrapped data key, algorithm, description) goes in the object's x-amz-meta-* headers",
		modes.InstructionHint + " (" + modes.InstructionFlag + ")"}
	u.envelope.show = show
}

// ring is the keyring chosen (KMS when none is).
func (u *uploadClient) ring() modes.Keyring {
	for _, k := range modes.Keyrings() {
		if string(k.ID) == u.keyring.value() {
			return k
		}
	}
	return modes.Keyrings()[0]
}

// clientSide builds the client-side layer the answers ask for, or says
// what is missing; kmsKey is the form's data key choice.
func (u *uploadClient) clientSide(kmsKey string) (*actions.ClientSide, string) {
	format, _ := strconv.Atoi(u.format.answer())
	cs := &actions.ClientSide{Format: format, InstructionFile: u.envelope.answer() != ""}
	switch k := u.ring(); k.ID {
	case modes.KeyringKMS:
		if kmsKey == "" {
			return nil, "client-side encryption needs a symmetric customer managed key: create one first (Keys view, n), or choose a raw keyring"
		}
		cs.KMSKey = kmsKey
	case modes.KeyringAES, modes.KeyringRSA:
		file := u.keyFile.answer()
		if file == "" {
			return nil, "name the " + k.Name + " that wraps the data key (" + k.PutFlag + "; ctrl+o browses)"
		}
		if k.ID == modes.KeyringAES {
			cs.KeyFiles.WrappingKeyFile = file
		} else {
			cs.KeyFiles.RSAKeyFile = file
		}
	}
	return cs, ""
}

// uploadIntent validates the upload form and builds the job.
func uploadIntent(u uploadChoice, bucket BucketRow) (tea.Msg, string) {
	if u.file == "" {
		return nil, "pick a file to upload (ctrl+o browses)"
	}
	key := u.key
	if key == "" || strings.HasSuffix(key, "/") {
		key += filepath.Base(u.file)
	}
	put := actions.Put{File: u.file, Bucket: bucket.Name, Key: key}
	spec := flowSpec{Mode: flowOf(u.mode), Upload: true, Subject: filepath.Base(u.file)}
	meta := jobMeta{Title: "upload " + filepath.Base(u.file), Flow: spec, Transfer: true, Refresh: refreshObjects}
	m := u.mode
	if m == nil {
		meta.Flow.Mode = flowOf(u.def)
		return startJobMsg{action: &put, meta: meta}, ""
	}
	put.SSE = m.API
	switch m.Key {
	case modes.KeyKMS:
		put.KMSKey, meta.Flow.KeyName = u.kmsKey, u.kmsKeyName
		if m.API == modes.APIKMS {
			bk := m.BucketKey
			put.BucketKey = &bk
		}
	case modes.KeyCustomerKMS:
		cs, msg := u.cse.clientSide(u.dataKey)
		if msg != "" {
			return nil, msg
		}
		put.ClientSide = cs
		if cs.KMSKey != "" {
			meta.Flow.KeyName = u.dataKeyName
		}
	case modes.KeyCustomer:
		if u.keyFile == "" {
			return nil, "name the SSE-C key file"
		}
		src := map[string]actions.SSECSource{"gen": actions.SSECGenerate, "file": actions.SSECFromFile, "kms": actions.SSECFromKMS}[u.src]
		a := &actions.PutSSEC{Put: put, Source: src, KeyFile: u.keyFile, KMSKey: u.dataKey}
		if src == actions.SSECFromKMS && a.KMSKey == "" {
			return nil, "create a symmetric customer managed key first (Keys view, n)"
		}
		return startJobMsg{action: a, meta: meta}, ""
	}
	return startJobMsg{action: &put, meta: meta}, ""
}

// objectMode is the modes table's entry for an object's encryption.
func objectMode(e ObjectEnc) *modes.Mode {
	if e.Client != "" {
		return modes.Get(modes.ClientSide)
	}
	return modes.ByShort(e.Mode, e.BucketKey)
}

// newDownloadForm asks where to save an object and, for SSE-C, its key.
func newDownloadForm(c *Common, bucket string, row ObjectRow) *form {
	name := filepath.Base(row.Key)
	intro := "S3 decrypts on the way out; the file is written only when every byte arrived."
	if row.Enc.Client != "" {
		intro = "S3 removes its own layer; you decrypt the rest locally, and the file is written only once its AES-GCM tag verifies."
		if row.Enc.ClientLegacy != "" {
			intro = "S3 removes its own layer; you decrypt the rest locally. A legacy format: " + row.Enc.ClientLegacy +
				map[bool]string{true: " has no tag, so nothing authenticates what is written.", false: " does not bind the data key to the content."}[row.Enc.ClientLegacy == "AES-CBC content"]
		}
	}
	f := newForm(c, "Download s3://"+bucket+"/"+row.Key, intro, "download")
	out := f.text("Save as", "", name, "a local path").prefill(name)
	var keyFile, keyKind *field
	if row.Enc.Mode == "SSE-C" || !row.Enc.Known {
		keyFile = f.text("SSE-C key file", "", "object.key", "S3 keeps no SSE-C key: send the one it was written with")
		keyFile.file = true
		keyKind = f.choice("The file holds", []string{"the key", "a KMS-encrypted data key"}, []string{"key", "kms"}, 0, "")
	}
	rng, unauth := downloadRangeFields(f, row)
	cse := downloadClientFields(f, &row)
	if !row.Enc.Known {
		// Opened before the row's HEAD answered: take its encryption when
		// it does, so the job's flow is the object's and not an empty one.
		f.onEnc = func(msg encLoadedMsg) {
			for i, k := range msg.keys {
				if k == row.Key && i < len(msg.encs) && row.Version == nil {
					row.Enc = msg.encs[i]
				}
			}
		}
	}
	warned := false // an SSE-C object without its key: said once, sent on the second ctrl+s
	f.submit = func() (tea.Msg, string) {
		out := out.answer()
		if out == "" {
			return nil, "name the local file"
		}
		get := actions.Get{Bucket: bucket, Key: row.Key, File: out, NoOverwrite: true}
		if msg := rangeAnswer(&get, rng, unauth); msg != "" {
			return nil, msg
		}
		if msg := cse.answer(&get); msg != "" {
			return nil, msg
		}
		if row.Version != nil {
			get.VersionID = row.Version.ID
		}
		// A client-side object is decrypted here, after S3's own layer.
		spec := flowSpec{Mode: flowOf(objectMode(row.Enc)), Subject: name}
		meta := jobMeta{Title: "download " + name, Flow: spec, Transfer: true}
		kf := ""
		if keyFile != nil {
			kf = keyFile.answer()
		}
		if kf == "" {
			if row.Enc.Mode == "SSE-C" && !warned {
				// The learner may want S3's refusal itself (lesson 8):
				// a second ctrl+s sends the request without the key.
				warned = true
				return nil, "this object is SSE-C: S3 kept no key and reads it only with the one it was written with — " +
					"name that 32-byte key file (the CLI's --sse-c-key FILE, aws's --sse-customer-key), or press ctrl+s again to ask S3 without it and see it refuse"
			}
			return startJobMsg{action: &get, meta: meta}, ""
		}
		meta.Flow.Mode = flowMode(modes.SSEC)
		return startJobMsg{action: &actions.GetSSEC{Get: get, KeyFile: kf, FromKMS: keyKind.answer() == "kms"}, meta: meta}, ""
	}
	return f.init()
}

// downloadRangeFields adds the download form's optional byte range and,
// for a client-side object, its explicit opt-in: a range of such an
// object is decrypted with AES-CTR and nothing authenticates it (the GCM
// tag covers the whole object), as the CLI's --allow-unauthenticated-range.
func downloadRangeFields(f *form, row ObjectRow) (rng, unauth *field) {
	rng = f.text("Range", "", "0-1023", "optional: only these bytes (A-B, A- or -N, as HTTP's bytes=); empty: the whole object")
	if row.Enc.Client == "" {
		return rng, nil
	}
	unauth = f.choice("Unauthenticated", []string{"refuse", "allow"}, []string{"", "allow"}, 0, "")
	unauth.hints = []string{"a part of a client-side object cannot be authenticated: its AES-GCM tag covers the whole object",
		"decrypt the range with AES-CTR and accept that nothing proves its bytes are the ones written (--allow-unauthenticated-range)"}
	unauth.show = func() bool { return rng.value() != "" }
	return rng, unauth
}

// clientFields are the download form's questions for a client-side
// object: the keyring that unwraps its data key (preselected from the
// envelope's wrapping, as modes.KeyringFor names it), its key file for a
// raw keyring, and the legacy opt-in for a legacy format. They are the
// CLI's --wrapping-key, --rsa-key and --legacy; an envelope in an
// instruction file is read as --instruction-file does.
type clientFields struct {
	row              *ObjectRow
	known            *modes.Keyring // the keyring the envelope names, when known
	keyring, keyFile *field         // keyring: asked only when not known
	legacy           *field
}

// downloadClientFields adds clientFields for a client-side row (none for
// others).
func downloadClientFields(f *form, row *ObjectRow) *clientFields {
	c := &clientFields{row: row}
	if row.Enc.Client == "" {
		return c
	}
	c.known = modes.KeyringFor(row.Enc.ClientWrap)
	if c.known == nil {
		// The envelope's wrapping is not known yet (not read, or in an
		// instruction file not listed): ask.
		var labels, values, hints []string
		for _, k := range modes.Keyrings() {
			labels, values, hints = append(labels, k.Name), append(values, string(k.ID)), append(hints, k.GetHint+" ("+k.GetFlag+")")
		}
		c.keyring = f.choice("Keyring", labels, values, 0, "")
		c.keyring.hints = hints
	}
	ph := "wrap.key"
	if c.known != nil && c.known.File {
		ph = c.known.Placeholder
	}
	hint := "read when the download runs, never shown or sent anywhere"
	if c.known != nil {
		hint = "the envelope says " + row.Enc.ClientWrap + ": " + c.known.GetHint + " (" + c.known.GetFlag + ")"
	}
	c.keyFile = f.text("Key file", "", ph, hint)
	c.keyFile.file = true
	c.keyFile.show = func() bool { k := c.ring(); return k != nil && k.File }
	if row.Enc.ClientLegacy != "" {
		c.legacy = f.choice("Legacy format", []string{"refuse", "read it"}, []string{"", "allow"}, 0, "")
		c.legacy.hints = []string{"this object is " + row.Enc.Client + " (" + row.Enc.ClientLegacy + "): " + modes.LegacyHint,
			"decrypt it anyway, as S3 Encryption Clients do when legacy modes are enabled (" + modes.LegacyFlag + ")"}
	}
	return c
}

// ring is the keyring the envelope names or the one chosen; nil for an
// object that is not client-side.
func (c *clientFields) ring() *modes.Keyring {
	if c.known != nil || c.keyring == nil {
		return c.known
	}
	for _, k := range modes.Keyrings() {
		if string(k.ID) == c.keyring.value() {
			return &k
		}
	}
	return nil
}

// answer puts the client-side answers on get, or says what is missing.
func (c *clientFields) answer(get *actions.Get) string {
	get.InstructionFile = c.row.Enc.ClientInstruction
	k := c.ring()
	if k == nil {
		return ""
	}
	if k.File {
		file := c.keyFile.answer()
		if file == "" {
			return "name the " + k.Name + " that unwraps this object's data key (" + k.GetFlag + "; ctrl+o browses)"
		}
		if k.ID == modes.KeyringAES {
			get.KeyFiles.WrappingKeyFile = file
		} else {
			get.KeyFiles.RSAKeyFile = file
		}
	}
	if c.legacy != nil {
		if c.legacy.answer() == "" {
			return "this object is in a legacy client-side format (" + c.row.Enc.ClientLegacy + "), which S3 Encryption Clients read only when told to: " +
				"set Legacy format to read it (" + modes.LegacyFlag + "), or leave it"
		}
		get.Legacy = true
	}
	return ""
}

// rangeAnswer puts the form's range on get, or says what is wrong with it.
func rangeAnswer(get *actions.Get, rng, unauth *field) string {
	v := rng.answer()
	if v == "" {
		return ""
	}
	spec, err := actions.NormalizeByteRange(v)
	if err != nil {
		return err.Error()
	}
	get.Range = spec
	if unauth != nil {
		if unauth.answer() == "" {
			return "a range of a client-side object is never authenticated (its AES-GCM tag covers the whole object): " +
				"set Unauthenticated to allow to accept that, or clear the range to download and verify the whole object"
		}
		get.AllowUnauthenticatedRange = true
	}
	return ""
}
