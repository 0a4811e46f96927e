package ui

import (
	"strings"

	"charm.land/lipgloss/v2"

	"github.com/s3crypt/s3crypt/keyflow"
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
		if s.Err != "" {
			continue // refused: it produced no key
		}
		switch s.Op {
		case keyflow.OpGenerateDataKey, keyflow.OpDecrypt:
			k.kmsKey, k.plainKey, k.wiped = true, true, false
			k.wrapped = k.wrapped || s.Op == keyflow.OpGenerateDataKey
		case keyflow.OpGenerateDataKeyWithoutPlaintext, keyflow.OpEncrypt:
			k.kmsKey, k.wrapped = true, true
		case keyflow.OpBucketKeyCreated, keyflow.OpBucketKeyReused:
			k.bucketKey, k.kmsKey = true, true
		case keyflow.OpDataKeyGenerated, keyflow.OpDataKeyUnwrapped:
			k.plainKey, k.wiped = true, false
		case keyflow.OpDataKeyWrapped, keyflow.OpStored:
			k.wrapped = true
			k.ciphertext = k.ciphertext || s.Op == keyflow.OpStored
		case keyflow.OpEncryptData, keyflow.OpLocalEncrypt:
			k.ciphertext = true
		case keyflow.OpDecryptData, keyflow.OpLocalDecrypt:
			k.plain = true
		case keyflow.OpDataKeyWiped, keyflow.OpLocalWipe:
			k.wiped = true
		case keyflow.OpKeyChecked, keyflow.OpKeyLoaded, keyflow.OpKeySaved, keyflow.OpSSECKeyChecked:
			k.customerKey = true
		case keyflow.OpSSECKeyForgotten:
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
		case lipgloss.Width(line)+2+lipgloss.Width(p) <= width:
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
