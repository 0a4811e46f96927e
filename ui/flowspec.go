package ui

import (
	"fmt"
	"strings"

	"github.com/s3crypt/s3crypt/actions"
	"github.com/s3crypt/s3crypt/keyflow"
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
	actor, to keyflow.Actor
	op        keyflow.Op
}

func req(to keyflow.Actor, op keyflow.Op) tmpl { return tmpl{keyflow.You, to, op} }
func s3do(op keyflow.Op) tmpl                  { return tmpl{keyflow.S3, "", op} }
func kmsFor(to keyflow.Actor, op keyflow.Op) tmpl {
	return tmpl{keyflow.KMS, to, op}
}

var (
	tRequest  = req(keyflow.S3, keyflow.OpRequest)
	tResponse = tmpl{keyflow.S3, keyflow.You, keyflow.OpResponse}
)

// template is the steps a mode is expected to take, before they happen.
func template(spec flowSpec) []tmpl {
	up := spec.Upload
	switch spec.Mode {
	case flowSSES3:
		if up {
			return []tmpl{tRequest, s3do(keyflow.OpDataKeyGenerated), s3do(keyflow.OpDataKeyWrapped), s3do(keyflow.OpEncryptData),
				s3do(keyflow.OpDataKeyWiped), s3do(keyflow.OpStored), tResponse}
		}
		return []tmpl{tRequest, s3do(keyflow.OpDataKeyUnwrapped), s3do(keyflow.OpDecryptData), s3do(keyflow.OpDataKeyWiped), tResponse}
	case flowSSEKMS, flowDSSEKMS:
		n := 1
		if spec.Mode == flowDSSEKMS {
			n = 2
		}
		op, work := keyflow.OpGenerateDataKey, keyflow.OpEncryptData
		if !up {
			op, work = keyflow.OpDecrypt, keyflow.OpDecryptData
		}
		t := []tmpl{tRequest}
		for range n {
			t = append(t, kmsFor(keyflow.S3, op))
		}
		t = append(t, s3do(work), s3do(keyflow.OpDataKeyWiped))
		if up {
			t = append(t, s3do(keyflow.OpStored))
		}
		return append(t, tResponse)
	case flowSSEKMSBucketKey:
		if up {
			return []tmpl{tRequest, kmsFor(keyflow.S3, keyflow.OpGenerateDataKey), s3do(keyflow.OpBucketKeyCreated), s3do(keyflow.OpDataKeyGenerated),
				s3do(keyflow.OpEncryptData), s3do(keyflow.OpDataKeyWiped), s3do(keyflow.OpStored), tResponse}
		}
		return []tmpl{tRequest, s3do(keyflow.OpBucketKeyReused), s3do(keyflow.OpDataKeyUnwrapped), s3do(keyflow.OpDecryptData),
			s3do(keyflow.OpDataKeyWiped), tResponse}
	case flowSSEC:
		if up {
			return []tmpl{{keyflow.You, "", keyflow.OpKeyChecked}, tRequest, s3do(keyflow.OpSSECKeyChecked), s3do(keyflow.OpDataKeyGenerated),
				s3do(keyflow.OpEncryptData), s3do(keyflow.OpDataKeyWiped), s3do(keyflow.OpSSECKeyForgotten), s3do(keyflow.OpStored), tResponse}
		}
		return []tmpl{tRequest, s3do(keyflow.OpSSECKeyChecked), s3do(keyflow.OpDataKeyUnwrapped), s3do(keyflow.OpDecryptData),
			s3do(keyflow.OpDataKeyWiped), tResponse}
	case flowS3:
		return []tmpl{tRequest, tResponse}
	case flowKMS:
		return []tmpl{req(keyflow.KMS, keyflow.OpRequest), {keyflow.KMS, keyflow.You, keyflow.OpResponse}}
	case flowClientSide:
		if up {
			return []tmpl{kmsFor(keyflow.You, keyflow.OpGenerateDataKey), {keyflow.You, "", keyflow.OpLocalEncrypt},
				{keyflow.You, "", keyflow.OpLocalWipe}, tRequest, s3do(keyflow.OpEncryptData), s3do(keyflow.OpStored), tResponse}
		}
		return []tmpl{tRequest, s3do(keyflow.OpDecryptData), tResponse, kmsFor(keyflow.You, keyflow.OpDecrypt),
			{keyflow.You, "", keyflow.OpLocalDecrypt}, {keyflow.You, "", keyflow.OpLocalWipe}}
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

// kmsAnswer is what KMS hands back for an operation, on the return arrow.
func kmsAnswer(op keyflow.Op) string {
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

// isKMSCall reports whether a step is a KMS request (counted).
func isKMSCall(s actions.Step) bool {
	return s.Actor == keyflow.KMS && s.Observed && s.Op != keyflow.OpManagedKeyCreated
}

func bytesLabel(n int64) string {
	if n <= 0 {
		return ""
	}
	return humanSize(n) + " "
}
