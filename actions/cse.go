package actions

import (
	"crypto/rsa"
	"errors"
	"fmt"
	"path/filepath"
	"strings"

	s3c "github.com/s3crypt/s3crypt/crypto"
)

// ClientSide asks Put to encrypt the file on your side before it leaves,
// as the Amazon S3 Encryption Client does (SSE-SPEC §6): you ask KMS for a
// data key, encrypt the body locally with AES-256-GCM, store the encrypted
// data key and the rest of the envelope as the object's user metadata and
// wipe the plaintext key. S3 only ever sees ciphertext, and still applies
// its own server-side encryption on top (Put.SSE, or the bucket default).
type ClientSide struct {
	// KMSKey wraps the data key: a symmetric KMS key you may call
	// GenerateDataKey and Decrypt with (id, ARN, alias or alias ARN). It is
	// required; the AWS managed aws/s3 key is usable only by S3 itself.
	KMSKey string
	// Format is s3c.FormatV3 (key commitment, what S3EC Go v4 writes; the
	// default when zero) or s3c.FormatV2 (what S3EC Go v3 writes).
	Format int
	// Context is the user part of the KMS encryption context; s3crypt adds
	// aws:x-amz-cek-alg, as S3EC does. With a raw keyring it is the
	// material description stored beside the wrapped key.
	Context map[string]string
	// AESWrappingKey or RSAPublicKey, instead of KMSKey, wraps the data key
	// locally (raw keyrings: x-amz-w AES/GCM or RSA-OAEP-SHA1); the data key
	// is then made with crypto/rand and no KMS request is made.
	AESWrappingKey *s3c.Key
	RSAPublicKey   *rsa.PublicKey
	// KeyFiles names the raw keyring's key by file instead (read when the
	// upload runs).
	KeyFiles KeyringFiles
	// InstructionFile stores the envelope (V3: its wrapped key part) in a
	// separate object KEY.instruction instead of the object's metadata.
	InstructionFile bool
}

// rawWrapAlg is the raw keyring's wrapping algorithm, or "" for KMS.
func (c *ClientSide) rawWrapAlg() string {
	switch {
	case c.AESWrappingKey != nil:
		return s3c.WrapAlgAESGCM
	case c.RSAPublicKey != nil:
		return s3c.WrapAlgRSAOAEP
	}
	return ""
}

// ClientSideResult is what client-side encryption did for one object.
type ClientSideResult struct {
	Format    int    `json:"format"`              // 2 or 3
	KMSKeyARN string `json:"kmsKeyArn,omitempty"` // the key that wraps the data key
	// Context is the full KMS encryption context stored in the envelope,
	// aws:x-amz-cek-alg included (a raw keyring's material description).
	Context map[string]string `json:"encryptionContext"`
	// WrapAlg is how the data key is wrapped: kms+context, AES/GCM or
	// RSA-OAEP-SHA1.
	WrapAlg string `json:"wrapAlgorithm,omitempty"`
	// CiphertextSize is the object's size in S3: plaintext + 16-byte tag.
	CiphertextSize int64 `json:"ciphertextSize"`
	// Decrypted is true when a download was decrypted locally, false when
	// the ciphertext was kept as stored (--no-decrypt).
	Decrypted bool `json:"decrypted"`
	// Range is the plaintext range a ranged download decrypted, and
	// Unauthenticated says that nothing verified those bytes (AES-CTR).
	Range           string `json:"range,omitempty"`
	Unauthenticated bool   `json:"unauthenticated,omitempty"`
}

// Label names the client-side layer as listings do: "client-side S3EC V3"
// (the object format, not the version of an S3 Encryption Client).
func (c *ClientSideResult) Label() string { return clientSideLabel(c.Format) }

// Summary says in a few words what the client side did.
func (c *ClientSideResult) Summary() string {
	s := c.Label()
	switch {
	case c.KMSKeyARN != "":
		s += " under " + c.KMSKeyARN
	case c.WrapAlg == s3c.WrapAlgAESGCM:
		s += ", data key wrapped with your AES key (AES/GCM)"
	case c.WrapAlg == s3c.WrapAlgRSAOAEP:
		s += ", data key wrapped with your RSA key (RSA-OAEP-SHA1)"
	}
	return s
}

func clientSideLabel(format int) string {
	return "client-side " + s3c.FormatKind{Format: format}.Label()
}

// errNeedKMSKey is the refusal of a client-side upload without a key.
const errNeedKMSKey = "client-side encryption needs --kms-key (a symmetric KMS key you can use; aws/s3 cannot be used by clients), " +
	"or a raw keyring: --wrapping-key FILE (AES-256) or --rsa-key FILE.pem"

// format is the S3EC format to write.
func (c *ClientSide) format() int {
	if c.Format == 0 {
		return s3c.FormatV3
	}
	return c.Format
}

// kmsContext validates the request and returns the full KMS context.
func (c *ClientSide) kmsContext() (map[string]string, error) {
	if raw := c.rawWrapAlg(); raw != "" {
		switch {
		case c.KMSKey != "" || c.AESWrappingKey != nil && c.RSAPublicKey != nil:
			return nil, errors.New("give one way to wrap the data key: --kms-key, --wrapping-key or --rsa-key")
		case c.format() != s3c.FormatV2 && c.format() != s3c.FormatV3:
			return nil, fmt.Errorf("unknown client-side format %d: use v3 (key commitment) or v2", c.Format)
		}
		for _, k := range []string{s3c.ContextKeyCEKAlg, s3c.ContextKeyCMKID} {
			if _, ok := c.Context[k]; ok {
				return nil, fmt.Errorf("material description key %s is reserved for the S3 Encryption Client and cannot be set", k)
			}
		}
		return nil, nil
	}
	switch {
	case c.KMSKey == "":
		return nil, errors.New(errNeedKMSKey)
	case isAWSManagedS3Key(c.KMSKey):
		return nil, errors.New(c.KMSKey + " is the AWS managed key aws/s3: its key policy lets only S3 use it " +
			"(kms:ViaService), so KMS refuses GenerateDataKey from a client. " + errNeedKMSKey)
	case c.format() != s3c.FormatV2 && c.format() != s3c.FormatV3:
		return nil, fmt.Errorf("unknown client-side format %d: use v3 (key commitment) or v2", c.Format)
	}
	return s3c.KMSContext(c.Context, c.format())
}

// isAWSManagedS3Key reports whether id names aws/s3 by its alias.
func isAWSManagedS3Key(id string) bool {
	return id == "aws/s3" || id == "alias/aws/s3" || strings.HasSuffix(id, ":alias/aws/s3")
}

// cseKMSRefine explains KMS failures in client-side terms: here you call
// KMS yourself, S3 is not involved.
func cseKMSRefine(key string) func(*Error) {
	return func(e *Error) {
		code := strings.TrimPrefix(e.Code, "KMS.")
		if key == "" {
			key = kmsARNIn(e.What)
		}
		switch {
		case code == "DisabledException":
			e.Why = "the KMS key for the object's data key is disabled: KMS refuses GenerateDataKey and Decrypt with it, " +
				"so you cannot get or unwrap the data key (and S3 cannot help: it never had the key)"
			e.Fix = "Enable it: s3crypt kms enable-key --key-id " + keyOrDefault(key, "KEY")
		case code == "InvalidKeyUsageException" || strings.Contains(code, "InvalidKeyUsage"):
			e.Why = "client-side encryption calls GenerateDataKey and Decrypt, which need a symmetric KMS key; an RSA key cannot make data keys"
			e.Fix = "Create a symmetric key: s3crypt kms create-key --alias alias/NAME"
		case code == "AccessDeniedException" && strings.Contains(e.What, "aws/s3"):
			e.Why = "the AWS managed key aws/s3 may be used only by S3 on your behalf, never by a client"
			e.Fix = "Create a customer managed key: s3crypt kms create-key --alias alias/NAME"
		case code == "InvalidCiphertextException":
			e.What = "KMS could not decrypt the object's wrapped data key"
			e.Why = "the wrapped key (x-amz-3 / x-amz-key-v2) or its stored encryption context (x-amz-t / x-amz-matdesc) was altered, " +
				"or the key was wrapped under another KMS key"
			e.Fix = "Check the object's metadata with s3crypt head; download the ciphertext as stored with --no-decrypt"
		case code == "IncorrectKeyException":
			e.Why = "the object's data key is wrapped under another KMS key than --kms-key names"
			e.Fix = "Leave --kms-key out to use the key the wrapped data key names, or name the right key"
		}
	}
}

// cseContentError explains a local decryption failure.
func cseContentError(op, obj string, err error) *Error {
	e := &Error{Op: op, What: obj + " could not be decrypted", Why: err.Error(), Err: err,
		Fix: "Nothing was written; download the ciphertext as stored with --no-decrypt to examine it"}
	var closeErr *s3c.CommittedCloseError
	switch {
	case errors.As(err, &closeErr):
		e.What = obj + " was decrypted and authenticated into " + closeErr.Path + ", but closing the file failed"
		e.Why = closeErr.Err.Error()
		e.Fix = "The file is in place; check its content (a close error on a network file system can mean lost writes), or download it again"
	case errors.Is(err, s3c.ErrAuthentication):
		e.What = obj + " failed authentication: its AES-GCM tag does not verify"
		e.Why = "the ciphertext, its tag or its IV was altered after it was written, or the data key is not the one it was encrypted with"
		e.Fix = "Nothing was written (unauthenticated plaintext is never kept); restore the object from a version you trust"
	case errors.Is(err, s3c.ErrCommitment):
		e.What = obj + " failed its key commitment check (x-amz-d)"
		e.Why = "the data key KMS returned does not belong to this object: its envelope was altered or mixed with another object's; nothing was decrypted"
		e.Fix = "Restore the object from a version you trust"
	case errors.Is(err, s3c.ErrTruncated), errors.Is(err, s3c.ErrLengthMismatch):
		e.What = obj + " has the wrong length for its envelope"
		e.Why = err.Error() + "; the object was truncated or replaced"
		e.Fix = "Nothing was written; restore the object from a version you trust"
	}
	return e
}

// cseCommands is what the aws CLI can do for a client-side upload. It
// cannot encrypt client-side (that takes an S3 Encryption Client SDK) and
// s3crypt never writes the ciphertext to a file, so no put-object is
// shown: the head-object shows what s3crypt stored once it is done.
func (p *Put) cseCommands(env *Env, multipart bool) []Command {
	args := []string{"s3api", "head-object", "--bucket", p.Bucket, "--key", p.Key}
	cmds, main := sseCSequence(env, p.SSEC, args)
	how := "one PutObject"
	if multipart {
		how = "a multipart upload"
	}
	key := "a KMS data key"
	if raw := p.ClientSide.rawWrapAlg(); raw != "" {
		key = "a data key wrapped with your own key (" + raw + ")"
	}
	cmds[main].Note = fmt.Sprintf("the aws CLI cannot encrypt client-side: s3crypt encrypted %s locally (S3 Encryption Client format V%d, AES-256-GCM%s) "+
		"under %s and sent only the ciphertext in %s, with the envelope as x-amz-meta-* metadata; once it is done, this shows what S3 stored",
		p.File, p.ClientSide.format(), map[bool]string{true: ", HKDF-SHA512 key commitment", false: ""}[p.ClientSide.format() == s3c.FormatV3], key, how)
	return cmds
}

// cseCommands is what the aws CLI can do for a client-side download: save
// the ciphertext as stored, take the encrypted data key from the
// envelope and have KMS unwrap it (printing only which key did). It
// cannot decrypt the body.
func (g *Get) cseCommands(env *Env, e s3c.Envelope) []Command {
	out := g.File
	if out == "-" {
		out = filepath.Base(g.Key)
	}
	obj := []string{"--bucket", g.Bucket, "--key", g.Key}
	if g.VersionID != "" {
		obj = append(obj, "--version-id", g.VersionID)
	}
	get := append([]string{"s3api", "get-object"}, obj...)
	if g.wireRange != "" {
		get = append(get, "--range", g.wireRange)
	}
	cmds, main := sseCSequence(env, g.SSEC, get, out+".s3ec")
	cmds[main].Note = "the aws CLI cannot decrypt client-side: this saves the ciphertext as stored, with its envelope in Metadata"
	if g.instrMeta != nil {
		cmds[main].Note = "the aws CLI cannot decrypt client-side: this saves the ciphertext as stored; its envelope is in " + g.Key + s3c.InstructionSuffix
		ic := AWSCommand(env, "s3", "cp", "s3://"+g.Bucket+"/"+g.Key+s3c.InstructionSuffix, out+s3c.InstructionSuffix)
		ic.Note = "and this saves the envelope: the instruction file, a JSON object of the x-amz-* keys (the current one, as S3 Encryption Clients read it)"
		return append(cmds, ic)
	}
	if isRawWrap(e.WrapAlg) {
		cmds[main].Note += "; its data key is wrapped with your own " + e.WrapAlg + " key, which never reaches AWS, so no aws command can unwrap it"
		return cmds
	}
	meta := map[int]string{1: s3c.MetaKeyV1, s3c.FormatV2: s3c.MetaKeyV2}[e.Format]
	if meta == "" {
		meta = s3c.MetaV3Key
	}
	heads, main := sseCSequence(env, g.SSEC, append([]string{"s3api", "head-object"}, obj...),
		"--query", `Metadata."`+meta+`"`, "--output", "text")
	heads[main].Pipe = decodeToFile(out + ".wrapped-key")
	heads[main].Note = fmt.Sprintf("x-amz-meta-%s is the data key encrypted under KMS (%d bytes)", meta, len(e.WrappedKey))
	cmds = append(cmds, heads...)
	args := []string{"kms", "decrypt", "--ciphertext-blob", "fileb://" + out + ".wrapped-key", "--encryption-context", contextJSON(e.MatDesc)}
	if g.KMSKey != "" {
		args = append(args, "--key-id", g.KMSKey)
	}
	c := AWSCommand(env, append(args, "--query", "KeyId", "--output", "text")...)
	c.Note = fmt.Sprintf("KMS unwraps the data key under the envelope's context; --query KeyId prints only which key did, not the plaintext key, "+
		"which s3crypt then used to decrypt the body in the S3 Encryption Client format V%d (an S3 Encryption Client SDK does the same)", e.Format)
	return append(cmds, c)
}

// kmsARNIn finds a KMS key ARN in an error message (KMS names the key it
// refused), or returns "".
func kmsARNIn(msg string) string {
	i := strings.Index(msg, "arn:aws:kms:")
	if i < 0 {
		return ""
	}
	end := strings.IndexAny(msg[i:], " '\"")
	if end < 0 {
		return strings.TrimRight(msg[i:], ".")
	}
	return strings.TrimRight(msg[i:i+end], ".")
}
