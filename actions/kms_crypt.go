package actions

import (
	"context"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	kmstypes "github.com/aws/aws-sdk-go-v2/service/kms/types"
)

// KMSEncrypt encrypts a small file directly under a KMS key (at most 4096
// bytes; far less for RSA keys) into a binary ciphertext file.
type KMSEncrypt struct {
	KeyID   string
	In, Out string
	// Algorithm is SYMMETRIC_DEFAULT, RSAES_OAEP_SHA_1 or RSAES_OAEP_SHA_256;
	// "" picks SYMMETRIC_DEFAULT, or RSAES_OAEP_SHA_256 for an RSA key.
	Algorithm string
	Context   map[string]string
	Force     bool // replace Out if it exists
}

// KMSDecrypt decrypts a binary KMS ciphertext file.
type KMSDecrypt struct {
	KeyID     string // optional for symmetric ciphertexts; required for RSA
	In, Out   string
	Algorithm string // "" as for KMSEncrypt when KeyID names an RSA key
	Context   map[string]string
	Force     bool
}

// KMSCryptResult is what KMSEncrypt or KMSDecrypt did.
type KMSCryptResult struct {
	KeyARN          string            `json:"keyArn"`
	Algorithm       string            `json:"encryptionAlgorithm"`
	In              string            `json:"in"`
	Out             string            `json:"out"`
	PlaintextBytes  int               `json:"plaintextBytes"`
	CiphertextBytes int               `json:"ciphertextBytes"`
	Context         map[string]string `json:"encryptionContext,omitempty"`
	// Note says what s3crypt chose for you, if anything.
	Note string `json:"note,omitempty"`
}

// Describe implements Action.
func (e *KMSEncrypt) Describe() string {
	return "encrypt " + e.In + " with KMS key " + e.KeyID
}

// Describe implements Action.
func (d *KMSDecrypt) Describe() string {
	if d.KeyID == "" {
		return "decrypt " + d.In + " with KMS"
	}
	return "decrypt " + d.In + " with KMS key " + d.KeyID
}

// Run implements Action.
func (e *KMSEncrypt) Run(ctx context.Context, env *Env, r *Reporter) (any, error) {
	if err := checkNoClobber(e.Describe(), e.Out, e.Force); err != nil {
		return nil, err
	}
	data, err := readKMSFile(e.Describe(), e.In)
	if err != nil {
		return nil, err
	}
	defer clear(data)
	res := KMSCryptResult{In: e.In, Out: e.Out, Context: e.Context, PlaintextBytes: len(data)}
	alg, spec, err := pickAlgorithm(ctx, env, r, e.KeyID, e.Algorithm, &res)
	if err != nil {
		return nil, failed(ctx, e.Describe(), err, e.KeyID, nil)
	}
	r.Command(e.command(env, alg))
	kmsRequest(r, "Encrypt", fmt.Sprintf("you send %d bytes of plaintext over TLS for KMS to encrypt under %s", len(data), e.KeyID))
	out, err := env.Backend.KMS.Encrypt(ctx, &kms.EncryptInput{KeyId: &e.KeyID, Plaintext: data, EncryptionContext: e.Context,
		EncryptionAlgorithm: kmstypes.EncryptionAlgorithmSpec(alg)}, withKMSJob(r))
	if err != nil {
		return nil, failed(ctx, e.Describe(), err, e.KeyID, func(x *Error) { e.refine(x, len(data), spec) })
	}
	res.KeyARN, res.Algorithm, res.CiphertextBytes = aws.ToString(out.KeyId), string(out.EncryptionAlgorithm), len(out.CiphertextBlob)
	kmsResponse(r, "ciphertext", fmt.Sprintf("KMS returned %d bytes of ciphertext (%s)", len(out.CiphertextBlob), res.Algorithm), res.KeyARN)
	if err := writePrivateFile(e.Out, out.CiphertextBlob, e.Force); err != nil {
		return nil, &Error{Op: e.Describe(), What: "cannot save the ciphertext", Why: err.Error(), Err: err}
	}
	r.Step(Step{Actor: You, Op: OpFileSaved, Title: "ciphertext saved", Observed: true, Bytes: int64(len(out.CiphertextBlob)),
		Detail: fmt.Sprintf("you saved the %d raw ciphertext bytes to %s (mode 0600)", len(out.CiphertextBlob), e.Out)})
	return res, nil
}

// pickAlgorithm returns the algorithm to send and the key spec if it was
// looked up: with no algorithm given, s3crypt asks KMS which kind of key
// keyID is and picks RSAES_OAEP_SHA_256 for RSA keys (KMS would default
// to SYMMETRIC_DEFAULT and refuse), noting it in res.
func pickAlgorithm(ctx context.Context, env *Env, r *Reporter, keyID, alg string, res *KMSCryptResult) (string, string, error) {
	if alg != "" || keyID == "" {
		return alg, "", nil
	}
	kmsRequest(r, "DescribeKey", "you ask KMS which kind of key "+keyID+" is, to pick the algorithm")
	out, err := env.Backend.KMS.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: &keyID}, withKMSJob(r))
	if err != nil {
		return "", "", err
	}
	k := keyInfoFrom(out.KeyMetadata)
	kmsResponse(r, k.KeySpec, "the key is "+k.KeySpec+", "+k.KeyState, k.ARN)
	if !strings.HasPrefix(k.KeySpec, "RSA_") {
		return "", k.KeySpec, nil
	}
	alg = string(kmstypes.EncryptionAlgorithmSpecRsaesOaepSha256)
	res.Note = keyID + " is an " + k.KeySpec + " key: s3crypt uses " + alg +
		" (RSA keys need an explicit algorithm; pass --encryption-algorithm to choose RSAES_OAEP_SHA_1)"
	return alg, k.KeySpec, nil
}

// refine explains KMS's size limits in terms of the file.
func (e *KMSEncrypt) refine(x *Error, n int, spec string) {
	if x.Code != "ValidationException" {
		return
	}
	switch {
	case strings.Contains(x.What, "4096"):
		x.What = fmt.Sprintf("%s is %d bytes, more than the 4096 bytes KMS Encrypt accepts", e.In, n)
		x.Fix = "Use envelope encryption: " + envelopeHow
	case strings.Contains(x.What, "cannot encrypt data larger than"):
		x.What = fmt.Sprintf("%s is %d bytes, too much for one RSA-OAEP block (KMS: %s)", e.In, n, strings.TrimSuffix(x.What, "."))
		if spec != "" {
			x.Why = "RSA-OAEP encrypts at most the key size less twice the hash size less 2 bytes in one go; " + spec +
				" with RSAES_OAEP_SHA_256 takes at most " + rsaLimit(spec) + " bytes"
		}
		x.Fix = "Encrypt only a small secret, such as a data key, with the RSA key; for files use a symmetric key and envelope encryption: " + envelopeHow
	}
}

// rsaLimit is the RSAES_OAEP_SHA_256 plaintext limit of an RSA key spec.
func rsaLimit(spec string) string {
	switch spec {
	case "RSA_2048":
		return "190"
	case "RSA_3072":
		return "318"
	case "RSA_4096":
		return "446"
	}
	return "a few hundred"
}

func (e *KMSEncrypt) command(env *Env, alg string) Command {
	args := []string{"kms", "encrypt", "--key-id", e.KeyID, "--plaintext", "fileb://" + e.In}
	if alg != "" {
		args = append(args, "--encryption-algorithm", alg)
	}
	if c := contextJSON(e.Context); c != "" {
		args = append(args, "--encryption-context", c)
	}
	c := AWSCommand(env, append(args, "--output", "text", "--query", "CiphertextBlob")...)
	c.Note = "the aws CLI prints the ciphertext as base64 text; `| base64 -d > " + e.Out +
		"` gives the same binary file s3crypt wrote (a file of base64 text is not a ciphertext)"
	return c
}

// Run implements Action.
func (d *KMSDecrypt) Run(ctx context.Context, env *Env, r *Reporter) (any, error) {
	if err := checkNoClobber(d.Describe(), d.Out, d.Force); err != nil {
		return nil, err
	}
	blob, err := readKMSFile(d.Describe(), d.In)
	if err != nil {
		return nil, err
	}
	res := KMSCryptResult{In: d.In, Out: d.Out, Context: d.Context, CiphertextBytes: len(blob)}
	alg, _, err := pickAlgorithm(ctx, env, r, d.KeyID, d.Algorithm, &res)
	if err != nil {
		return nil, failed(ctx, d.Describe(), err, d.KeyID, nil)
	}
	r.Command(d.command(env, alg))
	kmsRequest(r, "Decrypt", fmt.Sprintf("you send the %d-byte ciphertext to KMS to decrypt", len(blob)))
	in := &kms.DecryptInput{CiphertextBlob: blob, EncryptionContext: d.Context, EncryptionAlgorithm: kmstypes.EncryptionAlgorithmSpec(alg)}
	if d.KeyID != "" {
		in.KeyId = &d.KeyID
	}
	out, err := env.Backend.KMS.Decrypt(ctx, in, withKMSJob(r))
	if err != nil {
		return nil, failed(ctx, d.Describe(), err, d.KeyID, func(x *Error) { d.refine(x, blob) })
	}
	defer clear(out.Plaintext)
	res.KeyARN, res.Algorithm, res.PlaintextBytes = aws.ToString(out.KeyId), string(out.EncryptionAlgorithm), len(out.Plaintext)
	kmsResponse(r, "plaintext", fmt.Sprintf("KMS returned %d bytes of plaintext over TLS", len(out.Plaintext)), res.KeyARN)
	if err := writePrivateFile(d.Out, out.Plaintext, d.Force); err != nil {
		return nil, &Error{Op: d.Describe(), What: "cannot save the plaintext", Why: err.Error(), Err: err}
	}
	r.Step(Step{Actor: You, Op: OpFileSaved, Title: "plaintext saved", Observed: true, Bytes: int64(len(out.Plaintext)),
		Detail: fmt.Sprintf("you saved the %d plaintext bytes to %s (mode 0600)", len(out.Plaintext), d.Out)})
	clear(out.Plaintext)
	r.Step(Step{Actor: You, Op: OpLocalWipe, Title: "plaintext wiped", Observed: true, Detail: "you wiped the plaintext from memory"})
	return res, nil
}

// refine says when the file holds base64 text instead of a ciphertext, the
// seed blog's mistake, and what an RSA ciphertext needs.
func (d *KMSDecrypt) refine(x *Error, blob []byte) {
	code := x.Code
	if code != "InvalidCiphertextException" && !(code == "ValidationException" && strings.Contains(x.What, "ciphertextBlob")) {
		return
	}
	if looksBase64(blob) {
		x.What = d.In + " holds base64 text, not a KMS ciphertext"
		x.Why = "KMS ciphertexts are binary; `aws kms encrypt ... --output text --query CiphertextBlob > FILE` (the blog post's command) " +
			"writes their base64 text, and s3crypt (like fileb://) sends a file's bytes as they are"
		x.Fix = "Decode it first (base64 -d " + d.In + " > " + d.In + ".bin) and decrypt " + d.In + ".bin"
		return
	}
	if code == "InvalidCiphertextException" {
		x.What = "KMS could not decrypt " + d.In
		x.Why = "it is not a ciphertext of this key under this encryption context: the context must be exactly the one used to encrypt (case included), and the file unchanged"
		x.Fix = "Pass the same --context pairs used to encrypt"
		if d.KeyID == "" {
			x.Fix += "; a ciphertext made with an RSA key also needs --key-id (and the same --encryption-algorithm)"
		}
	}
}

func (d *KMSDecrypt) command(env *Env, alg string) Command {
	args := []string{"kms", "decrypt", "--ciphertext-blob", "fileb://" + d.In}
	if d.KeyID != "" {
		args = append(args, "--key-id", d.KeyID)
	}
	if alg != "" {
		args = append(args, "--encryption-algorithm", alg)
	}
	if c := contextJSON(d.Context); c != "" {
		args = append(args, "--encryption-context", c)
	}
	c := AWSCommand(env, append(args, "--output", "text", "--query", "Plaintext")...)
	c.Note = "the aws CLI prints the plaintext as base64 text; `| base64 -d > " + d.Out + "` gives the same file s3crypt wrote"
	return c
}
