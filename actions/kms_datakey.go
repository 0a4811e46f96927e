package actions

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	kmstypes "github.com/aws/aws-sdk-go-v2/service/kms/types"

	s3c "github.com/s3crypt/s3crypt/crypto"
)

// GenerateDataKey asks KMS for a data key: its plaintext and its copy
// encrypted under a symmetric KMS key.
type GenerateDataKey struct {
	KeyID   string
	KeySpec string // AES_256 (default) or AES_128
	Context map[string]string
	// Out, when set, receives the raw plaintext key (mode 0600, never
	// overwritten) and the result then holds no plaintext.
	Out string
	// EncryptedOut, when set, receives the raw encrypted data key (0600).
	EncryptedOut string
	// InMemory says the caller uses the plaintext key itself (as an SSE-C
	// key) and wipes it: it is neither printed nor saved. The aws command
	// shown then keeps only the encrypted key, which the next commands
	// decrypt (the aws CLI cannot hand a key from one command to another).
	InMemory bool
}

// GenerateDataKeyResult is a new data key.
type GenerateDataKeyResult struct {
	KeyARN         string            `json:"keyArn"`
	KeySpec        string            `json:"keySpec"`
	Bytes          int               `json:"bytes"`
	CiphertextBlob []byte            `json:"ciphertextBlob"` // the encrypted data key (base64 in JSON)
	Context        map[string]string `json:"encryptionContext,omitempty"`
	PlaintextFile  string            `json:"plaintextFile,omitempty"`
	EncryptedFile  string            `json:"encryptedFile,omitempty"`
	// Plaintext is the data key when PlaintextFile is empty. Whoever
	// receives the result must Wipe it once shown; JSON shows it as
	// "plaintext" (base64), as aws kms generate-data-key does.
	Plaintext *s3c.Key `json:"-"`
}

// MarshalJSON adds the plaintext key (base64) when the result holds it.
func (g GenerateDataKeyResult) MarshalJSON() ([]byte, error) {
	type plain GenerateDataKeyResult
	out := struct {
		plain
		Plaintext string `json:"plaintext,omitempty"`
	}{plain: plain(g)}
	if !g.Plaintext.Wiped() {
		out.Plaintext = base64.StdEncoding.EncodeToString(g.Plaintext.Bytes())
	}
	return json.Marshal(out)
}

// PrintingWarning is SSE-SPEC 5.13 #2: why a printed data key is a leak.
const PrintingWarning = "printing a plaintext data key defeats envelope encryption: the point is that the plaintext " +
	"key lives only in memory while you encrypt, and only the encrypted key is stored. It is now in your terminal's " +
	"scrollback. Use --out FILE (mode 0600) instead, or keep only the encrypted key and decrypt it when needed"

// Describe implements Action.
func (g *GenerateDataKey) Describe() string { return "generate a data key under KMS key " + g.KeyID }

func (g *GenerateDataKey) spec() string {
	if g.KeySpec == "" {
		return string(kmstypes.DataKeySpecAes256)
	}
	return g.KeySpec
}

// Run implements Action.
func (g *GenerateDataKey) Run(ctx context.Context, env *Env, r *Reporter) (any, error) {
	if err := g.check(); err != nil {
		return nil, err
	}
	r.Command(g.command(env))
	kmsRequest(r, "GenerateDataKey", "you ask KMS for a new "+g.spec()+" data key, encrypted under "+g.KeyID)
	out, err := env.Backend.KMS.GenerateDataKey(ctx, &kms.GenerateDataKeyInput{KeyId: &g.KeyID,
		KeySpec: kmstypes.DataKeySpec(g.spec()), EncryptionContext: g.Context}, withKMSJob(r))
	if err != nil {
		return nil, failed(ctx, g.Describe(), err, g.KeyID, g.refine)
	}
	key := s3c.NewKey(out.Plaintext)
	clear(out.Plaintext)
	res := GenerateDataKeyResult{KeyARN: aws.ToString(out.KeyId), KeySpec: g.spec(), Bytes: key.Len(),
		CiphertextBlob: out.CiphertextBlob, Context: g.Context}
	r.Step(Step{Actor: KMS, To: You, Op: OpResponse, Title: "plaintext + encrypted key", KeyARN: res.KeyARN,
		Context: g.Context, Bytes: int64(key.Len()), Observed: true, Detail: fmt.Sprintf(
			"KMS returned the data key twice: in plaintext (%d bytes) and encrypted under the KMS key (%d bytes)",
			key.Len(), len(out.CiphertextBlob))})
	if err := g.save(r, key, &res); err != nil {
		return nil, err
	}
	return res, nil
}

// check validates the request before anything is sent.
func (g *GenerateDataKey) check() error {
	switch {
	case g.spec() != string(kmstypes.DataKeySpecAes256) && g.spec() != string(kmstypes.DataKeySpecAes128):
		return &Error{Op: g.Describe(), What: "unknown key spec " + g.KeySpec, Fix: "Use --key-spec AES_256 or AES_128"}
	case g.Out != "" && g.Out == g.EncryptedOut:
		return &Error{Op: g.Describe(), What: "--out and --encrypted-out name the same file", Fix: "Give them different files"}
	}
	for _, f := range []string{g.Out, g.EncryptedOut} {
		if f == "" {
			continue
		}
		if err := checkNoClobber(g.Describe(), f, false); err != nil {
			return err
		}
	}
	return nil
}

// save writes the keys to their files, or hands the plaintext key over.
func (g *GenerateDataKey) save(r *Reporter, key *s3c.Key, res *GenerateDataKeyResult) error {
	if g.EncryptedOut != "" {
		if err := writePrivateFile(g.EncryptedOut, res.CiphertextBlob, false); err != nil {
			key.Wipe()
			return &Error{Op: g.Describe(), What: "cannot save the encrypted data key", Why: err.Error(), Err: err}
		}
		res.EncryptedFile = g.EncryptedOut
		r.Step(Step{Actor: You, Op: OpFileSaved, Title: "encrypted key saved", Observed: true, KeyARN: res.KeyARN,
			Detail: "you saved the encrypted data key to " + g.EncryptedOut + " (safe to store: only KMS can decrypt it)"})
	}
	if g.Out == "" {
		res.Plaintext = key
		r.Step(Step{Actor: You, Op: OpKeyShown, Title: "plaintext key shown", Observed: true,
			Detail: "the plaintext data key is handed to you to print, as aws kms generate-data-key does"})
		return nil
	}
	defer key.Wipe()
	if err := s3c.WriteKeyFile(g.Out, key, s3c.KeyFileRaw, false); err != nil {
		if res.EncryptedFile != "" {
			// An encrypted key without its plaintext twin would be a
			// puzzle later: remove it too.
			_ = os.Remove(res.EncryptedFile)
			res.EncryptedFile = ""
		}
		return &Error{Op: g.Describe(), What: "cannot save the plaintext data key", Why: err.Error(), Err: err,
			Fix: "Choose another --out; the key was not saved anywhere"}
	}
	res.PlaintextFile = g.Out
	r.Step(Step{Actor: You, Op: OpKeySaved, Title: "plaintext key saved", Observed: true,
		Detail: fmt.Sprintf("you saved the raw %d-byte plaintext data key to %s (mode 0600); it is not printed", key.Len(), g.Out)})
	key.Wipe()
	r.Step(Step{Actor: You, Op: OpLocalWipe, Title: "plaintext key wiped", Observed: true,
		Detail: "you wiped the plaintext data key from memory"})
	return nil
}

// refine explains the errors particular to GenerateDataKey.
func (g *GenerateDataKey) refine(e *Error) {
	if e.Code == "InvalidKeyUsageException" {
		e.Why = "GenerateDataKey works only with symmetric (SYMMETRIC_DEFAULT) KMS keys, which encrypt the data key inside KMS; " +
			"an RSA key such as the blog post's RSA_2048 cannot make data keys"
		if strings.Contains(e.What, "key usage is ") { // an ECC, HMAC, ML-DSA or ML-KEM key
			e.Why = "GenerateDataKey works only with symmetric (SYMMETRIC_DEFAULT) KMS keys, which encrypt the data key inside KMS: " +
				invalidKeyUsageWhy(e.What)
		}
		e.What = g.KeyID + " is not a symmetric encryption key (" + e.What + ")"
		e.Fix = "Create a symmetric key and use it: s3crypt kms create-key --alias alias/NAME"
	}
}

func (g *GenerateDataKey) command(env *Env) Command {
	args := []string{"kms", "generate-data-key", "--key-id", g.KeyID, "--key-spec", g.spec()}
	if ctx := contextJSON(g.Context); ctx != "" {
		args = append(args, "--encryption-context", ctx)
	}
	// One call returns both keys, base64 in JSON; --output text with a
	// two-field query prints them on one line for the shell to split.
	both := slices.Concat(args, []string{"--query", "[Plaintext,CiphertextBlob]", "--output", "text"})
	split := func(plain, blob string) string {
		return `| { read -r key blob; ` + plain + `; ` + blob + `; }`
	}
	save := func(v, file string) string { return `printf %s "$` + v + `" | base64 -d > ` + shellQuote(file) }
	var c Command
	switch {
	case g.InMemory && g.EncryptedOut != "":
		c = AWSCommand(env, append(args, "--query", "CiphertextBlob", "--output", "text")...)
		c.Pipe = decodeToFile(g.EncryptedOut)
		c.Note = "s3crypt keeps the plaintext key in memory only; the aws CLI cannot pass it to the next command, " +
			"so this keeps only the encrypted key and the next commands have KMS decrypt it"
	case g.Out != "" && g.EncryptedOut != "":
		c = AWSCommand(env, both...)
		c.Pipe = split(save("key", g.Out), save("blob", g.EncryptedOut))
		c.Note = "the raw plaintext key goes to " + g.Out + " and the raw encrypted key to " + g.EncryptedOut + ", as s3crypt wrote them; nothing is printed"
	case g.Out != "":
		c = AWSCommand(env, both...)
		c.Pipe = split(save("key", g.Out), `echo "$blob"`)
		c.Note = "the raw plaintext key goes to " + g.Out + " (not to your terminal); the encrypted key is printed as base64. " +
			"To store a key only, use aws kms generate-data-key-without-plaintext"
	case g.EncryptedOut != "":
		c = AWSCommand(env, both...)
		c.Pipe = split(`echo "$key"`, save("blob", g.EncryptedOut))
		c.Note = "the plaintext key is printed as base64, which defeats envelope encryption (use --out FILE); the raw encrypted key goes to " + g.EncryptedOut
	default:
		c = AWSCommand(env, args...)
		c.Note = "the aws CLI prints Plaintext and CiphertextBlob as base64: decode them (base64 -d) before use"
	}
	return c
}

// contextJSON renders an encryption context for --encryption-context.
func contextJSON(c map[string]string) string {
	if len(c) == 0 {
		return ""
	}
	data, _ := json.Marshal(c)
	return string(data)
}
