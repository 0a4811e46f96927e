package actions

import (
	"context"
	"encoding/base64"
	"fmt"
	"os"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"

	s3c "github.com/s3crypt/s3crypt/crypto"
	"github.com/s3crypt/s3crypt/keyflow"
)

// OpKeyFileRemoved is the step of removing a key file S3 never used.
const OpKeyFileRemoved keyflow.Op = "KeyFileRemoved"

// SSECSource is where the SSE-C key of an upload comes from.
type SSECSource int

// The SSE-C key sources.
const (
	SSECFromFile SSECSource = iota // an existing key file (raw, base64 or hex)
	SSECGenerate                   // a fresh random key written to a new file
	SSECFromKMS                    // a KMS data key, kept only encrypted (as in the blog post)
)

func (s SSECSource) String() string {
	switch s {
	case SSECFromFile:
		return "key file"
	case SSECGenerate:
		return "generate new"
	case SSECFromKMS:
		return "KMS data key"
	}
	return fmt.Sprintf("SSECSource(%d)", int(s))
}

// PutSSEC uploads with SSE-C, obtaining the key first: read from KeyFile,
// generated and written to KeyFile (0600, never overwritten), or a new
// data key of KMSKey whose encrypted copy is written to KeyFile. When S3
// refuses the upload, a key file made for it protects nothing and is
// removed, so a retry can use the same name; a file you brought is kept.
type PutSSEC struct {
	Put     Put // without SSEC: PutSSEC sets it
	Source  SSECSource
	KeyFile string
	KMSKey  string // for SSECFromKMS
}

// Describe implements Action.
func (p *PutSSEC) Describe() string {
	put := p.Put
	put.SSEC = &SSECKey{} // names the mode: "… with SSE-C"
	return put.Describe()
}

// Run implements Action; the result is a PutResult.
func (p *PutSSEC) Run(ctx context.Context, env *Env, r *Reporter) (any, error) {
	// Refused before a key is made: no file is left for a key never sent.
	if err := refuseSSECOverHTTP(env, p.Describe(), &SSECKey{}); err != nil {
		return nil, err
	}
	k, enc, err := p.key(ctx, env, r)
	if err != nil {
		return nil, err
	}
	defer k.Wipe()
	put := p.Put
	put.SSEC = &SSECKey{Key: k, File: p.KeyFile, Encoding: enc, FromKMS: p.Source == SSECFromKMS}
	res, err := put.Run(ctx, env, r)
	if err != nil && p.Source != SSECFromFile && RefusedByS3(err) {
		// No object uses the key just made: keeping its file would only
		// make the retry fail with "a file already exists there".
		if os.Remove(p.KeyFile) == nil {
			r.Step(Step{Actor: You, Op: OpKeyFileRemoved, Title: "unused key file removed", Observed: true,
				Detail: "S3 refused the upload, so the key saved to " + p.KeyFile + " protects nothing: you removed it"})
		}
	}
	return res, err
}

// key obtains the upload's SSE-C key and how its file holds it.
func (p *PutSSEC) key(ctx context.Context, env *Env, r *Reporter) (*s3c.Key, s3c.KeyEncoding, error) {
	op := p.Describe()
	switch p.Source {
	case SSECGenerate:
		k, err := s3c.RandomKey(32)
		if err != nil {
			return nil, s3c.EncodingUnknown, fmt.Errorf("generate an SSE-C key: %w", err)
		}
		if err := s3c.WriteKeyFile(p.KeyFile, k, s3c.KeyFileRaw, false); err != nil {
			k.Wipe()
			return nil, s3c.EncodingUnknown, &Error{Op: op, What: "cannot write the new key to " + p.KeyFile, Why: err.Error(),
				Fix: "Pick a file name that does not exist yet", Err: err}
		}
		r.Step(Step{Actor: You, Op: OpKeySaved, Title: "new SSE-C key saved", Observed: true,
			Detail: "you generated 32 random bytes and saved them to " + p.KeyFile + " (0600): without this file the object cannot be read"})
		return k, s3c.EncodingRaw, nil
	case SSECFromKMS:
		g := &GenerateDataKey{KeyID: p.KMSKey, EncryptedOut: p.KeyFile, InMemory: true}
		res, err := g.Run(ctx, env, r)
		if err != nil {
			return nil, s3c.EncodingUnknown, err
		}
		return res.(GenerateDataKeyResult).Plaintext, s3c.EncodingRaw, nil
	}
	return ReadSSECKey(op, p.KeyFile, r)
}

// ReadSSECKey reads an SSE-C key file (raw, base64 or hex), reports the
// step and says how the file holds the key. Bad files get a clear error.
func ReadSSECKey(op, path string, r *Reporter) (*s3c.Key, s3c.KeyEncoding, error) {
	k, enc, _, err := s3c.ReadKeyFileEncoding(path)
	if err != nil {
		return nil, s3c.EncodingUnknown, &Error{Op: op, What: "cannot use " + path + " as an SSE-C key", Why: err.Error(),
			Fix: "Give a file holding the 32-byte key (raw, base64 or hex)", Err: err}
	}
	r.Step(Step{Actor: You, Op: OpKeyLoaded, Title: "SSE-C key read", Observed: true,
		Detail: "you read the 32-byte key from " + path})
	return k, enc, nil
}

// GetSSEC downloads an SSE-C object, obtaining its key first: from
// KeyFile, or (FromKMS) by asking KMS to decrypt the encrypted data key
// KeyFile holds, whose plaintext then serves as the SSE-C key and is
// wiped after the download.
type GetSSEC struct {
	Get     Get // without SSEC: GetSSEC sets it
	KeyFile string
	FromKMS bool
}

// Describe implements Action.
func (g *GetSSEC) Describe() string { return g.Get.Describe() }

// Run implements Action; the result is a GetResult.
func (g *GetSSEC) Run(ctx context.Context, env *Env, r *Reporter) (any, error) {
	var (
		k   *s3c.Key
		enc = s3c.EncodingRaw
		err error
	)
	if g.FromKMS {
		k, err = DecryptDataKey(ctx, env, r, g.Describe(), g.KeyFile)
	} else {
		k, enc, err = ReadSSECKey(g.Describe(), g.KeyFile, r)
	}
	if err != nil {
		return nil, err
	}
	defer k.Wipe()
	get := g.Get
	get.SSEC = &SSECKey{Key: k, File: g.KeyFile, Encoding: enc, FromKMS: g.FromKMS}
	return get.Run(ctx, env, r)
}

// DecryptDataKey asks KMS to decrypt the encrypted data key in path (raw
// bytes, or their base64 text) and returns the plaintext key, which the
// caller wipes. The plaintext never reaches a file or an event.
func DecryptDataKey(ctx context.Context, env *Env, r *Reporter, op, path string) (*s3c.Key, error) {
	blob, err := os.ReadFile(path)
	if err != nil {
		return nil, &Error{Op: op, What: "cannot read " + path, Why: err.Error(),
			Fix: "Give the file holding the encrypted data key (as kms generate-data-key --encrypted-out wrote it)", Err: err}
	}
	if dec, derr := base64.StdEncoding.DecodeString(strings.TrimSpace(string(blob))); derr == nil && len(dec) > 0 {
		blob = dec
	}
	// The aws equivalent of this Decrypt is part of the request's own
	// commands (SSECKey.FromKMS).
	r.Step(Step{Actor: You, To: KMS, Op: OpRequest, Title: "Decrypt", Observed: true,
		Detail: "you send the encrypted data key to KMS"})
	out, err := env.Backend.KMS.Decrypt(ctx, &kms.DecryptInput{CiphertextBlob: blob}, withKMSJob(r))
	if err != nil {
		return nil, failed(ctx, op, err, "", nil)
	}
	k := s3c.NewKey(out.Plaintext)
	clear(out.Plaintext)
	r.Step(Step{Actor: KMS, To: You, Op: OpResponse, Title: "plaintext data key", Observed: true,
		KeyARN: aws.ToString(out.KeyId), Detail: "KMS returned the data key in plaintext; you use it as the SSE-C key"})
	return k, nil
}
