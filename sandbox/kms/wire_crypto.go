package kms

import "encoding/json"

// recipientUnsupported refuses Nitro Enclaves attestation, which the sandbox
// cannot verify.
func recipientUnsupported(r json.RawMessage) error {
	if len(r) == 0 || string(r) == "null" {
		return nil
	}
	return newErr(TypeUnsupportedOperation, "The s3crypt sandbox KMS does not support the Recipient parameter (Nitro Enclaves attestation).")
}

type dataKeyResp struct {
	CiphertextBlob []byte `json:"CiphertextBlob"`
	Plaintext      []byte `json:"Plaintext,omitempty"`
	KeyID          string `json:"KeyId"`
	KeyMaterialID  string `json:"KeyMaterialId,omitempty"`
}

func (r dataKeyResp) wipe() { clear(r.Plaintext) }

func hGenerateDataKey(k *KMS, c Call, body []byte) (any, error) {
	return dataKey(k, c, body, true)
}

func hGenerateDataKeyWithoutPlaintext(k *KMS, c Call, body []byte) (any, error) {
	return dataKey(k, c, body, false)
}

func dataKey(k *KMS, c Call, body []byte, withPlaintext bool) (any, error) {
	var req struct {
		KeyID             *string `json:"KeyId"`
		KeySpec           string
		NumberOfBytes     *int
		EncryptionContext map[string]string
		DryRun            bool
		Recipient         json.RawMessage
	}
	if err := decode(body, &req); err != nil {
		return nil, err
	}
	id, err := required("keyId", req.KeyID)
	if err != nil {
		return nil, err
	}
	if err := recipientUnsupported(req.Recipient); err != nil {
		return nil, err
	}
	out, err := k.generateDataKey(c, dataKeyReq{keyID: id, spec: req.KeySpec, nbytes: req.NumberOfBytes,
		ctx: req.EncryptionContext, dryRun: req.DryRun, plaintext: withPlaintext})
	if err != nil {
		return nil, err
	}
	return dataKeyResp{out.blob, out.plaintext, out.keyARN, out.materialID}, nil
}

func hEncrypt(k *KMS, c Call, body []byte) (any, error) {
	var req struct {
		KeyID               *string `json:"KeyId"`
		Plaintext           []byte
		EncryptionContext   map[string]string
		EncryptionAlgorithm string
		DryRun              bool
	}
	if err := decode(body, &req); err != nil {
		return nil, err
	}
	defer clear(req.Plaintext)
	id, err := required("keyId", req.KeyID)
	if err != nil {
		return nil, err
	}
	out, err := k.encrypt(c, id, req.Plaintext, req.EncryptionContext, req.EncryptionAlgorithm, req.DryRun)
	if err != nil {
		return nil, err
	}
	return struct {
		CiphertextBlob      []byte `json:"CiphertextBlob"`
		KeyID               string `json:"KeyId"`
		EncryptionAlgorithm string `json:"EncryptionAlgorithm"`
	}{out.blob, out.keyARN, out.alg}, nil
}

type decryptResp struct {
	KeyID               string `json:"KeyId"`
	Plaintext           []byte `json:"Plaintext"`
	EncryptionAlgorithm string `json:"EncryptionAlgorithm"`
	KeyMaterialID       string `json:"KeyMaterialId,omitempty"`
}

func (r decryptResp) wipe() { clear(r.Plaintext) }

func hDecrypt(k *KMS, c Call, body []byte) (any, error) {
	var req struct {
		CiphertextBlob      []byte
		EncryptionContext   map[string]string
		KeyID               string `json:"KeyId"`
		EncryptionAlgorithm string
		DryRun              bool
		Recipient           json.RawMessage
	}
	if err := decode(body, &req); err != nil {
		return nil, err
	}
	if req.CiphertextBlob == nil {
		return nil, errNull("ciphertextBlob")
	}
	if err := recipientUnsupported(req.Recipient); err != nil {
		return nil, err
	}
	out, err := k.decrypt(c, req.CiphertextBlob, req.EncryptionContext, req.KeyID, req.EncryptionAlgorithm, req.DryRun)
	if err != nil {
		return nil, err
	}
	return decryptResp{out.keyARN, out.plaintext, out.alg, out.materialID}, nil
}

func hReEncrypt(k *KMS, c Call, body []byte) (any, error) {
	var req struct {
		CiphertextBlob                 []byte
		SourceEncryptionContext        map[string]string
		SourceKeyID                    string  `json:"SourceKeyId"`
		DestinationKeyID               *string `json:"DestinationKeyId"`
		DestinationEncryptionContext   map[string]string
		SourceEncryptionAlgorithm      string
		DestinationEncryptionAlgorithm string
		DryRun                         bool
	}
	if err := decode(body, &req); err != nil {
		return nil, err
	}
	if req.CiphertextBlob == nil {
		return nil, errNull("ciphertextBlob")
	}
	dst, err := required("destinationKeyId", req.DestinationKeyID)
	if err != nil {
		return nil, err
	}
	out, err := k.ReEncrypt(c, ReEncryptInput{
		CiphertextBlob: req.CiphertextBlob, SourceEncryptionContext: req.SourceEncryptionContext,
		SourceKeyID: req.SourceKeyID, SourceEncryptionAlgorithm: req.SourceEncryptionAlgorithm,
		DestinationKeyID: dst, DestinationEncryptionContext: req.DestinationEncryptionContext,
		DestinationEncryptionAlgorithm: req.DestinationEncryptionAlgorithm, DryRun: req.DryRun,
	})
	if err != nil {
		return nil, err
	}
	return struct {
		CiphertextBlob                 []byte `json:"CiphertextBlob"`
		SourceKeyID                    string `json:"SourceKeyId"`
		KeyID                          string `json:"KeyId"`
		SourceEncryptionAlgorithm      string `json:"SourceEncryptionAlgorithm"`
		DestinationEncryptionAlgorithm string `json:"DestinationEncryptionAlgorithm"`
		SourceKeyMaterialID            string `json:"SourceKeyMaterialId,omitempty"`
		DestinationKeyMaterialID       string `json:"DestinationKeyMaterialId,omitempty"`
	}{out.CiphertextBlob, out.SourceKeyARN, out.KeyARN, out.SourceEncryptionAlgorithm,
		out.DestinationEncryptionAlgorithm, out.SourceKeyMaterialID, out.DestinationKeyMaterialID}, nil
}

func hGetPublicKey(k *KMS, c Call, body []byte) (any, error) {
	id, err := keyOnly(body)
	if err != nil {
		return nil, err
	}
	p, err := k.GetPublicKey(c, id)
	if err != nil {
		return nil, err
	}
	return struct {
		KeyID                 string   `json:"KeyId"`
		PublicKey             []byte   `json:"PublicKey"`
		CustomerMasterKeySpec string   `json:"CustomerMasterKeySpec"`
		KeySpec               string   `json:"KeySpec"`
		KeyUsage              string   `json:"KeyUsage"`
		EncryptionAlgorithms  []string `json:"EncryptionAlgorithms,omitempty"`
		SigningAlgorithms     []string `json:"SigningAlgorithms,omitempty"`
		KeyAgreementAlgs      []string `json:"KeyAgreementAlgorithms,omitempty"`
		EncapsulationAlgs     []string `json:"EncapsulationAlgorithms,omitempty"`
	}{p.KeyARN, p.PublicKey, p.KeySpec, p.KeySpec, p.KeyUsage, p.EncryptionAlgorithms,
		p.SigningAlgorithms, p.KeyAgreementAlgorithms, p.EncapsulationAlgorithms}, nil
}

type randomResp struct {
	Plaintext []byte `json:"Plaintext"`
}

func (r randomResp) wipe() { clear(r.Plaintext) }

func hGenerateRandom(k *KMS, c Call, body []byte) (any, error) {
	var req struct {
		NumberOfBytes    *int
		CustomKeyStoreID string `json:"CustomKeyStoreId"`
		Recipient        json.RawMessage
	}
	if err := decode(body, &req); err != nil {
		return nil, err
	}
	if err := recipientUnsupported(req.Recipient); err != nil {
		return nil, err
	}
	b, err := k.generateRandom(c, req.NumberOfBytes)
	if err != nil {
		return nil, err
	}
	return randomResp{b}, nil
}
