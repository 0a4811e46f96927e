package ui

import (
	"strings"

	"github.com/s3crypt/s3crypt/actions"
	"github.com/s3crypt/s3crypt/sandbox/trace"
	"github.com/s3crypt/s3crypt/ui/styles"
)

// keyState is what the flow has done with each key so far.
type keyState struct {
	kmsKey, bucketKey, plainKey, wiped, wrapped bool
	customerKey, forgotten, ciphertext, plain   bool
	kmsARN                                      string
}

// keysSeen replays the lit steps into the keys' states.
func keysSeen(v flowView) keyState {
	var k keyState
	if !v.Spec.Upload {
		k.wrapped, k.ciphertext = v.Spec.Mode != flowSSEC && v.Spec.Mode != flowKMS, v.Spec.Mode != flowKMS
	}
	for i, s := range v.Steps {
		if i >= v.Shown {
			break
		}
		if s.KeyARN != "" && k.kmsARN == "" {
			k.kmsARN = s.KeyARN
		}
		switch s.Op {
		case string(trace.OpGenerateDataKey), string(trace.OpDecrypt):
			k.kmsKey, k.plainKey, k.wiped = true, true, false
			k.wrapped = k.wrapped || s.Op == string(trace.OpGenerateDataKey)
		case string(trace.OpGenerateDataKeyWithoutPlaintext), string(trace.OpEncrypt):
			k.kmsKey, k.wrapped = true, true
		case string(trace.OpBucketKeyCreated), string(trace.OpBucketKeyReused):
			k.bucketKey, k.kmsKey = true, true
		case string(trace.OpDataKeyGenerated), string(trace.OpDataKeyUnwrapped):
			k.plainKey, k.wiped = true, false
		case string(trace.OpDataKeyWrapped), string(trace.OpStored):
			k.wrapped = true
			k.ciphertext = k.ciphertext || s.Op == string(trace.OpStored)
		case string(trace.OpEncryptData), actions.OpLocalEncrypt:
			k.ciphertext = true
		case string(trace.OpDecryptData), actions.OpLocalDecrypt:
			k.plain = true
		case string(trace.OpDataKeyWiped), actions.OpLocalWipe:
			k.wiped = true
		case actions.OpKeyChecked, actions.OpKeyLoaded, actions.OpKeySaved, string(trace.OpSSECKeyChecked):
			k.customerKey = true
		case string(trace.OpSSECKeyForgotten):
			k.forgotten = true
		}
	}
	return k
}

// flowChips draws the keys of the diagram and their state: lit when they
// exist, the plaintext data key struck through once wiped.
func flowChips(st *styles.Styles, v flowView, width int) string {
	if v.Spec.Mode == flowS3 {
		return ""
	}
	k := keysSeen(v)
	chip := func(on bool, style func(...string) string, s string) string {
		if !on {
			return st.ChipOff.Render(styles.IconPending + " " + s)
		}
		return style(styles.IconLit + " " + s)
	}
	var parts []string
	m := v.Spec.Mode
	if m.usesKMS() {
		name := v.Spec.KeyName
		if name == "" {
			name = shortARN(k.kmsARN)
		}
		if name == "" {
			name = "aws/s3"
		}
		parts = append(parts, chip(k.kmsKey, st.KMS.Render, "KMS key "+name))
	}
	if m == flowSSES3 {
		parts = append(parts, chip(true, st.S3.Render, "S3 root key"))
	}
	if m == flowSSEKMSBucketKey {
		parts = append(parts, chip(k.bucketKey, st.Key.Render, "bucket key"))
	}
	if m == flowSSEC {
		label := "your key"
		if k.forgotten {
			label += " (S3 forgot it)"
		}
		parts = append(parts, chip(k.customerKey, st.EncSSEC.Render, label))
	}
	if m == flowKMS && !k.plainKey && !k.wrapped {
		return packChips(parts, width)
	}
	switch {
	case k.wiped:
		parts = append(parts, st.KeyWiped.Render(styles.IconWiped+" data key (plaintext) wiped"))
	default:
		parts = append(parts, chip(k.plainKey, st.Plaintext.Render, "data key (plaintext)"))
	}
	if m != flowSSEC {
		parts = append(parts, chip(k.wrapped, st.Key.Render, "data key (encrypted)"))
	}
	if m != flowKMS {
		parts = append(parts, chip(k.ciphertext, st.Ciphertext.Render, "ciphertext"))
	}
	if !v.Spec.Upload && m != flowKMS {
		parts = append(parts, chip(k.plain, st.Plaintext.Render, "plaintext to you"))
	}
	return packChips(parts, width)
}

// packChips lays chips out on as few lines as fit width.
func packChips(parts []string, width int) string {
	var lines []string
	line := ""
	for _, p := range parts {
		switch {
		case line == "":
			line = p
		case len([]rune(stripWidth(line)))+2+len([]rune(stripWidth(p))) <= width:
			line += "  " + p
		default:
			lines = append(lines, fit(line, width))
			line = p
		}
	}
	if line != "" {
		lines = append(lines, fit(line, width))
	}
	return strings.Join(lines, "\n")
}
