package actions

import (
	"context"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	kmstypes "github.com/aws/aws-sdk-go-v2/service/kms/types"

	"github.com/s3crypt/s3crypt/awsclient"
)

// CreateKey creates a customer managed KMS key, and names it if Alias is
// set.
type CreateKey struct {
	KeySpec     string // "" or SYMMETRIC_DEFAULT; RSA_*, ECC_*, HMAC_*, ML_DSA_*, ML_KEM_*
	KeyUsage    string // "" = the spec's default (defaultUsage)
	Alias       string // "" or alias/NAME
	Description string
}

// CreateKeyResult is the new key.
type CreateKeyResult struct {
	Key KeyInfo `json:"key"`
	// Warning says what the key cannot do, for keys S3 cannot use.
	Warning string `json:"warning,omitempty"`
}

// rsaWarning is SSE-SPEC 5.13 #1: the seed blog's RSA key is no use to S3.
const rsaWarning = "an RSA key cannot be used for SSE-KMS, DSSE-KMS, bucket default encryption, bucket keys, " +
	"GenerateDataKey or automatic rotation: it only encrypts small messages directly (at most 190 bytes for RSA_2048 " +
	"with RSAES_OAEP_SHA_256). For envelope encryption create a symmetric key: s3crypt kms create-key"

// Describe implements Action.
func (c *CreateKey) Describe() string {
	d := "create a " + c.spec() + " KMS key"
	if c.Alias != "" {
		d += " named " + c.Alias
	}
	return d
}

func (c *CreateKey) spec() string {
	if c.KeySpec == "" {
		return string(kmstypes.KeySpecSymmetricDefault)
	}
	return c.KeySpec
}

func (c *CreateKey) symmetric() bool { return c.spec() == string(kmstypes.KeySpecSymmetricDefault) }

// usage is the KeyUsage to send: KMS requires one for every key but a
// symmetric one, so s3crypt fills in the spec's default.
func (c *CreateKey) usage() string {
	if c.KeyUsage == "" && !c.symmetric() {
		return defaultUsage(c.spec())
	}
	return c.KeyUsage
}

// defaultUsage is the usage s3crypt picks for a spec when none is given:
// ENCRYPT_DECRYPT for RSA (the blog post's key), otherwise the spec's first
// (for most, only) usage in KMS's table.
func defaultUsage(spec string) string {
	switch {
	case strings.HasPrefix(spec, "HMAC_"):
		return string(kmstypes.KeyUsageTypeGenerateVerifyMac)
	case strings.HasPrefix(spec, "ML_KEM_"):
		return string(kmstypes.KeyUsageTypeEncapsulateDecapsulate)
	case strings.HasPrefix(spec, "ECC_"), strings.HasPrefix(spec, "ML_DSA_"):
		return string(kmstypes.KeyUsageTypeSignVerify)
	}
	return string(kmstypes.KeyUsageTypeEncryptDecrypt)
}

// keyWarning says why a key that is not symmetric cannot back SSE-KMS.
func keyWarning(spec, usage string) string {
	if strings.HasPrefix(spec, "RSA_") && usage == string(kmstypes.KeyUsageTypeEncryptDecrypt) {
		return rsaWarning
	}
	return "this " + spec + " " + usage + " key cannot be used for SSE-KMS, DSSE-KMS, bucket default encryption, bucket keys, " +
		"client-side encryption or GenerateDataKey: those need KMS to encrypt a data key, and only a key with KeyUsage " +
		"ENCRYPT_DECRYPT encrypts; KMS answers InvalidKeyUsageException. For envelope encryption create a symmetric key: s3crypt kms create-key"
}

// checkAliasName applies KMS's alias rules before anything is created.
func checkAliasName(name string) error {
	rest, ok := strings.CutPrefix(name, "alias/")
	switch {
	case !ok || rest == "":
		return fmt.Errorf("alias %q must start with alias/ and name something: write alias/NAME", name)
	case strings.HasPrefix(rest, "aws/"):
		return fmt.Errorf("alias %q is reserved: alias/aws/ names are AWS managed keys'", name)
	}
	return nil
}

// Run implements Action.
func (c *CreateKey) Run(ctx context.Context, env *Env, r *Reporter) (any, error) {
	if c.Alias != "" {
		if err := checkAliasName(c.Alias); err != nil {
			return nil, &Error{Op: c.Describe(), What: err.Error(), Fix: "Name it alias/NAME, e.g. alias/demo"}
		}
	}
	r.Command(c.command(env))
	in := &kms.CreateKeyInput{KeyUsage: kmstypes.KeyUsageType(c.usage())}
	if !c.symmetric() || c.KeySpec != "" {
		in.KeySpec = kmstypes.KeySpec(c.spec())
	}
	if c.Description != "" {
		in.Description = &c.Description
	}
	what := "a symmetric AES-256 key whose material never leaves KMS"
	if strings.HasPrefix(c.spec(), "HMAC_") {
		what = "an " + c.spec() + " key whose material never leaves KMS"
	} else if !c.symmetric() {
		what = "an " + c.spec() + " key pair whose private key never leaves KMS"
	}
	kmsRequest(r, "CreateKey", "you ask KMS for "+what)
	out, err := env.Backend.KMS.CreateKey(ctx, in, withKMSJob(r))
	if err != nil {
		return nil, failed(ctx, c.Describe(), err, "", nil)
	}
	res := CreateKeyResult{Key: keyInfoFrom(out.KeyMetadata)}
	if res.Key.Symmetric() {
		res.Key.Rotation = RotationDisabled // new keys start without automatic rotation
	} else {
		res.Warning = keyWarning(res.Key.KeySpec, res.Key.KeyUsage)
	}
	kmsResponse(r, "key created", "KMS created key "+res.Key.KeyID+" ("+res.Key.KeyState+")", res.Key.ARN)
	if c.Alias == "" {
		return res, nil
	}
	r.Command(AWSCommand(env, "kms", "create-alias", "--alias-name", c.Alias, "--target-key-id", res.Key.KeyID))
	kmsRequest(r, "CreateAlias", "you ask KMS to name the key "+c.Alias)
	_, err = env.Backend.KMS.CreateAlias(ctx, &kms.CreateAliasInput{AliasName: &c.Alias, TargetKeyId: &res.Key.KeyID}, withKMSJob(r))
	if err != nil {
		return nil, failed(ctx, c.Describe(), err, res.Key.KeyID, func(e *Error) {
			e.What = "created key " + res.Key.ARN + " but could not name it " + c.Alias + ": " + e.What
		})
	}
	res.Key.Aliases = []string{c.Alias}
	kmsResponse(r, "alias created", c.Alias+" now names key "+res.Key.KeyID, res.Key.ARN)
	return res, nil
}

func (c *CreateKey) command(env *Env) Command {
	args := []string{"kms", "create-key"}
	if !c.symmetric() || c.KeySpec != "" {
		args = append(args, "--key-spec", c.spec())
	}
	if u := c.usage(); u != "" {
		args = append(args, "--key-usage", u)
	}
	if c.Description != "" {
		args = append(args, "--description", c.Description)
	}
	cmd := AWSCommand(env, args...)
	if c.KeyUsage == "" && !c.symmetric() {
		cmd.Note = "s3crypt adds --key-usage " + c.usage() + ": KMS requires a key usage for every key but a symmetric one"
	}
	return cmd
}

// DescribeKey shows one key: metadata, aliases and rotation.
type DescribeKey struct {
	KeyID string // id, ARN, alias/NAME or alias ARN
}

// Describe implements Action.
func (d *DescribeKey) Describe() string { return "describe KMS key " + d.KeyID }

// Run implements Action; the result is a KeyInfo.
func (d *DescribeKey) Run(ctx context.Context, env *Env, r *Reporter) (any, error) {
	c := AWSCommand(env, "kms", "describe-key", "--key-id", d.KeyID)
	c.Note = "s3crypt also runs aws kms list-aliases --key-id KEY and aws kms get-key-rotation-status --key-id KEY"
	r.Command(c)
	kmsRequest(r, "DescribeKey", "you ask KMS about "+d.KeyID+" (metadata, aliases, rotation)")
	k, err := describe(ctx, env, r, d.KeyID)
	if err != nil {
		return nil, failed(ctx, d.Describe(), err, d.KeyID, nil)
	}
	kmsResponse(r, "key metadata", fmt.Sprintf("%s key, %s, managed by %s", k.KeySpec, k.KeyState, k.KeyManager), k.ARN)
	return k, nil
}

// ListKeys lists every KMS key in the region with its aliases, spec,
// usage, state, manager and rotation.
type ListKeys struct{}

// ListKeysResult is the region's keys.
type ListKeysResult struct {
	Keys []KeyInfo `json:"keys"`
	// UnassignedAliases point at no key yet (alias/aws/s3 before S3 first
	// uses it: AWS creates the key then).
	UnassignedAliases []string `json:"unassignedAliases,omitempty"`
	// AWSOwnedKey is AWSOwnedKeyNote on the sandbox, where s3crypt knows
	// S3's SSE-S3 key exists although KMS does not list it.
	AWSOwnedKey string `json:"awsOwnedKey,omitempty"`
}

// Describe implements Action.
func (l *ListKeys) Describe() string { return "list KMS keys" }

// Run implements Action.
func (l *ListKeys) Run(ctx context.Context, env *Env, r *Reporter) (any, error) {
	c := AWSCommand(env, "kms", "list-keys")
	c.Note = "s3crypt then runs aws kms describe-key and aws kms get-key-rotation-status for each key"
	r.Command(c)
	r.Command(AWSCommand(env, "kms", "list-aliases"))
	kmsRequest(r, "ListKeys", "you ask KMS for every key in the region, and every alias")
	var ids []string
	p := kms.NewListKeysPaginator(env.Backend.KMS, &kms.ListKeysInput{})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx, withKMSJob(r))
		if err != nil {
			return nil, failed(ctx, l.Describe(), err, "", nil)
		}
		for _, k := range page.Keys {
			ids = append(ids, aws.ToString(k.KeyId))
		}
	}
	aliases, err := kmsAliases(ctx, env, r, "")
	if err != nil {
		return nil, failed(ctx, l.Describe(), err, "", nil)
	}
	kmsResponse(r, fmt.Sprintf("%d keys", len(ids)), fmt.Sprintf("KMS listed %d keys and their aliases", len(ids)), "")
	res := ListKeysResult{Keys: []KeyInfo{}, UnassignedAliases: aliases[""]}
	if len(ids) > 0 {
		kmsRequest(r, fmt.Sprintf("DescribeKey × %d", len(ids)), "you ask KMS for each key's metadata and rotation status")
	}
	for _, id := range ids {
		out, err := env.Backend.KMS.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: aws.String(id)}, withKMSJob(r))
		if err != nil {
			return nil, failed(ctx, l.Describe(), err, id, nil)
		}
		k := keyInfoFrom(out.KeyMetadata)
		k.Aliases = aliases[k.KeyID]
		rotation(ctx, env, r, &k)
		res.Keys = append(res.Keys, k)
	}
	if len(ids) > 0 {
		kmsResponse(r, "key metadata", fmt.Sprintf("KMS described %d keys", len(ids)), "")
	}
	if env.Backend.Kind == awsclient.KindSandbox {
		res.AWSOwnedKey = AWSOwnedKeyNote
	}
	return res, nil
}
