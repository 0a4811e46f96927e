package kms

import (
	"fmt"
	"unicode/utf8"
)

// Encryption algorithms.
const (
	algSymmetric  = "SYMMETRIC_DEFAULT"
	algOAEPSHA1   = "RSAES_OAEP_SHA_1"
	algOAEPSHA256 = "RSAES_OAEP_SHA_256"
)

var (
	// keySpecs is the KeySpec enum in the order AWS printed it in a recorded
	// ValidationException (2023), with the members added since appended
	// (their place in AWS's list is UNVERIFIED).
	keySpecs = []string{
		"RSA_2048", "ECC_NIST_P384", "ECC_NIST_P256", "ECC_NIST_P521", "HMAC_384", "RSA_3072",
		"ECC_SECG_P256K1", "RSA_4096", "SYMMETRIC_DEFAULT", "HMAC_256", "HMAC_224", "HMAC_512",
		"SM2", "ECC_NIST_EDWARDS25519", "ML_DSA_44", "ML_DSA_65", "ML_DSA_87",
		"ML_KEM_512", "ML_KEM_768", "ML_KEM_1024",
	}
	keyUsages    = []string{"ENCRYPT_DECRYPT", "SIGN_VERIFY", "GENERATE_VERIFY_MAC", "KEY_AGREEMENT", "ENCAPSULATE_DECAPSULATE"}
	origins      = []string{"AWS_KMS", "EXTERNAL", "AWS_CLOUDHSM", "EXTERNAL_KEY_STORE"}
	algorithms   = []string{algSymmetric, algOAEPSHA1, algOAEPSHA256, "SM2PKE"}
	dataKeySpecs = []string{"AES_256", "AES_128"}

	// validUsages is SSE-SPEC §5.3's table: which KeyUsage each KeySpec allows.
	validUsages = map[string][]string{
		"SYMMETRIC_DEFAULT":     {"ENCRYPT_DECRYPT"},
		"RSA_2048":              {"ENCRYPT_DECRYPT", "SIGN_VERIFY"},
		"RSA_3072":              {"ENCRYPT_DECRYPT", "SIGN_VERIFY"},
		"RSA_4096":              {"ENCRYPT_DECRYPT", "SIGN_VERIFY"},
		"ECC_NIST_P256":         {"SIGN_VERIFY", "KEY_AGREEMENT"},
		"ECC_NIST_P384":         {"SIGN_VERIFY", "KEY_AGREEMENT"},
		"ECC_NIST_P521":         {"SIGN_VERIFY", "KEY_AGREEMENT"},
		"ECC_NIST_EDWARDS25519": {"SIGN_VERIFY"},
		"ECC_SECG_P256K1":       {"SIGN_VERIFY"},
		"HMAC_224":              {"GENERATE_VERIFY_MAC"},
		"HMAC_256":              {"GENERATE_VERIFY_MAC"},
		"HMAC_384":              {"GENERATE_VERIFY_MAC"},
		"HMAC_512":              {"GENERATE_VERIFY_MAC"},
		"SM2":                   {"ENCRYPT_DECRYPT", "SIGN_VERIFY", "KEY_AGREEMENT"},
		"ML_DSA_44":             {"SIGN_VERIFY"},
		"ML_DSA_65":             {"SIGN_VERIFY"},
		"ML_DSA_87":             {"SIGN_VERIFY"},
		"ML_KEM_512":            {"ENCAPSULATE_DECAPSULATE"},
		"ML_KEM_768":            {"ENCAPSULATE_DECAPSULATE"},
		"ML_KEM_1024":           {"ENCAPSULATE_DECAPSULATE"},
	}

	rsaBits = map[string]int{"RSA_2048": 2048, "RSA_3072": 3072, "RSA_4096": 4096}
)

// validateCreateKey applies KMS's CreateKey checks in KMS's order (enums,
// then the usage rule, then the combination) and then the sandbox's own
// limits. It returns the effective spec and usage.
func validateCreateKey(in CreateKeyInput) (spec, usage string, err error) {
	spec = in.KeySpec
	if in.CustomerMasterKeySpec != "" {
		if spec != "" && spec != in.CustomerMasterKeySpec {
			// UNVERIFIED wording.
			return "", "", newErr(TypeValidation, "You cannot specify KeySpec and CustomerMasterKeySpec in the same request. CustomerMasterKeySpec parameter is deprecated. Use KeySpec.")
		}
		spec = in.CustomerMasterKeySpec
	}
	if spec != "" && !inSet(spec, keySpecs) {
		return "", "", errEnum("keySpec", spec, keySpecs)
	}
	if in.KeyUsage != "" && !inSet(in.KeyUsage, keyUsages) {
		return "", "", errEnum("keyUsage", in.KeyUsage, keyUsages)
	}
	if in.Origin != "" && !inSet(in.Origin, origins) {
		return "", "", errEnum("origin", in.Origin, origins)
	}
	if err := checkDescription(in.Description); err != nil {
		return "", "", err
	}
	if spec == "" {
		spec = specSymmetric
	}
	usage = in.KeyUsage
	if usage == "" {
		if spec != specSymmetric {
			return "", "", newErr(TypeValidation, "You must specify a KeyUsage value for all KMS keys except for symmetric encryption keys.")
		}
		usage = usageEncrypt
	}
	if !inSet(usage, validUsages[spec]) {
		return "", "", newErr(TypeValidation, fmt.Sprintf("KeyUsage %s is not compatible with KeySpec %s", usage, spec))
	}
	return spec, usage, sandboxLimits(in, spec, usage)
}

// sandboxLimits refuses, honestly, what KMS supports and this sandbox does not.
func sandboxLimits(in CreateKeyInput, spec, usage string) error {
	if in.Origin != "" && in.Origin != "AWS_KMS" {
		return newErr(TypeUnsupportedOperation, fmt.Sprintf(
			"The s3crypt sandbox KMS does not support Origin %s; it creates AWS_KMS keys only.", in.Origin))
	}
	if in.MultiRegion {
		return newErr(TypeUnsupportedOperation, "The s3crypt sandbox KMS does not support multi-Region keys.")
	}
	if spec == "SM2" {
		// SM2 exists in the China Regions only; the sandbox is not one.
		return newErr(TypeUnsupportedOperation,
			"The s3crypt sandbox KMS does not support KeySpec SM2, which KMS offers in the China Regions only.")
	}
	return nil
}

// checkAlgorithm validates an EncryptionAlgorithm member ("" = absent).
func checkAlgorithm(field, alg string) error {
	if alg != "" && !inSet(alg, algorithms) {
		return errEnum(field, alg, algorithms)
	}
	return nil
}

// checkKeyID validates a required KeyId member.
func checkKeyID(field, id string) error {
	if id == "" {
		return errEmptyString(field)
	}
	return nil
}

// maxDescription is the model's limit on a key's Description (characters).
const maxDescription = 8192

// checkDescription applies the model's 0–8192 length constraint; KMS echoes
// the value in its text like every string constraint.
func checkDescription(d string) error {
	if n := utf8.RuneCountInString(d); n > maxDescription {
		return newErr(TypeValidation, fmt.Sprintf(
			"1 validation error detected: Value '%s' at 'description' failed to satisfy constraint: Member must have length less than or equal to %d",
			d, maxDescription))
	}
	return nil
}

// maxContext is KMS's limit on an encryption context: 8 KB, counted as
// the bytes of every key and value together.
const maxContext = 8192

// checkContext refuses an encryption context over 8 KB. UNVERIFIED text:
// AWS documents the limit (the quota "Encryption context: 8,192 bytes")
// but not its message.
func checkContext(ctx map[string]string) error {
	n := 0
	for k, v := range ctx {
		n += len(k) + len(v)
	}
	if n > maxContext {
		return newErr(TypeValidation, fmt.Sprintf("Encryption context is %d bytes; the maximum is %d bytes.", n, maxContext))
	}
	return nil
}
