package kms

import (
	"strconv"
	"time"
)

// How a key material version came to be (ListKeyRotations' RotationType).
const (
	RotationOnDemand  = "ON_DEMAND"
	RotationAutomatic = "AUTOMATIC"
)

// KeyRotation is one entry of ListKeyRotations: a material version of a
// symmetric key and how it came to be.
type KeyRotation struct {
	KeyARN        string
	KeyMaterialID string
	// State is CURRENT for the material new ciphertexts use, NON_CURRENT
	// for older ones (which still decrypt what they encrypted).
	State        string
	RotationDate time.Time
	// RotationType is RotationOnDemand or RotationAutomatic ("" for the
	// key's first material, listed only with all key material).
	RotationType string
}

// ListKeyRotationsOutput is one page of ListKeyRotations.
type ListKeyRotationsOutput struct {
	Rotations  []KeyRotation
	Truncated  bool
	NextMarker string
}

// ListKeyRotations lists a symmetric key's completed rotations, oldest
// first (allMaterial also lists the first material, as
// IncludeKeyMaterial=ALL_KEY_MATERIAL does). limit 0 means 100; the
// marker is the NextMarker of the previous page.
func (k *KMS) ListKeyRotations(c Call, keyID string, allMaterial bool, limit int, marker string) (ListKeyRotationsOutput, error) {
	return k.listKeyRotations(c, keyID, allMaterial, optInt(limit), marker)
}

func (k *KMS) listKeyRotations(c Call, keyID string, allMaterial bool, limit *int, marker string) (ListKeyRotationsOutput, error) {
	n, err := pageSize(limit)
	if err != nil {
		return ListKeyRotationsOutput{}, err
	}
	if err := k.prepare(c, keyID); err != nil {
		return ListKeyRotationsOutput{}, err
	}
	r, err := k.lookup(keyID)
	if err != nil {
		return ListKeyRotationsOutput{}, err
	}
	if !r.symmetric() {
		return ListKeyRotationsOutput{}, errRotationUnsupported()
	}
	start := 0
	if marker != "" {
		if start, err = strconv.Atoi(marker); err != nil || start < 0 {
			return ListKeyRotationsOutput{}, newErr(TypeInvalidMarker, "Marker is invalid")
		}
	}
	var all []KeyRotation
	for i, m := range r.Materials {
		if i == 0 && !allMaterial {
			continue
		}
		state := "NON_CURRENT"
		if m.ID == r.Current {
			state = "CURRENT"
		}
		all = append(all, KeyRotation{KeyARN: k.keyARN(r.ID), KeyMaterialID: m.ID, State: state, RotationDate: m.Created, RotationType: m.Rotation})
	}
	out := ListKeyRotationsOutput{}
	if start < len(all) {
		end := min(start+n, len(all))
		out.Rotations = all[start:end]
		if end < len(all) {
			out.Truncated, out.NextMarker = true, strconv.Itoa(end)
		}
	}
	return out, nil
}

func hListKeyRotations(k *KMS, c Call, body []byte) (any, error) {
	var req struct {
		KeyID              *string `json:"KeyId"`
		IncludeKeyMaterial string
		Limit              *int
		Marker             string
	}
	if err := decode(body, &req); err != nil {
		return nil, err
	}
	id, err := required("keyId", req.KeyID)
	if err != nil {
		return nil, err
	}
	switch req.IncludeKeyMaterial {
	case "", "ROTATIONS_ONLY", "ALL_KEY_MATERIAL":
	default:
		return nil, newErr(TypeValidation, "1 validation error detected: Value '"+req.IncludeKeyMaterial+
			"' at 'includeKeyMaterial' failed to satisfy constraint: Member must satisfy enum value set: [ALL_KEY_MATERIAL, ROTATIONS_ONLY]")
	}
	out, err := k.listKeyRotations(c, id, req.IncludeKeyMaterial == "ALL_KEY_MATERIAL", req.Limit, req.Marker)
	if err != nil {
		return nil, err
	}
	type entry struct {
		KeyID            string `json:"KeyId"`
		KeyMaterialID    string `json:"KeyMaterialId"`
		KeyMaterialState string `json:"KeyMaterialState"`
		RotationDate     *epoch `json:"RotationDate,omitempty"`
		RotationType     string `json:"RotationType,omitempty"`
	}
	resp := struct {
		Rotations  []entry `json:"Rotations"`
		Truncated  bool    `json:"Truncated"`
		NextMarker string  `json:"NextMarker,omitempty"`
	}{Rotations: []entry{}, Truncated: out.Truncated, NextMarker: out.NextMarker}
	for _, r := range out.Rotations {
		resp.Rotations = append(resp.Rotations, entry{r.KeyARN, r.KeyMaterialID, r.State, optEpoch(r.RotationDate), r.RotationType})
	}
	return resp, nil
}
