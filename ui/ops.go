package ui

import (
	"context"
	"encoding/base64"
	"fmt"
	"os"
	"strings"

	"github.com/aws/aws-sdk-go-v2/service/kms"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/s3crypt/s3crypt/actions"
	s3c "github.com/s3crypt/s3crypt/crypto"
	"github.com/s3crypt/s3crypt/keyflow"
)

// The actions below compose the actions package's for the upload and
// download dialogs' SSE-C choices (a fresh key, a key file, or a KMS data
// key as in the seed); they run on the worker like the others.

// sseCSource is where an SSE-C key comes from.
type sseCSource int

// The SSE-C key sources.
const (
	sseCFromFile sseCSource = iota // an existing key file (raw, base64 or hex)
	sseCGenerate                   // a fresh random key written to a new file
	sseCFromKMS                    // a KMS data key, kept only encrypted (as in the seed)
)

func (s sseCSource) String() string {
	return [...]string{"key file", "generate new", "KMS data key"}[s]
}

// sseCPut uploads with SSE-C, obtaining the key on the worker first.
type sseCPut struct {
	Put     actions.Put
	Source  sseCSource
	KeyFile string // read, or written (generate; KMS: the encrypted data key)
	KMSKey  string // for sseCFromKMS
}

func (p *sseCPut) Describe() string {
	put := p.Put
	put.SSEC = &actions.SSECKey{} // names the mode: "… with SSE-C"
	return put.Describe()
}

func (p *sseCPut) Run(ctx context.Context, env *actions.Env, r *actions.Reporter) (any, error) {
	k, err := p.key(ctx, env, r)
	if err != nil {
		return nil, err
	}
	defer k.Wipe()
	put := p.Put
	put.SSEC = &actions.SSECKey{Key: k, File: p.KeyFile, FromKMS: p.Source == sseCFromKMS}
	res, err := put.Run(ctx, env, r)
	if err != nil && p.Source != sseCFromFile && actions.RefusedByS3(err) {
		// No object uses the key just made: keeping its file would only
		// make the retry fail with "a file already exists there".
		if os.Remove(p.KeyFile) == nil {
			r.Step(actions.Step{Actor: keyflow.You, Op: opKeyFileRemoved, Title: "unused key file removed", Observed: true,
				Detail: "S3 refused the upload, so the key saved to " + p.KeyFile + " protects nothing: you removed it"})
		}
	}
	return res, err
}

// opKeyFileRemoved is the step of removing a key file S3 never used.
const opKeyFileRemoved = "KeyFileRemoved"

func (p *sseCPut) key(ctx context.Context, env *actions.Env, r *actions.Reporter) (*s3c.Key, error) {
	op := p.Describe()
	switch p.Source {
	case sseCGenerate:
		k, err := s3c.RandomKey(32)
		if err != nil {
			return nil, fmt.Errorf("generate an SSE-C key: %w", err)
		}
		if err := s3c.WriteKeyFile(p.KeyFile, k, s3c.KeyFileRaw, false); err != nil {
			k.Wipe()
			return nil, &actions.Error{Op: op, What: "cannot write the new key to " + p.KeyFile, Why: err.Error(),
				Fix: "Pick a file name that does not exist yet", Err: err}
		}
		r.Step(actions.Step{Actor: keyflow.You, Op: keyflow.OpKeySaved, Title: "new SSE-C key saved", Observed: true,
			Detail: "you generated 32 random bytes and saved them to " + p.KeyFile + " (0600): without this file the object cannot be read"})
		return k, nil
	case sseCFromKMS:
		g := &actions.GenerateDataKey{KeyID: p.KMSKey, EncryptedOut: p.KeyFile, InMemory: true}
		res, err := g.Run(ctx, env, r)
		if err != nil {
			return nil, err
		}
		gr := res.(actions.GenerateDataKeyResult)
		return gr.Plaintext, nil
	}
	return readKey(op, p.KeyFile, r)
}

// readKey reads an SSE-C key file and reports it.
func readKey(op, path string, r *actions.Reporter) (*s3c.Key, error) {
	k, _, err := s3c.ReadKeyFile(path)
	if err != nil {
		return nil, &actions.Error{Op: op, What: "cannot use " + path + " as an SSE-C key", Why: err.Error(),
			Fix: "Give a file holding the 32-byte key (raw, base64 or hex)", Err: err}
	}
	r.Step(actions.Step{Actor: keyflow.You, Op: keyflow.OpKeyLoaded, Title: "SSE-C key read", Observed: true,
		Detail: "you read the 32-byte key from " + path})
	return k, nil
}

// sseCGet downloads an SSE-C object, obtaining the key on the worker.
type sseCGet struct {
	Get     actions.Get
	KeyFile string
	FromKMS bool // KeyFile holds a KMS-encrypted data key
}

func (g *sseCGet) Describe() string { return g.Get.Describe() }

func (g *sseCGet) Run(ctx context.Context, env *actions.Env, r *actions.Reporter) (any, error) {
	var (
		k   *s3c.Key
		err error
	)
	if g.FromKMS {
		k, err = decryptDataKey(ctx, env, r, g.Get.Describe(), g.KeyFile)
	} else {
		k, err = readKey(g.Get.Describe(), g.KeyFile, r)
	}
	if err != nil {
		return nil, err
	}
	defer k.Wipe()
	get := g.Get
	get.SSEC = &actions.SSECKey{Key: k, File: g.KeyFile, FromKMS: g.FromKMS}
	return get.Run(ctx, env, r)
}

// decryptDataKey asks KMS to decrypt an encrypted data key file.
func decryptDataKey(ctx context.Context, env *actions.Env, r *actions.Reporter, op, path string) (*s3c.Key, error) {
	blob, err := os.ReadFile(path)
	if err != nil {
		return nil, &actions.Error{Op: op, What: "cannot read " + path, Why: err.Error(), Err: err}
	}
	if dec, derr := base64.StdEncoding.DecodeString(strings.TrimSpace(string(blob))); derr == nil && len(dec) > 0 {
		blob = dec
	}
	// The aws equivalent of this Decrypt is part of the get's commands
	// (SSECKey.FromKMS).
	r.Step(actions.Step{Actor: keyflow.You, To: keyflow.KMS, Op: keyflow.OpRequest, Title: "Decrypt", Observed: true,
		Detail: "you send the encrypted data key to KMS"})
	out, err := env.Backend.KMS.Decrypt(ctx, &kms.DecryptInput{CiphertextBlob: blob},
		func(o *kms.Options) {
			o.APIOptions = append(o.APIOptions, smithyhttp.AddHeaderValue(keyflow.JobHeader, r.Token()))
		})
	if err != nil {
		return nil, actions.Diagnose(op, err, actions.Hint{})
	}
	k := s3c.NewKey(out.Plaintext)
	clear(out.Plaintext)
	r.Step(actions.Step{Actor: keyflow.KMS, To: keyflow.You, Op: keyflow.OpResponse, Title: "plaintext data key", Observed: true,
		KeyARN: *out.KeyId, Detail: "KMS returned the data key in plaintext; you use it as the SSE-C key"})
	return k, nil
}
