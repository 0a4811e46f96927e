package ui

import (
	"strings"

	"charm.land/lipgloss/v2"

	"github.com/charmbracelet/x/ansi"

	"github.com/s3crypt/s3crypt/keyflow"
	"github.com/s3crypt/s3crypt/modes"
	"github.com/s3crypt/s3crypt/ui/styles"
)

// keyState is what the flow has done with each key so far.
type keyState struct {
	kmsKey, bucketKey, plainKey, wiped, wrapped bool
	customerKey, forgotten, ciphertext, plain   bool
	dataKeys                                    int // data keys KMS handed out (DSSE-KMS: two)
	kmsARN                                      string
	kmsOp                                       keyflow.Op // the direct KMS operation (flowKMS)
}

// keysSeen replays the lit steps into the keys' states.
func keysSeen(v flowView) keyState {
	var k keyState
	if !v.Spec.Upload {
		k.wrapped, k.ciphertext = v.Spec.Mode != flowMode(modes.SSEC) && v.Spec.Mode != flowKMS, v.Spec.Mode != flowKMS
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
		if s.Actor == keyflow.KMS && s.Op != keyflow.OpResponse && k.kmsOp == "" {
			k.kmsOp = s.Op
		}
		switch s.Op {
		case keyflow.OpGenerateDataKey, keyflow.OpDecrypt:
			k.kmsKey, k.plainKey, k.wiped = true, true, false
			k.dataKeys++
			k.wrapped = k.wrapped || s.Op == keyflow.OpGenerateDataKey
		case keyflow.OpGenerateDataKeyWithoutPlaintext:
			k.kmsKey, k.wrapped = true, true
		case keyflow.OpEncrypt:
			k.kmsKey = true
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
// exist, the plaintext data key struck through once wiped. The keys are
// the mode's legend in the modes table.
func flowChips(st *styles.Styles, v flowView, width int) string {
	k := keysSeen(v)
	var parts []string
	switch md := v.Spec.Mode.mode(); {
	case md != nil:
		for _, c := range md.Chips {
			if c == modes.ChipPlaintextOut && v.Spec.Upload {
				continue
			}
			parts = append(parts, chip(st, v, k, c))
		}
	case v.Spec.Mode == flowKMS:
		parts = kmsChips(st, v, k)
	}
	return packChips(parts, width)
}

// lit renders a chip that exists (on) or is still to come.
func lit(st *styles.Styles, on bool, style func(...string) string, s string) string {
	if !on {
		return st.ChipOff.Render(styles.IconPending + " " + s)
	}
	return style(styles.IconLit + " " + s)
}

// chip renders one legend chip in its state.
func chip(st *styles.Styles, v flowView, k keyState, c modes.Chip) string {
	switch c {
	case modes.ChipKMSKey:
		return lit(st, k.kmsKey, st.KMS.Render, "KMS key "+kmsKeyName(v, k))
	case modes.ChipS3RootKey:
		return lit(st, true, st.S3.Render, "S3 root key")
	case modes.ChipBucketKey:
		return lit(st, k.bucketKey, st.Key.Render, "bucket key")
	case modes.ChipCustomerKey:
		label := "your key"
		if k.forgotten {
			label += " (S3 forgot it)"
		}
		return lit(st, k.customerKey, st.EncSSEC.Render, label)
	case modes.ChipDataKey:
		name := "data key (plaintext)"
		if v.Spec.Mode == flowMode(modes.DSSEKMS) {
			name = "layer 1 data key (plaintext)"
		}
		if k.wiped {
			return st.KeyWiped.Render(styles.IconWiped + " " + name + " wiped")
		}
		return lit(st, k.plainKey, st.Plaintext.Render, name)
	case modes.ChipSecondDataKey:
		if k.wiped {
			return st.KeyWiped.Render(styles.IconWiped + " layer 2 data key (plaintext) wiped")
		}
		return lit(st, k.dataKeys >= 2, st.Plaintext.Render, "layer 2 data key (plaintext)")
	case modes.ChipWrappedKey:
		name := "data key (encrypted)"
		switch v.Spec.Mode {
		case flowMode(modes.SSEKMSBucketKey):
			name = "data key (wrapped by the bucket key)"
		case flowMode(modes.DSSEKMS):
			name = "2 data keys (encrypted)"
		}
		return lit(st, k.wrapped, st.Key.Render, name)
	case modes.ChipCiphertext:
		return lit(st, k.ciphertext, st.Ciphertext.Render, "ciphertext")
	case modes.ChipPlaintextOut:
		return lit(st, k.plain, st.Plaintext.Render, "plaintext to you")
	}
	return ""
}

// kmsKeyName is the KMS key as the person named it, else as S3 reported
// it; before either is known it says so rather than guess aws/s3.
func kmsKeyName(v flowView, k keyState) string {
	if v.Spec.KeyName != "" {
		return v.Spec.KeyName
	}
	if n := keyLabel(k.kmsARN, v.KeyNames); n != "" {
		return n
	}
	if m := v.Spec.Mode.mode(); m != nil && m.Key == modes.KeyCustomerKMS {
		return "(named in the envelope)"
	}
	return "(S3 names it)"
}

// kmsChips is the legend of a direct KMS operation: what it handed back.
func kmsChips(st *styles.Styles, v flowView, k keyState) []string {
	parts := []string{lit(st, k.kmsKey || k.kmsOp != "", st.KMS.Render, "KMS key "+kmsKeyName(v, k))}
	switch k.kmsOp {
	case keyflow.OpGenerateDataKey:
		if k.wiped {
			parts = append(parts, st.KeyWiped.Render(styles.IconWiped+" data key (plaintext) wiped"))
		} else {
			parts = append(parts, lit(st, k.plainKey, st.Plaintext.Render, "data key (plaintext)"))
		}
		parts = append(parts, lit(st, k.wrapped, st.Key.Render, "data key (encrypted)"))
	case keyflow.OpGenerateDataKeyWithoutPlaintext:
		parts = append(parts, lit(st, k.wrapped, st.Key.Render, "data key (encrypted only)"))
	case keyflow.OpEncrypt:
		parts = append(parts, lit(st, true, st.Ciphertext.Render, "ciphertext blob (KMS encrypted your data itself)"))
	case keyflow.OpDecrypt:
		parts = append(parts, lit(st, true, st.Plaintext.Render, "plaintext from the blob"))
	}
	return parts
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
			lines = append(lines, fitChips(line, width)...)
			line = p
		}
	}
	if line != "" {
		lines = append(lines, fitChips(line, width)...)
	}
	return strings.Join(lines, "\n")
}

// fitChips pads a line of chips to width, wrapping a chip wider than the
// line rather than cutting it.
func fitChips(line string, width int) []string {
	if lipgloss.Width(line) <= width {
		return []string{fit(line, width)}
	}
	var out []string
	for _, l := range strings.Split(ansi.Wrap(line, width, " "), "\n") {
		out = append(out, fit(l, width))
	}
	return out
}
