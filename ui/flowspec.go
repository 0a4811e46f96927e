package ui

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/s3crypt/s3crypt/actions"
	"github.com/s3crypt/s3crypt/keyflow"
	"github.com/s3crypt/s3crypt/modes"
)

// flowMode is which envelope diagram a job draws: an encryption mode of
// the modes table, or one of the two diagrams of requests that encrypt
// nothing (a direct KMS operation, a plain S3 request).
type flowMode string

// The diagrams that are not encryption modes.
const (
	flowNone flowMode = ""
	flowKMS  flowMode = "kms" // a direct KMS operation (keys, data keys, encrypt/decrypt)
	flowS3   flowMode = "s3"  // a plain S3 request (buckets, deletes)
)

// flowOf is the diagram of an encryption mode.
func flowOf(m *modes.Mode) flowMode {
	if m == nil {
		return flowNone
	}
	return flowMode(m.ID)
}

// mode is the table's entry for the diagram (nil for KMS, S3 and none).
func (m flowMode) mode() *modes.Mode {
	if m == flowNone || m == flowKMS || m == flowS3 {
		return nil
	}
	return modes.Get(modes.ID(m))
}

func (m flowMode) String() string {
	switch m {
	case flowKMS:
		return "KMS"
	case flowS3:
		return "S3"
	}
	if md := m.mode(); md != nil {
		return md.Name
	}
	return "—"
}

// flowSpec says which diagram a job draws and for what.
type flowSpec struct {
	Mode    flowMode
	Upload  bool
	Subject string // "report.pdf", "alias/demo"
	KeyName string // the KMS key as the person named it
}

// Title is the flow pane's title for the spec.
func (f flowSpec) Title() string {
	dir := "download"
	if f.Upload {
		dir = "upload"
	}
	if f.Mode == flowKMS || f.Mode == flowS3 {
		return f.Subject
	}
	return fmt.Sprintf("%s %s · %s", f.Mode, dir, f.Subject)
}

// tmpl is one expected step of a diagram.
type tmpl struct {
	actor, to keyflow.Actor
	op        keyflow.Op
}

// template is the steps a diagram is expected to take, before they happen.
func template(spec flowSpec) []tmpl {
	switch spec.Mode {
	case flowS3:
		return []tmpl{{keyflow.You, keyflow.S3, keyflow.OpRequest}, {keyflow.S3, keyflow.You, keyflow.OpResponse}}
	case flowKMS:
		return []tmpl{{keyflow.You, keyflow.KMS, keyflow.OpRequest}, {keyflow.KMS, keyflow.You, keyflow.OpResponse}}
	}
	md := spec.Mode.mode()
	if md == nil {
		return nil
	}
	steps := md.Download
	if spec.Upload {
		steps = md.Upload
	}
	t := make([]tmpl, len(steps))
	for i, s := range steps {
		t[i] = tmpl{s.Actor, s.To, s.Op}
	}
	return t
}

// matchTemplate walks steps over the template and returns the expected
// steps that have not happened yet.
func matchTemplate(t []tmpl, steps []actions.Step) []tmpl {
	next := 0
	for _, s := range steps {
		for j := next; j < len(t); j++ {
			if t[j].op == s.Op && t[j].actor == s.Actor {
				next = j + 1
				break
			}
		}
	}
	return t[next:]
}

// stepLabel is a step's label on its arrow.
func stepLabel(s actions.Step) string {
	switch s.Op {
	case keyflow.OpDataKeyGenerated:
		if strings.Contains(s.Detail, "bucket key") {
			return "data key from bucket key"
		}
		return "new data key"
	case keyflow.OpDataKeyWrapped:
		return "wrap data key"
	case keyflow.OpDataKeyUnwrapped:
		return "unwrap data key"
	case keyflow.OpBucketKeyCreated:
		return "bucket key cached"
	case keyflow.OpBucketKeyReused:
		return "reuse bucket key, no KMS"
	case keyflow.OpEncryptData:
		if s.Bytes <= 0 {
			return "encrypt AES-256-GCM"
		}
		return "encrypt " + strings.TrimSpace(bytesLabel(s.Bytes))
	case keyflow.OpDecryptData:
		return "decrypt " + bytesLabel(s.Bytes)
	case keyflow.OpDataKeyWiped:
		return "wipe plaintext key"
	case keyflow.OpSSECKeyChecked:
		return "check key MD5 + HMAC"
	case keyflow.OpSSECKeyRejected:
		return "key rejected"
	case keyflow.OpSSECKeyForgotten:
		return "forget your key"
	case keyflow.OpStored:
		return "store ciphertext"
	case keyflow.OpRequestRejected:
		return "request rejected"
	case keyflow.OpManagedKeyCreated:
		return "create aws/s3 key"
	case keyflow.OpPolicyChecked:
		return policyLabel(s)
	}
	switch s.Op {
	case keyflow.OpKeyChecked:
		return "MD5 of your key"
	case keyflow.OpLocalEncrypt:
		return "encrypt locally"
	case keyflow.OpLocalDecrypt:
		return "decrypt locally"
	case keyflow.OpLocalWipe:
		return "wipe plaintext key"
	case keyflow.OpKeySaved:
		return "saved (0600)"
	case keyflow.OpKeyLoaded:
		return "key read from file"
	}
	if s.Title != "" {
		return s.Title
	}
	return string(s.Op)
}

var policyStatementRE = regexp.MustCompile(`"([^"]+)" \(statement \d+\)|(statement \d+)`)

// policyLabel is a bucket policy decision in a few words: which statement
// allowed or denied (by Sid, else its number), or that none applies.
func policyLabel(s actions.Step) string {
	text := s.Detail
	if s.Err != "" {
		text = s.Err
	}
	name := "a statement"
	if m := policyStatementRE.FindStringSubmatch(text); m != nil {
		name = m[1] + m[2]
	}
	switch {
	case s.Err != "":
		return "bucket policy: " + name + " denies"
	case strings.HasPrefix(text, "no statement"):
		return "bucket policy: no statement applies"
	}
	return "bucket policy: " + name + " allows"
}

// kmsAnswer is what KMS hands back for an operation, on the return arrow:
// with a bucket key, what KMS makes or opens is the bucket key itself.
func kmsAnswer(spec flowSpec, op keyflow.Op) string {
	if m := spec.Mode.mode(); m != nil && m.BucketKey {
		switch op {
		case keyflow.OpGenerateDataKey:
			return "bucket key: plaintext + encrypted"
		case keyflow.OpDecrypt:
			return "plaintext bucket key"
		}
	}
	switch op {
	case keyflow.OpGenerateDataKey:
		return "data key: plaintext + encrypted"
	case keyflow.OpGenerateDataKeyWithoutPlaintext:
		return "encrypted data key"
	case keyflow.OpDecrypt:
		return "plaintext data key"
	case keyflow.OpEncrypt:
		return "ciphertext blob"
	case keyflow.OpReEncrypt:
		return "re-encrypted blob"
	case keyflow.OpCreateKey:
		return "key id + ARN"
	}
	return "ok"
}

// isS3KMSCall reports whether a step is a KMS request S3 made for you, as
// observed (drawn ones are not counted: nobody saw them).
func isS3KMSCall(s actions.Step) bool {
	return s.Observed && s.To == keyflow.S3 && keyflow.IsKMSRequest(s.Actor, s.Op)
}

// isOwnKMSCall reports whether a step is a request you sent to KMS.
func isOwnKMSCall(s actions.Step) bool {
	return s.Actor == keyflow.You && s.To == keyflow.KMS && s.Op == keyflow.OpRequest
}

func bytesLabel(n int64) string {
	if n <= 0 {
		return ""
	}
	return humanSize(n) + " "
}
