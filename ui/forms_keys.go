package ui

import (
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"

	tea "charm.land/bubbletea/v2"

	"github.com/s3crypt/s3crypt/actions"
)

// newCreateKeyForm asks for a new KMS key's spec, usage, alias and
// description.
func newCreateKeyForm(c *Common) *form {
	f := newForm(c, "Create a KMS key", "A symmetric key makes data keys for S3 (SSE-KMS, DSSE-KMS, bucket keys). "+
		"An RSA key pair encrypts small messages or signs; S3 cannot use it.", "create")
	spec := f.choice("Key spec", []string{"symmetric (AES-256)", "RSA 2048", "RSA 3072", "RSA 4096"},
		[]string{"SYMMETRIC_DEFAULT", "RSA_2048", "RSA_3072", "RSA_4096"}, 0, "")
	usage := f.choice("Usage", []string{"encrypt/decrypt", "sign/verify"}, []string{"ENCRYPT_DECRYPT", "SIGN_VERIFY"}, 0,
		"symmetric keys only encrypt and decrypt")
	usage.show = func() bool { return spec.value() != "SYMMETRIC_DEFAULT" }
	aliasF := f.text("Alias", "", "alias/demo", "optional: alias/NAME (not alias/aws/…); alias/ is added if you leave it out").prefill("alias/")
	desc := f.text("Description", "", "what this key protects", "optional")
	f.submit = func() (tea.Msg, string) {
		alias := aliasF.answer()
		if alias == "alias/" {
			alias = ""
		}
		if alias != "" && !strings.HasPrefix(alias, "alias/") {
			alias = "alias/" + alias // typing "demo" over the selected prefix
		}
		if alias != "" {
			if err := actions.CheckAliasName(alias); err != nil {
				return nil, err.Error()
			}
		}
		a := &actions.CreateKey{KeySpec: spec.answer(), KeyUsage: usage.answer(), Alias: alias, Description: desc.answer()}
		name := alias
		if name == "" {
			name = "new key"
		}
		return startJobMsg{action: a, meta: jobMeta{Title: "create " + name,
			Flow: flowSpec{Mode: flowKMS, Upload: true, Subject: "CreateKey " + name}, Refresh: refreshKeys}}, ""
	}
	return f.init()
}

// newScheduleDeletionForm asks for the waiting period before deleting.
func newScheduleDeletionForm(c *Common, row KeyRow) *form {
	f := newForm(c, "Schedule the deletion of "+row.Name(), "After the waiting period KMS deletes the key material for good: "+
		"every object, data key and ciphertext encrypted under it becomes unreadable. Until then the key is unusable and "+
		"the deletion can be cancelled (u). Consider disabling it instead.", "schedule deletion")
	f.danger = true
	days := f.text("Waiting period", "", "7–30", "days, 7 to 30").prefill(strconv.Itoa(actions.DefaultDeletionDays))
	f.submit = func() (tea.Msg, string) {
		d, err := strconv.Atoi(days.answer())
		if err != nil || d < actions.MinDeletionDays || d > actions.MaxDeletionDays {
			return nil, "the waiting period is 7 to 30 days"
		}
		return startJobMsg{action: &actions.ScheduleKeyDeletion{KeyID: row.ID, Days: d},
			meta: keyJob(fmt.Sprintf("schedule deletion of %s in %d days", row.Name(), d), row)}, ""
	}
	return f.init()
}

// newDataKeyForm asks how to hand out a new data key.
func newDataKeyForm(c *Common, row KeyRow) *form {
	f := newForm(c, "Generate a data key under "+row.Name(), "KMS returns the key twice: in plaintext, to encrypt with and "+
		"then wipe, and encrypted under "+row.Name()+", to store beside the data. Only KMS can turn the second back into the first.", "generate")
	spec := f.choice("Key size", []string{"AES-256", "AES-128"}, []string{"AES_256", "AES_128"}, 0, "")
	plain := f.choice("Plaintext key", []string{"show it here", "save to a file"}, []string{"show", "save"}, 0,
		"showing puts the key on screen; it is wiped from memory when the dialog closes")
	out := f.text("Plaintext file", "", "datakey.bin", "written with mode 0600, never overwritten")
	out.show = func() bool { return plain.value() == "save" }
	encOut := f.text("Encrypted file", "", "datakey.enc", "optional: the encrypted key, raw bytes (0600)")
	f.submit = func() (tea.Msg, string) {
		g := &actions.GenerateDataKey{KeyID: row.ARN, KeySpec: spec.answer(), Out: out.answer(), EncryptedOut: encOut.answer()}
		if plain.answer() == "save" && g.Out == "" {
			return nil, "name the file for the plaintext key"
		}
		meta := jobMeta{Title: "generate a data key under " + row.Name(), Refresh: refreshNone,
			Flow: flowSpec{Mode: flowKMS, Upload: true, Subject: "GenerateDataKey " + row.Name(), KeyName: row.Name()}}
		meta.OnDone = func(res any) any {
			r, ok := res.(actions.GenerateDataKeyResult)
			if !ok {
				return nil
			}
			return openDialogMsg{d: newDataKeyInfo(c, row, r)}
		}
		return startJobMsg{action: g, meta: meta}, ""
	}
	return f.init()
}

// newDataKeyInfo shows a generated data key. The plaintext is wiped when
// the dialog closes.
func newDataKeyInfo(c *Common, row KeyRow, r actions.GenerateDataKeyResult) *info {
	st := c.Styles
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s\n", st.Label.Render("KMS key  "), r.KeyARN)
	fmt.Fprintf(&b, "%s %d bytes (%d-bit)\n", st.Label.Render("data key "), r.Bytes, 8*r.Bytes)
	if r.Plaintext != nil && !r.Plaintext.Wiped() {
		b.WriteString(st.Label.Render("plaintext") + " " + st.Secret.Render(base64.StdEncoding.EncodeToString(r.Plaintext.Bytes())) + "\n")
		b.WriteString(st.Hint.Render(wrap("Use it, then forget it: "+actions.PrintingWarning+".", 90)) + "\n")
	} else if r.PlaintextFile != "" {
		b.WriteString(st.Label.Render("plaintext") + " saved to " + r.PlaintextFile + " (0600)\n")
	}
	enc := base64.StdEncoding.EncodeToString(r.CiphertextBlob)
	b.WriteString(st.Label.Render("encrypted") + " " + st.Key.Render(wrap(enc, 80)) + "\n")
	if r.EncryptedFile != "" {
		b.WriteString(st.Label.Render("          ") + " saved to " + r.EncryptedFile + "\n")
	}
	b.WriteString("\n" + st.Hint.Render("Store the encrypted key beside your data; aws kms decrypt turns it back into the plaintext key."))
	d := newInfo(c, "Data key from "+row.Name(), b.String())
	d.copy, d.copyIs = enc, "copy the encrypted key"
	key := r.Plaintext
	d.onExit = func() {
		if key != nil {
			key.Wipe()
		}
	}
	return d
}

// newCryptForm asks for a file to encrypt or decrypt directly with KMS.
func newCryptForm(c *Common, row KeyRow, encrypt bool) *form {
	verb := "Decrypt"
	intro := "KMS decrypts a ciphertext it made (at most 6 KiB). A symmetric ciphertext names its key; an RSA one needs it."
	if encrypt {
		verb = "Encrypt"
		intro = "KMS encrypts at most 4096 bytes directly (an RSA key far less): keys never encrypt data in bulk. " +
			"For anything larger use envelope encryption: a data key (d) or an upload with SSE-KMS."
	}
	f := newForm(c, verb+" a file with "+row.Name(), intro, strings.ToLower(verb))
	in := f.text("Input file", "", "secret.txt", "ctrl+o to browse")
	in.file = true
	out := f.text("Output file", "", "secret.txt.kms", "written with mode 0600; existing files are kept")
	ctxF := f.text("Context", "", "purpose=demo", "optional encryption context: k=v,k2=v2 (needed again to decrypt)")
	f.onPick = func(fl *field, path string) {
		if fl == in && out.value() == "" {
			suffix := ".kms"
			if !encrypt {
				suffix = ".out"
			}
			out.prefill(strings.TrimSuffix(path, ".kms") + suffix)
		}
	}
	f.submit = func() (tea.Msg, string) {
		in, out := in.answer(), out.answer()
		if in == "" || out == "" {
			return nil, "name both the input and the output file"
		}
		ctx, err := parseContext(ctxF.answer())
		if err != nil {
			return nil, err.Error()
		}
		var a actions.Action = &actions.KMSDecrypt{KeyID: row.ARN, In: in, Out: out, Context: ctx}
		if encrypt {
			a = &actions.KMSEncrypt{KeyID: row.ARN, In: in, Out: out, Context: ctx}
		}
		return startJobMsg{action: a, meta: jobMeta{Title: strings.ToLower(verb) + " " + in,
			Flow: flowSpec{Mode: flowKMS, Upload: true, Subject: verb + " " + in, KeyName: row.Name()}}}, ""
	}
	return f.init()
}

// parseContext reads "k=v,k2=v2".
func parseContext(s string) (map[string]string, error) {
	if strings.TrimSpace(s) == "" {
		return nil, nil
	}
	m := map[string]string{}
	for _, kv := range strings.Split(s, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(kv), "=")
		if !ok || k == "" {
			return nil, fmt.Errorf("write the context as key=value pairs separated by commas")
		}
		m[k] = v
	}
	return m, nil
}
