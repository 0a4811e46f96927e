package ui

import (
	"fmt"
	"strings"

	"github.com/s3crypt/s3crypt/actions"
	"github.com/s3crypt/s3crypt/sandbox/trace"
)

// flowMode is which envelope diagram a job draws.
type flowMode int

// The diagrams.
const (
	flowNone flowMode = iota
	flowSSES3
	flowSSEKMS
	flowSSEKMSBucketKey
	flowDSSEKMS
	flowSSEC
	flowClientSide
	flowKMS // a direct KMS operation (keys, data keys, encrypt/decrypt)
	flowS3  // a plain S3 request (buckets, deletes)
)

func (m flowMode) String() string {
	switch m {
	case flowSSES3:
		return "SSE-S3"
	case flowSSEKMS:
		return "SSE-KMS"
	case flowSSEKMSBucketKey:
		return "SSE-KMS + bucket key"
	case flowDSSEKMS:
		return "DSSE-KMS"
	case flowSSEC:
		return "SSE-C"
	case flowClientSide:
		return "client-side"
	case flowKMS:
		return "KMS"
	case flowS3:
		return "S3"
	}
	return "—"
}

// usesKMS reports whether the mode's keys live in KMS.
func (m flowMode) usesKMS() bool {
	return m == flowSSEKMS || m == flowSSEKMSBucketKey || m == flowDSSEKMS || m == flowClientSide || m == flowKMS
}

// flowModeOf picks the diagram for an object's (or request's) encryption.
func flowModeOf(mode string, bucketKey bool) flowMode {
	switch mode {
	case "SSE-S3", actions.SSES3:
		return flowSSES3
	case "SSE-KMS", actions.SSEKMS:
		if bucketKey {
			return flowSSEKMSBucketKey
		}
		return flowSSEKMS
	case "DSSE-KMS", actions.DSSEKMS:
		return flowDSSEKMS
	case "SSE-C":
		return flowSSEC
	case "client-side":
		return flowClientSide
	}
	return flowSSES3
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
	actor, to actions.Actor
	op        string
}

func req(to actions.Actor, op string) tmpl { return tmpl{actions.You, to, op} }
func s3do(op trace.Op) tmpl                { return tmpl{actions.S3, "", string(op)} }
func kmsFor(to actions.Actor, op trace.Op) tmpl {
	return tmpl{actions.KMS, to, string(op)}
}

var (
	tRequest  = req(actions.S3, actions.OpRequest)
	tResponse = tmpl{actions.S3, actions.You, actions.OpResponse}
)

// template is the steps a mode is expected to take, before they happen.
func template(spec flowSpec) []tmpl {
	up := spec.Upload
	switch spec.Mode {
	case flowSSES3:
		if up {
			return []tmpl{tRequest, s3do(trace.OpDataKeyGenerated), s3do(trace.OpDataKeyWrapped), s3do(trace.OpEncryptData),
				s3do(trace.OpDataKeyWiped), s3do(trace.OpStored), tResponse}
		}
		return []tmpl{tRequest, s3do(trace.OpDataKeyUnwrapped), s3do(trace.OpDecryptData), s3do(trace.OpDataKeyWiped), tResponse}
	case flowSSEKMS, flowDSSEKMS:
		n := 1
		if spec.Mode == flowDSSEKMS {
			n = 2
		}
		op, work := trace.OpGenerateDataKey, trace.OpEncryptData
		if !up {
			op, work = trace.OpDecrypt, trace.OpDecryptData
		}
		t := []tmpl{tRequest}
		for range n {
			t = append(t, kmsFor(actions.S3, op))
		}
		t = append(t, s3do(work), s3do(trace.OpDataKeyWiped))
		if up {
			t = append(t, s3do(trace.OpStored))
		}
		return append(t, tResponse)
	case flowSSEKMSBucketKey:
		if up {
			return []tmpl{tRequest, kmsFor(actions.S3, trace.OpGenerateDataKey), s3do(trace.OpBucketKeyCreated), s3do(trace.OpDataKeyGenerated),
				s3do(trace.OpEncryptData), s3do(trace.OpDataKeyWiped), s3do(trace.OpStored), tResponse}
		}
		return []tmpl{tRequest, s3do(trace.OpBucketKeyReused), s3do(trace.OpDataKeyUnwrapped), s3do(trace.OpDecryptData),
			s3do(trace.OpDataKeyWiped), tResponse}
	case flowSSEC:
		if up {
			return []tmpl{{actions.You, "", actions.OpKeyChecked}, tRequest, s3do(trace.OpSSECKeyChecked), s3do(trace.OpDataKeyGenerated),
				s3do(trace.OpEncryptData), s3do(trace.OpDataKeyWiped), s3do(trace.OpSSECKeyForgotten), s3do(trace.OpStored), tResponse}
		}
		return []tmpl{tRequest, s3do(trace.OpSSECKeyChecked), s3do(trace.OpDataKeyUnwrapped), s3do(trace.OpDecryptData),
			s3do(trace.OpDataKeyWiped), tResponse}
	case flowS3:
		return []tmpl{tRequest, tResponse}
	case flowKMS:
		return []tmpl{req(actions.KMS, actions.OpRequest), {actions.KMS, actions.You, actions.OpResponse}}
	case flowClientSide:
		if up {
			return []tmpl{kmsFor(actions.You, trace.OpGenerateDataKey), {actions.You, "", actions.OpLocalEncrypt},
				{actions.You, "", actions.OpLocalWipe}, tRequest, s3do(trace.OpEncryptData), s3do(trace.OpStored), tResponse}
		}
		return []tmpl{tRequest, s3do(trace.OpDecryptData), tResponse, kmsFor(actions.You, trace.OpDecrypt),
			{actions.You, "", actions.OpLocalDecrypt}, {actions.You, "", actions.OpLocalWipe}}
	}
	return nil
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
	switch trace.Op(s.Op) {
	case trace.OpDataKeyGenerated:
		if strings.Contains(s.Detail, "bucket key") {
			return "data key from bucket key"
		}
		return "new data key"
	case trace.OpDataKeyWrapped:
		return "wrap data key"
	case trace.OpDataKeyUnwrapped:
		return "unwrap data key"
	case trace.OpBucketKeyCreated:
		return "bucket key cached"
	case trace.OpBucketKeyReused:
		return "reuse bucket key, no KMS"
	case trace.OpEncryptData:
		if s.Bytes <= 0 {
			return "encrypt AES-256-GCM"
		}
		return "encrypt " + strings.TrimSpace(bytesLabel(s.Bytes))
	case trace.OpDecryptData:
		return "decrypt " + bytesLabel(s.Bytes)
	case trace.OpDataKeyWiped:
		return "wipe plaintext key"
	case trace.OpSSECKeyChecked:
		return "check key MD5 + HMAC"
	case trace.OpSSECKeyRejected:
		return "key rejected"
	case trace.OpSSECKeyForgotten:
		return "forget your key"
	case trace.OpStored:
		return "store ciphertext"
	case trace.OpRequestRejected:
		return "request rejected"
	case trace.OpManagedKeyCreated:
		return "create aws/s3 key"
	}
	switch s.Op {
	case actions.OpKeyChecked:
		return "MD5 of your key"
	case actions.OpLocalEncrypt:
		return "encrypt locally"
	case actions.OpLocalDecrypt:
		return "decrypt locally"
	case actions.OpLocalWipe:
		return "wipe plaintext key"
	case actions.OpKeySaved:
		return "saved (0600)"
	case actions.OpKeyLoaded:
		return "key read from file"
	}
	if s.Title != "" {
		return s.Title
	}
	return s.Op
}

// kmsAnswer is what KMS hands back for an operation, on the return arrow.
func kmsAnswer(op string) string {
	switch trace.Op(op) {
	case trace.OpGenerateDataKey:
		return "data key: plaintext + encrypted"
	case trace.OpGenerateDataKeyWithoutPlaintext:
		return "encrypted data key"
	case trace.OpDecrypt:
		return "plaintext data key"
	case trace.OpEncrypt:
		return "ciphertext blob"
	case trace.OpReEncrypt:
		return "re-encrypted blob"
	case trace.OpCreateKey:
		return "key id + ARN"
	}
	return "ok"
}

// isKMSCall reports whether a step is a KMS request (counted).
func isKMSCall(s actions.Step) bool {
	return s.Actor == actions.KMS && s.Observed && s.Op != string(trace.OpManagedKeyCreated)
}

func bytesLabel(n int64) string {
	if n <= 0 {
		return ""
	}
	return humanSize(n) + " "
}
