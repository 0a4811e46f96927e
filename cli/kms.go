package cli

import (
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"slices"
	"sort"
	"strings"
	"text/tabwriter"

	"github.com/s3crypt/s3crypt/actions"
)

// KMSCmd groups the `s3crypt kms …` verbs, named after aws kms's.
type KMSCmd struct {
	CreateKey           KMSCreateKeyCmd           `cmd:"" name:"create-key" help:"Create a customer managed KMS key (symmetric unless --key-spec says otherwise)."`
	ListKeys            KMSListKeysCmd            `cmd:"" name:"list-keys" help:"List every KMS key with aliases, spec, usage, state, manager and rotation."`
	DescribeKey         KMSDescribeKeyCmd         `cmd:"" name:"describe-key" help:"Show one KMS key."`
	EnableKey           KMSEnableKeyCmd           `cmd:"" name:"enable-key" help:"Enable a KMS key."`
	DisableKey          KMSDisableKeyCmd          `cmd:"" name:"disable-key" help:"Disable a KMS key (reversible: nothing encrypted under it can be read meanwhile)."`
	ScheduleKeyDeletion KMSScheduleKeyDeletionCmd `cmd:"" name:"schedule-key-deletion" help:"Delete a KMS key after 7-30 days: everything encrypted under it becomes unreadable."`
	CancelKeyDeletion   KMSCancelKeyDeletionCmd   `cmd:"" name:"cancel-key-deletion" help:"Cancel a scheduled key deletion (the key is left Disabled)."`
	CreateAlias         KMSCreateAliasCmd         `cmd:"" name:"create-alias" help:"Name a KMS key alias/NAME."`
	DeleteAlias         KMSDeleteAliasCmd         `cmd:"" name:"delete-alias" help:"Delete an alias (not its key)."`
	GenerateDataKey     KMSGenerateDataKeyCmd     `cmd:"" name:"generate-data-key" help:"Get a data key from KMS: plaintext and encrypted under a symmetric key."`
	Encrypt             KMSEncryptCmd             `cmd:"" name:"encrypt" help:"Encrypt a small file (at most 4096 bytes) directly under a KMS key into a binary ciphertext file."`
	Decrypt             KMSDecryptCmd             `cmd:"" name:"decrypt" help:"Decrypt a binary KMS ciphertext file."`
	KeyUsage            KMSKeyUsageCmd            `cmd:"" name:"key-usage" help:"What a KMS key encrypts: buckets whose default names it, object versions under it by bucket (lists and HEADs every version)."`
	Rotation            KMSRotationCmd            `cmd:"" name:"rotation" help:"Get, enable or disable a key's automatic rotation."`
	Rotate              KMSRotateCmd              `cmd:"" name:"rotate" help:"Rotate a key's material now (RotateKeyOnDemand); nothing is re-encrypted."`
	Rotations           KMSRotationsCmd           `cmd:"" name:"rotations" help:"List a key's rotations (ListKeyRotations)."`
}

// keyIDFlag is the --key-id every single-key verb takes.
type keyIDFlag struct {
	KeyID string `name:"key-id" required:"" help:"Key id, key ARN, alias/NAME or alias ARN." placeholder:"KEY"`
}

// KMSCreateKeyCmd is `s3crypt kms create-key`.
type KMSCreateKeyCmd struct {
	KeySpec     string `name:"key-spec" enum:"SYMMETRIC_DEFAULT,RSA_2048,RSA_3072,RSA_4096,ECC_NIST_P256,ECC_NIST_P384,ECC_NIST_P521,ECC_SECG_P256K1,ECC_NIST_EDWARDS25519,HMAC_224,HMAC_256,HMAC_384,HMAC_512,ML_DSA_44,ML_DSA_65,ML_DSA_87,ML_KEM_512,ML_KEM_768,ML_KEM_1024" default:"SYMMETRIC_DEFAULT" help:"SYMMETRIC_DEFAULT (AES-256; the only kind S3 can use), RSA_*, ECC_*, HMAC_*, ML_DSA_* or ML_KEM_*."`
	KeyUsage    string `name:"key-usage" help:"ENCRYPT_DECRYPT, SIGN_VERIFY, GENERATE_VERIFY_MAC, KEY_AGREEMENT or ENCAPSULATE_DECAPSULATE (default: ENCRYPT_DECRYPT for symmetric and RSA keys, SIGN_VERIFY for ECC and ML-DSA, GENERATE_VERIFY_MAC for HMAC, ENCAPSULATE_DECAPSULATE for ML-KEM)." placeholder:"USAGE"`
	Alias       string `name:"alias" help:"Name the key alias/NAME." placeholder:"alias/NAME"`
	Description string `name:"description" help:"Description." placeholder:"TEXT"`
}

// Run implements the verb.
func (c *KMSCreateKeyCmd) Run(ctx context.Context, g *Globals) error {
	if c.Alias != "" {
		if err := actions.CheckAliasName(c.Alias); err != nil {
			return usage("--alias: %v", err)
		}
	}
	spec := c.KeySpec
	if spec == "SYMMETRIC_DEFAULT" {
		spec = ""
	}
	a := &actions.CreateKey{KeySpec: spec, KeyUsage: c.KeyUsage, Alias: c.Alias, Description: c.Description}
	return g.run(ctx, a, func(w io.Writer, res any) {
		r := res.(actions.CreateKeyResult)
		fmt.Fprintf(w, "created KMS key %s\n", r.Key.KeyID)
		printKey(w, r.Key)
		if r.Warning != "" {
			fmt.Fprintln(w, "warning: "+r.Warning)
		}
	})
}

// KMSListKeysCmd is `s3crypt kms list-keys`.
type KMSListKeysCmd struct{}

// Run implements the verb.
func (c *KMSListKeysCmd) Run(ctx context.Context, g *Globals) error {
	return g.run(ctx, &actions.ListKeys{}, func(w io.Writer, res any) { printKeyList(w, res.(actions.ListKeysResult)) })
}

// KMSDescribeKeyCmd is `s3crypt kms describe-key`.
type KMSDescribeKeyCmd struct{ keyIDFlag }

// Run implements the verb.
func (c *KMSDescribeKeyCmd) Run(ctx context.Context, g *Globals) error {
	return g.run(ctx, &actions.DescribeKey{KeyID: c.KeyID}, func(w io.Writer, res any) {
		k := res.(actions.KeyInfo)
		fmt.Fprintf(w, "KMS key %s\n", k.KeyID)
		printKey(w, k)
	})
}

// KMSEnableKeyCmd is `s3crypt kms enable-key`.
type KMSEnableKeyCmd struct{ keyIDFlag }

// Run implements the verb.
func (c *KMSEnableKeyCmd) Run(ctx context.Context, g *Globals) error {
	return g.run(ctx, &actions.EnableKey{KeyID: c.KeyID}, printKeyState)
}

// KMSDisableKeyCmd is `s3crypt kms disable-key`.
type KMSDisableKeyCmd struct{ keyIDFlag }

// Run implements the verb.
func (c *KMSDisableKeyCmd) Run(ctx context.Context, g *Globals) error {
	return g.run(ctx, &actions.DisableKey{KeyID: c.KeyID}, printKeyState)
}

// KMSScheduleKeyDeletionCmd is `s3crypt kms schedule-key-deletion`.
type KMSScheduleKeyDeletionCmd struct {
	keyIDFlag
	Days int `name:"days" aliases:"pending-window-in-days" default:"30" help:"Waiting period before the deletion, 7 to 30 days." placeholder:"N"`
}

// Run implements the verb.
func (c *KMSScheduleKeyDeletionCmd) Run(ctx context.Context, g *Globals) error {
	if c.Days < actions.MinDeletionDays || c.Days > actions.MaxDeletionDays {
		return usage("--days %d: KMS waits %d to %d days before deleting a key", c.Days, actions.MinDeletionDays, actions.MaxDeletionDays)
	}
	return g.run(ctx, &actions.ScheduleKeyDeletion{KeyID: c.KeyID, Days: c.Days}, printKeyState)
}

// KMSCancelKeyDeletionCmd is `s3crypt kms cancel-key-deletion`.
type KMSCancelKeyDeletionCmd struct{ keyIDFlag }

// Run implements the verb.
func (c *KMSCancelKeyDeletionCmd) Run(ctx context.Context, g *Globals) error {
	return g.run(ctx, &actions.CancelKeyDeletion{KeyID: c.KeyID}, printKeyState)
}

// KMSCreateAliasCmd is `s3crypt kms create-alias`.
type KMSCreateAliasCmd struct {
	AliasName   string `name:"alias-name" required:"" help:"The alias, alias/NAME." placeholder:"alias/NAME"`
	TargetKeyID string `name:"target-key-id" required:"" help:"The key it names (id or ARN)." placeholder:"KEY"`
}

// Run implements the verb.
func (c *KMSCreateAliasCmd) Run(ctx context.Context, g *Globals) error {
	if err := actions.CheckAliasName(c.AliasName); err != nil {
		return usage("--alias-name: %v", err)
	}
	return g.run(ctx, &actions.CreateAlias{AliasName: c.AliasName, TargetKeyID: c.TargetKeyID}, func(w io.Writer, res any) {
		r := res.(actions.AliasResult)
		fmt.Fprintf(w, "%s → key %s\n", r.AliasName, orDash(r.KeyID))
		if r.KeyARN != "" {
			fmt.Fprintf(w, "  %-10s %s\n", "arn", r.KeyARN)
		}
	})
}

// KMSDeleteAliasCmd is `s3crypt kms delete-alias`.
type KMSDeleteAliasCmd struct {
	AliasName string `name:"alias-name" required:"" help:"The alias to delete, alias/NAME." placeholder:"alias/NAME"`
}

// Run implements the verb.
func (c *KMSDeleteAliasCmd) Run(ctx context.Context, g *Globals) error {
	return g.run(ctx, &actions.DeleteAlias{AliasName: c.AliasName}, func(w io.Writer, res any) {
		r := res.(actions.AliasResult)
		fmt.Fprintf(w, "deleted alias %s\n", r.AliasName)
		if r.KeyID != "" {
			fmt.Fprintf(w, "  key %s is unchanged; name it again with s3crypt kms create-alias\n", r.KeyID)
		}
	})
}

// KMSGenerateDataKeyCmd is `s3crypt kms generate-data-key`.
type KMSGenerateDataKeyCmd struct {
	keyIDFlag
	KeySpec       string            `name:"key-spec" enum:"AES_256,AES_128" default:"AES_256" help:"AES_256 or AES_128."`
	NumberOfBytes int               `name:"number-of-bytes" help:"The key's length in bytes, as aws kms generate-data-key --number-of-bytes: 32 (AES_256) or 16 (AES_128)." placeholder:"N"`
	Out           string            `name:"out" help:"Write the raw plaintext key to FILE (mode 0600, never overwritten) instead of printing it." placeholder:"FILE" type:"path"`
	EncryptedOut  string            `name:"encrypted-out" help:"Also write the raw encrypted data key to FILE (mode 0600)." placeholder:"FILE" type:"path"`
	Context       map[string]string `name:"context" aliases:"encryption-context" type:"context" help:"Encryption context: K=V, K=V,K2=V2 or {\"K\":\"V\"} (repeatable); decrypting the key needs the same." placeholder:"K=V"`
}

// Run implements the verb.
func (c *KMSGenerateDataKeyCmd) Run(ctx context.Context, g *Globals) error {
	spec, err := c.spec()
	if err != nil {
		return err
	}
	a := &capture{Action: &actions.GenerateDataKey{KeyID: c.KeyID, KeySpec: spec, Context: c.Context,
		Out: c.Out, EncryptedOut: c.EncryptedOut}}
	err = g.run(ctx, a, func(w io.Writer, res any) { printDataKey(w, res.(actions.GenerateDataKeyResult)) })
	if r, ok := a.res.(actions.GenerateDataKeyResult); ok && r.Plaintext != nil {
		r.Plaintext.Wipe()
		if err == nil {
			g.warn(actions.PrintingWarning)
		}
	}
	return err
}

// spec is the key spec --key-spec or --number-of-bytes asks for.
func (c *KMSGenerateDataKeyCmd) spec() (string, error) {
	var bySize string
	switch c.NumberOfBytes {
	case 0:
		return c.KeySpec, nil
	case 32:
		bySize = "AES_256"
	case 16:
		bySize = "AES_128"
	default:
		return "", usage("--number-of-bytes %d: s3crypt makes AES data keys, 32 bytes (AES_256) or 16 (AES_128)", c.NumberOfBytes)
	}
	if c.KeySpec != "AES_256" && c.KeySpec != bySize { // AES_256 is also the default
		return "", usage("--number-of-bytes %d and --key-spec %s disagree: give one of them", c.NumberOfBytes, c.KeySpec)
	}
	return bySize, nil
}

// capture keeps the result of the action it wraps, so the verb can wipe
// what the result holds once it is printed (as JSON or not).
type capture struct {
	actions.Action
	res any
}

// Run implements actions.Action.
func (c *capture) Run(ctx context.Context, env *actions.Env, r *actions.Reporter) (any, error) {
	res, err := c.Action.Run(ctx, env, r)
	c.res = res
	return res, err
}

// cryptFlags are the options encrypt and decrypt share.
type cryptFlags struct {
	Out       string            `name:"out" required:"" type:"path" help:"Output file (raw bytes, mode 0600)." placeholder:"FILE"`
	Algorithm string            `name:"encryption-algorithm" enum:",SYMMETRIC_DEFAULT,RSAES_OAEP_SHA_1,RSAES_OAEP_SHA_256" default:"" placeholder:"ALG" help:"SYMMETRIC_DEFAULT, RSAES_OAEP_SHA_1 or RSAES_OAEP_SHA_256 (default: RSAES_OAEP_SHA_256 for RSA keys)."`
	Context   map[string]string `name:"context" aliases:"encryption-context" type:"context" help:"Encryption context: K=V, K=V,K2=V2 or {\"K\":\"V\"} (repeatable); decrypting needs the same." placeholder:"K=V"`
	Force     bool              `name:"force" help:"Replace --out if it exists."`
}

// KMSEncryptCmd is `s3crypt kms encrypt`.
type KMSEncryptCmd struct {
	keyIDFlag
	In string `name:"in" aliases:"plaintext" required:"" type:"blobfile" help:"The file to encrypt (raw bytes; fileb://FILE also works)." placeholder:"FILE"`
	cryptFlags
}

// Run implements the verb.
func (c *KMSEncryptCmd) Run(ctx context.Context, g *Globals) error {
	a := &actions.KMSEncrypt{KeyID: c.KeyID, In: c.In, Out: c.Out, Algorithm: c.Algorithm, Context: c.Context, Force: c.Force}
	return g.run(ctx, a, func(w io.Writer, res any) {
		r := res.(actions.KMSCryptResult)
		fmt.Fprintf(w, "encrypted %s (%d bytes) → %s (%d bytes of binary ciphertext, mode 0600)\n", r.In, r.PlaintextBytes, r.Out, r.CiphertextBytes)
		printCrypt(w, r)
	})
}

// KMSDecryptCmd is `s3crypt kms decrypt`.
type KMSDecryptCmd struct {
	KeyID string `name:"key-id" help:"The key (needed for RSA ciphertexts; symmetric ones name their key)." placeholder:"KEY"`
	In    string `name:"in" aliases:"ciphertext-blob" required:"" type:"blobfile" help:"The binary ciphertext file (fileb://FILE also works)." placeholder:"FILE"`
	cryptFlags
}

// Run implements the verb.
func (c *KMSDecryptCmd) Run(ctx context.Context, g *Globals) error {
	a := &actions.KMSDecrypt{KeyID: c.KeyID, In: c.In, Out: c.Out, Algorithm: c.Algorithm, Context: c.Context, Force: c.Force}
	return g.run(ctx, a, func(w io.Writer, res any) {
		r := res.(actions.KMSCryptResult)
		fmt.Fprintf(w, "decrypted %s (%d bytes) → %s (%d bytes, mode 0600)\n", r.In, r.CiphertextBytes, r.Out, r.PlaintextBytes)
		printCrypt(w, r)
	})
}

// field prints one "label value" line of a record.
func field(w io.Writer, label, value string) {
	if value != "" {
		fmt.Fprintf(w, "  %-12s %s\n", label, value)
	}
}

// printKey prints a key's details, one per line.
func printKey(w io.Writer, k actions.KeyInfo) {
	field(w, "arn", k.ARN)
	field(w, "aliases", strings.Join(k.Aliases, ", "))
	field(w, "description", k.Description)
	field(w, "spec", k.KeySpec)
	field(w, "usage", k.KeyUsage)
	field(w, "algorithms", strings.Join(slices.Concat(k.EncryptionAlgorithms, k.SigningAlgorithms, k.MacAlgorithms,
		k.KeyAgreementAlgorithms, k.EncapsulationAlgorithms), ", "))
	state := k.KeyState
	if k.DeletionDate != nil {
		state += " · deleted on " + k.DeletionDate.UTC().Format("2006-01-02 15:04 UTC")
	}
	field(w, "state", state)
	manager := k.KeyManager
	switch k.KeyManager {
	case "AWS":
		manager += " (AWS managed: S3 uses it on your behalf)"
	case "CUSTOMER":
		manager += " (customer managed)"
	}
	field(w, "manager", manager)
	field(w, "rotation", rotationText(k, true))
	if !k.CreationDate.IsZero() {
		field(w, "created", k.CreationDate.UTC().Format("2006-01-02 15:04 UTC"))
	}
}

func rotationText(k actions.KeyInfo, long bool) string {
	switch k.Rotation {
	case actions.RotationEnabled:
		if long && k.RotationPeriodDays > 0 {
			return fmt.Sprintf("enabled, every %d days", k.RotationPeriodDays)
		}
		if k.RotationPeriodDays > 0 {
			return fmt.Sprintf("on (%d d)", k.RotationPeriodDays)
		}
		return "on"
	case actions.RotationDisabled:
		if long {
			return "disabled"
		}
		return "off"
	case actions.RotationUnsupported:
		if long {
			return "not supported (asymmetric key)"
		}
		return "n/a"
	}
	return "?"
}

// printKeyList prints list-keys as an aligned table.
func printKeyList(w io.Writer, r actions.ListKeysResult) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	if len(r.Keys) > 0 {
		fmt.Fprintln(tw, "KEY ID\tALIASES\tSPEC\tUSAGE\tSTATE\tMANAGER\tROTATION")
	}
	for _, k := range r.Keys {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", k.KeyID, orDash(strings.Join(k.Aliases, ",")), k.KeySpec,
			k.KeyUsage, k.KeyState, k.KeyManager, rotationText(k, false))
	}
	tw.Flush()
	if len(r.Keys) == 0 {
		fmt.Fprintln(w, "(no KMS keys yet: create one with s3crypt kms create-key)")
	}
	for _, a := range r.UnassignedAliases {
		fmt.Fprintf(w, "%s → no key yet: AWS creates it the first time S3 uses it\n", a)
	}
	if r.AWSOwnedKey != "" {
		fmt.Fprintln(w, "+ "+r.AWSOwnedKey)
	}
}

// printKeyState prints a key after a change of state.
func printKeyState(w io.Writer, res any) {
	r := res.(actions.KeyStateResult)
	fmt.Fprintf(w, "KMS key %s is now %s\n", r.KeyID, r.KeyState)
	field(w, "arn", r.ARN)
	if r.DeletionDate != nil {
		field(w, "deletion", fmt.Sprintf("%s (in %d days)", r.DeletionDate.UTC().Format("2006-01-02 15:04 UTC"), r.PendingWindowInDays))
	}
	if r.Warning != "" {
		fmt.Fprintln(w, "warning: "+r.Warning)
	}
	if r.Next != "" {
		fmt.Fprintln(w, r.Next)
	}
}

// printDataKey prints generate-data-key's result; the plaintext key only
// when it was not written to a file.
func printDataKey(w io.Writer, r actions.GenerateDataKeyResult) {
	fmt.Fprintf(w, "data key %s (%d bytes) under %s\n", r.KeySpec, r.Bytes, r.KeyARN)
	switch {
	case r.PlaintextFile != "":
		field(w, "plaintext", fmt.Sprintf("written to %s (raw %d bytes, mode 0600); not printed", r.PlaintextFile, r.Bytes))
	case r.Plaintext != nil && !r.Plaintext.Wiped():
		field(w, "plaintext", base64.StdEncoding.EncodeToString(r.Plaintext.Bytes())+"  (base64)")
	}
	if r.EncryptedFile != "" {
		field(w, "encrypted", fmt.Sprintf("written to %s (raw %d bytes)", r.EncryptedFile, len(r.CiphertextBlob)))
	} else {
		field(w, "encrypted", fmt.Sprintf("%s  (base64, %d bytes)", base64.StdEncoding.EncodeToString(r.CiphertextBlob), len(r.CiphertextBlob)))
	}
	field(w, "context", contextText(r.Context))
	fmt.Fprintln(w, "Keep the encrypted key beside your data; only KMS can turn it back into the plaintext key (s3crypt kms decrypt).")
}

// printCrypt prints the details of encrypt and decrypt.
func printCrypt(w io.Writer, r actions.KMSCryptResult) {
	field(w, "key", r.KeyARN)
	field(w, "algorithm", r.Algorithm)
	field(w, "context", contextText(r.Context))
	if r.Note != "" {
		fmt.Fprintln(w, "note: "+r.Note)
	}
}

func contextText(c map[string]string) string {
	keys := make([]string, 0, len(c))
	for k := range c {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for i, k := range keys {
		keys[i] = k + "=" + c[k]
	}
	return strings.Join(keys, ", ")
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// KMSRotationCmd is `s3crypt kms rotation get|enable|disable`.
type KMSRotationCmd struct {
	Get     KMSRotationGetCmd     `cmd:"" help:"Show whether the key rotates automatically."`
	Enable  KMSRotationEnableCmd  `cmd:"" help:"Rotate the key automatically (every 365 days unless --rotation-period-in-days)."`
	Disable KMSRotationDisableCmd `cmd:"" help:"Stop rotating the key automatically."`
}

// KMSRotationGetCmd is `s3crypt kms rotation get --key-id K`.
type KMSRotationGetCmd struct{ keyIDFlag }

// Run implements the verb.
func (c *KMSRotationGetCmd) Run(ctx context.Context, g *Globals) error {
	return g.run(ctx, &actions.GetKeyRotation{KeyID: c.KeyID}, printRotation)
}

// KMSRotationEnableCmd is `s3crypt kms rotation enable --key-id K`.
type KMSRotationEnableCmd struct {
	keyIDFlag
	Days int `name:"rotation-period-in-days" help:"Days between rotations, 90 to 2560 (default 365)." placeholder:"N"`
}

// Run implements the verb.
func (c *KMSRotationEnableCmd) Run(ctx context.Context, g *Globals) error {
	if c.Days != 0 && (c.Days < 90 || c.Days > 2560) {
		return usage("--rotation-period-in-days must be 90 to 2560")
	}
	return g.run(ctx, &actions.EnableKeyRotation{KeyID: c.KeyID, PeriodDays: c.Days}, printRotation)
}

// KMSRotationDisableCmd is `s3crypt kms rotation disable --key-id K`.
type KMSRotationDisableCmd struct{ keyIDFlag }

// Run implements the verb.
func (c *KMSRotationDisableCmd) Run(ctx context.Context, g *Globals) error {
	return g.run(ctx, &actions.DisableKeyRotation{KeyID: c.KeyID}, printRotation)
}

func printRotation(w io.Writer, res any) {
	r := res.(actions.KeyRotationResult)
	state := "off"
	if r.KeyRotationEnabled {
		state = fmt.Sprintf("every %d days", r.RotationPeriodInDays)
		if r.NextRotationDate != nil {
			state += ", next " + r.NextRotationDate.Format("2006-01-02")
		}
	}
	fmt.Fprintf(w, "KMS key %s: automatic rotation %s\n  note: %s\n", r.KeyID, state, r.Note)
}

// KMSRotateCmd is `s3crypt kms rotate --key-id K`.
type KMSRotateCmd struct{ keyIDFlag }

// Run implements the verb.
func (c *KMSRotateCmd) Run(ctx context.Context, g *Globals) error {
	return g.run(ctx, &actions.RotateKey{KeyID: c.KeyID}, func(w io.Writer, res any) {
		r := res.(actions.RotateKeyResult)
		fmt.Fprintf(w, "rotated KMS key %s: new key material is current\n  note: %s\n", r.KeyID, r.Note)
	})
}

// KMSRotationsCmd is `s3crypt kms rotations --key-id K`.
type KMSRotationsCmd struct {
	keyIDFlag
	All bool `name:"all-key-material" help:"Also list the key's first material (IncludeKeyMaterial=ALL_KEY_MATERIAL)."`
}

// Run implements the verb.
func (c *KMSRotationsCmd) Run(ctx context.Context, g *Globals) error {
	return g.run(ctx, &actions.ListKeyRotations{KeyID: c.KeyID, AllMaterial: c.All}, func(w io.Writer, res any) {
		r := res.(actions.ListKeyRotationsResult)
		if len(r.Rotations) == 0 {
			fmt.Fprintf(w, "KMS key %s has not rotated\n", r.KeyID)
		} else {
			tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
			fmt.Fprintln(tw, "ROTATED\tTYPE\tMATERIAL\tSTATE")
			for _, e := range r.Rotations {
				when, typ := "-", e.RotationType
				if e.RotationDate != nil {
					when = e.RotationDate.Local().Format("2006-01-02 15:04:05")
				}
				if typ == "" {
					typ = "first material"
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", when, typ, e.KeyMaterialID, e.KeyMaterialState)
			}
			tw.Flush()
		}
		fmt.Fprintln(w, "note: "+r.Note)
	})
}
