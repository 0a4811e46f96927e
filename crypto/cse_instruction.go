package crypto

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"strings"
)

// Instruction files (SSE-SPEC §6.1): the envelope, or part of it, in a
// separate object KEY.instruction whose whole body is the JSON of those
// metadata keys. Format V2 puts everything there; V3 keeps x-amz-c, x-amz-d
// and x-amz-i in the object's metadata and puts the wrapped key, its
// algorithm and its material description or context there (which lets the
// data key be re-wrapped without rewriting the object). Writing one is
// always opt-in; S3EC Go v4 reads them but does not write them.

// InstructionSuffix is appended to an object's key to name its
// instruction file.
const InstructionSuffix = ".instruction"

// InstructionFileMetadata marks an instruction file object, as S3EC Java
// does (x-amz-crypto-instr-file, empty).
const InstructionFileMetadata = "x-amz-crypto-instr-file"

// v3ObjectKeys stay in the object's metadata with a V3 instruction file.
var v3ObjectKeys = []string{MetaV3CEKAlg, MetaV3Commitment, MetaV3MessageID}

// SplitInstruction returns the envelope as an instruction file: the
// metadata that stays on the object and the instruction file's body.
func (e Envelope) SplitInstruction() (objectMeta map[string]string, instruction []byte, err error) {
	all := e.Metadata()
	objectMeta = map[string]string{}
	if v, ok := all[MetaUnencryptedLen]; ok {
		objectMeta[MetaUnencryptedLen] = v
		delete(all, MetaUnencryptedLen)
	}
	if e.Format == FormatV3 {
		for _, k := range v3ObjectKeys {
			objectMeta[k] = all[k]
			delete(all, k)
		}
	}
	instruction, err = json.Marshal(all)
	return objectMeta, instruction, err
}

// MergeInstruction adds an instruction file's keys to an object's metadata
// (keys with or without x-amz-meta-) and returns the envelope metadata to
// parse. A V3 instruction file may not carry x-amz-c, x-amz-d or x-amz-i
// (they belong to the object), and no key may be in both places.
func MergeInstruction(meta map[string]string, instruction []byte) (map[string]string, error) {
	var raw map[string]json.RawMessage
	dec := json.NewDecoder(bytes.NewReader(instruction))
	if err := dec.Decode(&raw); err != nil || raw == nil {
		return nil, fmt.Errorf("%w: the instruction file is not a JSON object", ErrBadEnvelope)
	}
	merged := normaliseMeta(meta)
	out := maps.Clone(merged)
	for k, v := range raw {
		k = strings.ToLower(k)
		var s string
		if err := json.Unmarshal(v, &s); err != nil {
			// S3EC readers accept the length as a JSON number.
			var n json.Number
			if k != MetaUnencryptedLen || json.Unmarshal(v, &n) != nil {
				return nil, fmt.Errorf("%w: instruction file key %s is not a string", ErrBadEnvelope, k)
			}
			s = n.String()
		}
		if _, dup := merged[k]; dup && envelopeNames[k] != "" {
			return nil, fmt.Errorf("%w: %s is both in the object's metadata and in its instruction file", ErrBadEnvelope, k)
		}
		out[k] = s
	}
	if _, v3 := raw[MetaV3Key]; v3 {
		for _, k := range v3ObjectKeys {
			if _, in := raw[k]; in {
				return nil, fmt.Errorf("%w: a V3 instruction file may not hold %s (it belongs in the object's metadata)", ErrBadEnvelope, k)
			}
		}
	}
	return out, nil
}

// NeedsInstruction reports whether an object's metadata holds only the
// object-side part of a V3 envelope (x-amz-c and x-amz-i without x-amz-3):
// the rest is in its instruction file.
func NeedsInstruction(meta map[string]string) bool {
	m := normaliseMeta(meta)
	_, c := m[MetaV3CEKAlg]
	_, i := m[MetaV3MessageID]
	_, k3 := m[MetaV3Key]
	_, k2 := m[MetaKeyV2]
	_, k1 := m[MetaKeyV1]
	return c && i && !k3 && !k2 && !k1
}
