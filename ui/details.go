package ui

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"

	s3c "github.com/s3crypt/s3crypt/crypto"

	"charm.land/lipgloss/v2"

	"github.com/s3crypt/s3crypt/actions"
	"github.com/s3crypt/s3crypt/modes"
	"github.com/s3crypt/s3crypt/ui/styles"
)

// kv renders label: value lines, skipping empty values.
func kv(st *styles.Styles, w int, pairs ...string) string {
	var lines []string
	for i := 0; i+1 < len(pairs); i += 2 {
		if pairs[i+1] == "" {
			continue
		}
		lines = append(lines, fit(st.Label.Render(fmt.Sprintf("%-11s", pairs[i]))+" "+st.Value.Render(pairs[i+1]), w))
	}
	return strings.Join(lines, "\n")
}

func keyDetails(st *styles.Styles, r KeyRow, w int) string {
	if r.Owned {
		return st.S3.Render(r.Name()) + "\n" + st.Dim.Render(wrap(r.Description, w))
	}
	out := kv(st, w, "alias", strings.Join(r.Aliases, ", "), "key id", r.ID, "arn", r.ARN,
		"spec", r.Spec+" · "+r.Usage, "state", r.State, "manager", r.Manager, "rotation", r.Rotation,
		"description", r.Description, "created", fmtDate(r.Created))
	if r.State == "PendingDeletion" {
		out += "\n" + st.StatePending.Render(wrap("deleted on "+fmtDate(r.DeletionDate)+": everything encrypted under it is lost then — u cancels", w))
	}
	return out
}

func bucketDetails(st *styles.Styles, r BucketRow, names map[string]string, w int) string {
	e := r.Enc
	m := bucketDefault(e)
	mode, what := defaultLabel(m), ""
	if m != nil {
		what = "new objects that ask for nothing else: " + m.Explain
	}
	bk := "off"
	if e.BucketKey {
		bk = "on — S3 caches a bucket-level key and calls KMS far less"
	}
	ssec := "allowed"
	if e.SSECBlocked {
		ssec = "blocked (the 2026 default for new buckets)"
	}
	key := ""
	if m != nil && m.UsesKMS() {
		key = keyLabel(e.KMSKey, names)
		if key == "" {
			key = "aws/s3 (AWS managed)"
		}
	}
	policy := r.Policy.Summary
	if r.Policy.Err != "" {
		policy = "? " + r.Policy.Err
	}
	out := kv(st, w, "bucket", r.Name, "default", mode, "kms key", key, "bucket key", bk, "KMS cost", costPerMillion(e), "SSE-C", ssec, "policy", policy, "created", fmtDate(r.Created))
	for _, s := range r.Policy.Statements {
		out += "\n" + st.Dim.Render(fit("  "+s, w))
	}
	return out + "\n" + st.Dim.Render(wrap(what, w)) + "\n" + st.Hint.Render("enter opens · e edits the default")
}

func objectDetails(st *styles.Styles, bucket string, r ObjectRow, names map[string]string, sandbox bool, now time.Time, w int) string {
	if r.Folder {
		return kv(st, w, "prefix", "s3://"+bucket+"/"+r.Key) + "\n" + st.Hint.Render("enter opens the folder")
	}
	e := r.Enc
	bk := ""
	if e.BucketKey {
		bk = "on"
	}
	client, about := clientDetail(e)
	out := kv(st, w, "object", "s3://"+bucket+"/"+r.Key, "size", humanSize(r.Size), "modified", humanTime(r.Modified, now),
		"encryption", encBadge(st, e, names), "kms key", e.KMSKey, "bucket key", bk, "SSE-C md5", e.SSECKeyMD5, "client", client)
	if m := objectMode(e); m != nil && e.Known {
		out += "\n" + st.Dim.Render(wrap(m.Explain, w))
	}
	if about != "" {
		out += "\n" + st.Dim.Render(wrap(about, w))
	}
	hint := "i inspects · d downloads"
	if sandbox {
		hint = "i inspects, with what lies on the sandbox's disk · d downloads"
	}
	return out + "\n" + st.Hint.Render(hint)
}

// clientDetail is a client-side object's format, where its envelope is
// and how its data key is wrapped, in a line; and what the format is and
// who reads it, in a sentence ("" for other objects).
func clientDetail(e ObjectEnc) (line, about string) {
	if e.Client == "" {
		return "", ""
	}
	line = e.Client
	if k := modes.KeyringFor(e.ClientWrap); k != nil {
		line += " · " + k.Name + " (" + e.ClientWrap + ")"
	}
	about = actions.ClientSideDescription(e.ClientFormat, e.ClientLegacy)
	if e.ClientInstruction {
		line += " · envelope in its instruction file"
		about += "; its envelope is in KEY" + actions.InstructionSuffix + ", an object beside it"
	}
	return line, about + "; S3 holds ciphertext it cannot read"
}

func fmtDate(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format("2006-01-02 15:04 UTC")
}

// newInspectInfo shows everything known about an object's encryption,
// and on the sandbox what lies on its disk, laid out for the width the
// dialog gets.
func newInspectInfo(c *Common, in Inspection, names map[string]string) *info {
	d := newInfo(c, "Inspect s3://"+in.Bucket+"/"+in.Key, "")
	d.build = func(w int) string { return inspectBody(c, in, names, w) }
	return d
}

// inspectBody renders an inspection in w cells.
func inspectBody(c *Common, in Inspection, names map[string]string, w int) string {
	st := c.Styles
	var b strings.Builder
	b.WriteString(objectDetails(st, in.Bucket, ObjectRow{Key: in.Key, Size: in.Size, Enc: in.Enc}, names, false, c.Now(), w))
	b.WriteString("\n" + kv(st, w, "etag", in.ETag, "version", in.VersionID))
	if len(in.Metadata) > 0 {
		keys := make([]string, 0, len(in.Metadata))
		width := 0
		for k := range in.Metadata {
			keys = append(keys, k)
			width = max(width, lipgloss.Width(k))
		}
		sort.Strings(keys)
		b.WriteString("\n" + st.Bold.Render("metadata"))
		for _, k := range keys {
			b.WriteString("\n  " + st.Label.Render(fit(k, width)) + " " + fit(in.Metadata[k], w-width-3))
			if what := s3c.EnvelopeFieldMeaning(k); what != "" {
				b.WriteString("\n  " + strings.Repeat(" ", width+1) + st.Dim.Render(fit(what, w-width-3)))
			}
		}
	}
	if in.AtRest != nil {
		b.WriteString("\n\n" + atRestView(st, in, w))
	} else if in.AtRestErr != "" {
		b.WriteString("\n\n" + st.StatusError.Render(wrap("at rest: "+in.AtRestErr, w)))
	}
	return b.String()
}

// atRestView is the sandbox's view of the stored object.
func atRestView(st *styles.Styles, in Inspection, w int) string {
	a := in.AtRest
	var b strings.Builder
	b.WriteString(st.Bold.Render("At rest (sandbox disk)") + "\n")
	packages := int64(0)
	for _, p := range a.Parts {
		packages += p.Packages
	}
	b.WriteString(kv(st, w, "layer", fmt.Sprintf("%s, %d KiB packages × %d", a.Format, a.PackageSize>>10, packages),
		"stored", fmt.Sprintf("%s for %s of plaintext", humanSize(a.StoredSize), humanSize(a.Size))))
	for i, l := range a.Layers {
		line := fmt.Sprintf("%d bytes, wrapped by %s", l.WrappedKeyBytes, l.Wrapping)
		if l.KMSKeyARN != "" {
			line += " under " + keyLabel(l.KMSKeyARN, nil)
		}
		if l.BucketKeyBlobSize > 0 {
			line += " · bucket key"
		}
		b.WriteString("\n" + kvWrapped(st, w, fmt.Sprintf("data key %d", i+1), line))
		if len(l.Context) > 0 {
			ctx, _ := json.Marshal(l.Context) // a map of strings always marshals
			b.WriteString("\n" + kvWrapped(st, w, "  context", string(ctx)))
		}
	}
	if a.SSECHMAC != "" {
		b.WriteString("\n" + kv(st, w, "SSE-C", "only a salted HMAC of your key: "+a.SSECHMAC[:min(16, len(a.SSECHMAC))]+"…"))
	}
	for _, p := range a.Parts {
		b.WriteString("\n" + kv(st, w, fmt.Sprintf("bytes #%d", p.Number), st.Ciphertext.Render(spaced(p.FirstBytes, 16))+" … (ciphertext)"))
	}
	b.WriteString("\n" + st.Plaintext.Render("plaintext data key: "+a.PlaintextKey))
	return b.String()
}

// kvWrapped is one label: value line whose value wraps under itself.
func kvWrapped(st *styles.Styles, w int, label, value string) string {
	pad := strings.Repeat(" ", 12)
	lines := strings.Split(wrap(value, max(w-12, 8)), "\n")
	for i, l := range lines {
		lines[i] = pad + st.Value.Render(l)
	}
	lines[0] = st.Label.Render(fmt.Sprintf("%-11s", label)) + " " + strings.TrimPrefix(lines[0], pad)
	return strings.Join(lines, "\n")
}

// spaced groups a hex string in bytes, n at most.
func spaced(h string, n int) string {
	var parts []string
	for i := 0; i+1 < len(h) && len(parts) < n; i += 2 {
		parts = append(parts, h[i:i+2])
	}
	return strings.Join(parts, " ")
}
