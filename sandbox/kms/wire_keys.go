package kms

// handlers maps each TrentService operation to its JSON handler.
var handlers map[string]handler

func init() {
	handlers = map[string]handler{
		"CreateKey":                       hCreateKey,
		"DescribeKey":                     hDescribeKey,
		"ListKeys":                        hListKeys,
		"ListAliases":                     hListAliases,
		"CreateAlias":                     hCreateAlias,
		"UpdateAlias":                     hUpdateAlias,
		"DeleteAlias":                     hDeleteAlias,
		"EnableKey":                       hEnableKey,
		"DisableKey":                      hDisableKey,
		"ScheduleKeyDeletion":             hScheduleKeyDeletion,
		"CancelKeyDeletion":               hCancelKeyDeletion,
		"EnableKeyRotation":               hEnableKeyRotation,
		"DisableKeyRotation":              hDisableKeyRotation,
		"GetKeyRotationStatus":            hGetKeyRotationStatus,
		"RotateKeyOnDemand":               hRotateKeyOnDemand,
		"ListKeyRotations":                hListKeyRotations,
		"GenerateDataKey":                 hGenerateDataKey,
		"GenerateDataKeyWithoutPlaintext": hGenerateDataKeyWithoutPlaintext,
		"Encrypt":                         hEncrypt,
		"Decrypt":                         hDecrypt,
		"ReEncrypt":                       hReEncrypt,
		"GetPublicKey":                    hGetPublicKey,
		"GenerateRandom":                  hGenerateRandom,
	}
}

type empty struct{}

type keyIDReq struct {
	KeyID *string `json:"KeyId"`
}

type keyIDResp struct {
	KeyID string `json:"KeyId"`
}

type keyMetadataResp struct {
	KeyMetadata KeyMetadata `json:"KeyMetadata"`
}

func hCreateKey(k *KMS, c Call, body []byte) (any, error) {
	var req struct {
		Description           string
		KeyUsage              string
		KeySpec               string
		CustomerMasterKeySpec string
		Origin                string
		MultiRegion           bool
		Tags                  []Tag
	}
	if err := decode(body, &req); err != nil {
		return nil, err
	}
	m, err := k.CreateKey(c, CreateKeyInput{
		Description: req.Description, KeyUsage: req.KeyUsage, KeySpec: req.KeySpec,
		CustomerMasterKeySpec: req.CustomerMasterKeySpec, Origin: req.Origin,
		MultiRegion: req.MultiRegion, Tags: req.Tags,
	})
	if err != nil {
		return nil, err
	}
	return keyMetadataResp{m}, nil
}

// keyOnly decodes a request whose only required member is KeyId.
func keyOnly(body []byte) (string, error) {
	var req keyIDReq
	if err := decode(body, &req); err != nil {
		return "", err
	}
	return required("keyId", req.KeyID)
}

func hDescribeKey(k *KMS, c Call, body []byte) (any, error) {
	id, err := keyOnly(body)
	if err != nil {
		return nil, err
	}
	m, err := k.DescribeKey(c, id)
	if err != nil {
		return nil, err
	}
	return keyMetadataResp{m}, nil
}

type pageReq struct {
	KeyID  string `json:"KeyId"`
	Limit  *int
	Marker string
}

func hListKeys(k *KMS, c Call, body []byte) (any, error) {
	var req pageReq
	if err := decode(body, &req); err != nil {
		return nil, err
	}
	out, err := k.listKeys(c, req.Limit, req.Marker)
	if err != nil {
		return nil, err
	}
	type entry struct {
		KeyID  string `json:"KeyId"`
		KeyArn string `json:"KeyArn"`
	}
	resp := struct {
		Keys       []entry `json:"Keys"`
		Truncated  bool    `json:"Truncated"`
		NextMarker string  `json:"NextMarker,omitempty"`
	}{Keys: []entry{}, Truncated: out.Truncated, NextMarker: out.NextMarker}
	for _, e := range out.Keys {
		resp.Keys = append(resp.Keys, entry(e))
	}
	return resp, nil
}

func hListAliases(k *KMS, c Call, body []byte) (any, error) {
	var req pageReq
	if err := decode(body, &req); err != nil {
		return nil, err
	}
	out, err := k.listAliases(c, req.KeyID, req.Limit, req.Marker)
	if err != nil {
		return nil, err
	}
	type entry struct {
		AliasName       string `json:"AliasName"`
		AliasArn        string `json:"AliasArn"`
		TargetKeyID     string `json:"TargetKeyId,omitempty"`
		CreationDate    *epoch `json:"CreationDate,omitempty"`
		LastUpdatedDate *epoch `json:"LastUpdatedDate,omitempty"`
	}
	resp := struct {
		Aliases    []entry `json:"Aliases"`
		Truncated  bool    `json:"Truncated"`
		NextMarker string  `json:"NextMarker,omitempty"`
	}{Aliases: []entry{}, Truncated: out.Truncated, NextMarker: out.NextMarker}
	for _, a := range out.Aliases {
		resp.Aliases = append(resp.Aliases, entry{a.AliasName, a.AliasArn, a.TargetKeyID,
			optEpoch(a.CreationDate), optEpoch(a.LastUpdatedDate)})
	}
	return resp, nil
}

type aliasReq struct {
	AliasName   *string
	TargetKeyID *string `json:"TargetKeyId"`
}

func decodeAlias(body []byte, withTarget bool) (name, target string, err error) {
	var req aliasReq
	if err := decode(body, &req); err != nil {
		return "", "", err
	}
	if req.AliasName == nil {
		return "", "", errNull("aliasName")
	}
	if withTarget && req.TargetKeyID == nil {
		return "", "", errNull("targetKeyId")
	}
	if req.TargetKeyID != nil {
		target = *req.TargetKeyID
	}
	return *req.AliasName, target, nil
}

func hCreateAlias(k *KMS, c Call, body []byte) (any, error) {
	name, target, err := decodeAlias(body, true)
	if err != nil {
		return nil, err
	}
	return empty{}, k.CreateAlias(c, name, target)
}

func hUpdateAlias(k *KMS, c Call, body []byte) (any, error) {
	name, target, err := decodeAlias(body, true)
	if err != nil {
		return nil, err
	}
	return empty{}, k.UpdateAlias(c, name, target)
}

func hDeleteAlias(k *KMS, c Call, body []byte) (any, error) {
	name, _, err := decodeAlias(body, false)
	if err != nil {
		return nil, err
	}
	return empty{}, k.DeleteAlias(c, name)
}

func hEnableKey(k *KMS, c Call, body []byte) (any, error) {
	id, err := keyOnly(body)
	if err != nil {
		return nil, err
	}
	return empty{}, k.EnableKey(c, id)
}

func hDisableKey(k *KMS, c Call, body []byte) (any, error) {
	id, err := keyOnly(body)
	if err != nil {
		return nil, err
	}
	return empty{}, k.DisableKey(c, id)
}

func hScheduleKeyDeletion(k *KMS, c Call, body []byte) (any, error) {
	var req struct {
		KeyID               *string `json:"KeyId"`
		PendingWindowInDays *int
	}
	if err := decode(body, &req); err != nil {
		return nil, err
	}
	id, err := required("keyId", req.KeyID)
	if err != nil {
		return nil, err
	}
	out, err := k.scheduleKeyDeletion(c, id, req.PendingWindowInDays)
	if err != nil {
		return nil, err
	}
	return struct {
		KeyID               string `json:"KeyId"`
		DeletionDate        epoch  `json:"DeletionDate"`
		KeyState            string `json:"KeyState"`
		PendingWindowInDays int    `json:"PendingWindowInDays"`
	}{out.KeyARN, epoch(out.DeletionDate), out.KeyState, out.PendingWindowInDays}, nil
}

func hCancelKeyDeletion(k *KMS, c Call, body []byte) (any, error) {
	id, err := keyOnly(body)
	if err != nil {
		return nil, err
	}
	m, err := k.CancelKeyDeletion(c, id)
	if err != nil {
		return nil, err
	}
	return keyIDResp{m.Arn}, nil
}

func hEnableKeyRotation(k *KMS, c Call, body []byte) (any, error) {
	var req struct {
		KeyID                *string `json:"KeyId"`
		RotationPeriodInDays *int
	}
	if err := decode(body, &req); err != nil {
		return nil, err
	}
	id, err := required("keyId", req.KeyID)
	if err != nil {
		return nil, err
	}
	return empty{}, k.enableKeyRotation(c, id, req.RotationPeriodInDays)
}

func hDisableKeyRotation(k *KMS, c Call, body []byte) (any, error) {
	id, err := keyOnly(body)
	if err != nil {
		return nil, err
	}
	return empty{}, k.DisableKeyRotation(c, id)
}

func hGetKeyRotationStatus(k *KMS, c Call, body []byte) (any, error) {
	id, err := keyOnly(body)
	if err != nil {
		return nil, err
	}
	s, err := k.GetKeyRotationStatus(c, id)
	if err != nil {
		return nil, err
	}
	resp := struct {
		KeyID                string `json:"KeyId"`
		KeyRotationEnabled   bool   `json:"KeyRotationEnabled"`
		RotationPeriodInDays int    `json:"RotationPeriodInDays,omitempty"`
		NextRotationDate     *epoch `json:"NextRotationDate,omitempty"`
	}{s.KeyARN, s.KeyRotationEnabled, s.RotationPeriodInDays, optEpoch(s.NextRotationDate)}
	return resp, nil
}

func hRotateKeyOnDemand(k *KMS, c Call, body []byte) (any, error) {
	id, err := keyOnly(body)
	if err != nil {
		return nil, err
	}
	arn, err := k.RotateKeyOnDemand(c, id)
	if err != nil {
		return nil, err
	}
	return keyIDResp{arn}, nil
}
