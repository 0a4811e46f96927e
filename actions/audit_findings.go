package actions

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"
)

// The finding ids, one per kind of weakness the audit reports.
const (
	FindNoDefault              = "bucket-no-default-encryption"
	FindDefaultNotKMS          = "bucket-default-not-kms"
	FindBucketKeyOff           = "bucket-key-off"
	FindSSECAllowed            = "bucket-sse-c-allowed"
	FindVersioningOff          = "bucket-versioning-off"
	FindDefaultKeyUnusable     = "bucket-default-key-unusable"
	FindDefaultKeyAlias        = "bucket-default-key-by-alias"
	FindPolicyNoTLS            = "bucket-policy-no-tls"
	FindObjectUnencrypted      = "object-unencrypted"
	FindObjectSSEC             = "object-sse-c"
	FindObjectLegacyClientSide = "object-legacy-client-side"
	FindObjectUnreadable       = "object-unreadable"
	FindObjectKeyDisabled      = "object-key-disabled"
	FindObjectKeyPending       = "object-key-pending-deletion"
	FindObjectKeyMissing       = "object-key-missing"
	FindKeyRotationOff         = "key-rotation-off"
	FindKeyUnused              = "key-unused"
)

// FindingKinds are every finding id with its severity and the checks of
// other tools it corresponds to, for documentation and tests.
var FindingKinds = []struct {
	ID       string
	Severity Severity
	Maps     []string
}{
	{FindNoDefault, SeverityHigh, []string{"AWS Config s3-bucket-server-side-encryption-enabled", "Prowler s3_bucket_default_encryption"}},
	{FindDefaultNotKMS, SeverityLow, []string{"AWS Config s3-default-encryption-kms", "Prowler s3_bucket_kms_encryption"}},
	{FindBucketKeyOff, SeverityLow, nil},
	{FindSSECAllowed, SeverityMedium, nil},
	{FindVersioningOff, SeverityLow, []string{"AWS Config s3-bucket-versioning-enabled", "Prowler s3_bucket_object_versioning"}},
	{FindDefaultKeyUnusable, SeverityCritical, nil},
	{FindDefaultKeyAlias, SeverityLow, nil},
	{FindPolicyNoTLS, SeverityMedium, []string{"AWS Config s3-bucket-ssl-requests-only", "Prowler s3_bucket_secure_transport_policy"}},
	{FindObjectUnencrypted, SeverityHigh, nil},
	{FindObjectSSEC, SeverityMedium, nil},
	{FindObjectLegacyClientSide, SeverityMedium, nil},
	{FindObjectUnreadable, SeverityInfo, nil},
	{FindObjectKeyDisabled, SeverityHigh, nil},
	{FindObjectKeyPending, SeverityCritical, nil},
	{FindObjectKeyMissing, SeverityCritical, nil},
	{FindKeyRotationOff, SeverityLow, []string{"AWS Config cmk-backing-key-rotation-enabled", "Prowler kms_cmk_rotation_enabled"}},
	{FindKeyUnused, SeverityInfo, []string{"Prowler kms_cmk_are_used"}},
}

// newFinding is a finding of kind id, with its severity and mappings.
func newFinding(id string) Finding {
	for _, k := range FindingKinds {
		if k.ID == id {
			return Finding{ID: id, Severity: k.Severity, Maps: k.Maps}
		}
	}
	return Finding{ID: id}
}

// aws renders an aws command for the backend, as it would run.
func awsLine(env *Env, args ...string) string { return AWSCommand(env, args...).String() }

// kmsRuleJSON is the put-bucket-encryption configuration of an SSE-KMS
// default with a bucket key. It leaves BlockedEncryptionTypes out, which
// keeps the bucket's SSE-C setting as it is (and runs on aws CLI 2.9).
func kmsRuleJSON(key string) string {
	return BucketEncryption{SSEAlgorithm: SSEKMS, KMSKeyID: key, BucketKey: true}.cliJSON(false)
}

// bucketFindings are the weaknesses of one bucket's settings.
func bucketFindings(env *Env, b AuditBucket) []Finding {
	if b.Error != "" && b.DefaultEncryption == "" {
		return nil
	}
	var out []Finding
	add := func(id, reason, fix, fixAWS string) {
		f := newFinding(id)
		f.Bucket, f.Reason, f.Fix, f.FixAWS = b.Bucket, reason, fix, fixAWS
		out = append(out, f)
	}
	key := b.KMSKeyID
	if key == "" {
		key = "KEY"
	}
	kmsFix := "s3crypt bucket-encryption put s3://" + b.Bucket + " --sse aws:kms --kms-key " + key + " --bucket-key"
	kmsAWS := awsLine(env, "s3api", "put-bucket-encryption", "--bucket", b.Bucket, "--server-side-encryption-configuration", kmsRuleJSON(key))
	switch b.SSEAlgorithm {
	case "":
		add(FindNoDefault, "no default encryption rule: an upload that asks for no encryption is stored as sent (AWS itself applies SSE-S3 since January 2023; this endpoint does not say so)", kmsFix, kmsAWS)
	case SSES3:
		add(FindDefaultNotKMS, "the default is SSE-S3: every reader S3 lets in reads plaintext; no key policy, no CloudTrail record of key use", kmsFix, kmsAWS)
	case SSEKMS:
		if !b.BucketKey {
			add(FindBucketKeyOff, "SSE-KMS default without a bucket key: one KMS request per object written or read (s3crypt cost shows the price)", kmsFix, kmsAWS)
		}
	}
	if (b.SSEAlgorithm == SSEKMS || b.SSEAlgorithm == DSSEKMS) && slices.Contains([]string{"Disabled", "PendingDeletion", "missing"}, b.KMSKeyState) {
		fix, fixAWS := keyStateFix(env, b.KMSKeyArn, b.KMSKeyState)
		add(FindDefaultKeyUnusable, fmt.Sprintf("the default key %s is %s: every upload that relies on the default fails", orKey(b.KMSKeyID, b.KMSKeyArn), b.KMSKeyState), fix, fixAWS)
		out[len(out)-1].KMSKey = b.KMSKeyArn
	}
	if strings.HasPrefix(b.KMSKeyID, "alias/") {
		arn := b.KMSKeyArn
		if arn == "" {
			arn = "KEY-ARN"
		}
		add(FindDefaultKeyAlias, "the default names its key by alias ("+b.KMSKeyID+"): KMS resolves it in the requester's account, so another account's uploads can land under their own key",
			"s3crypt bucket-encryption put s3://"+b.Bucket+" --sse "+b.SSEAlgorithm+" --kms-key "+arn+boolFlag(b.BucketKey, " --bucket-key"),
			awsLine(env, "s3api", "put-bucket-encryption", "--bucket", b.Bucket, "--server-side-encryption-configuration", kmsRuleJSON(arn)))
	}
	if !b.SSECBlocked && b.SSEAlgorithm != "" {
		e := BucketEncryption{SSEAlgorithm: b.SSEAlgorithm, KMSKeyID: b.KMSKeyID, BucketKey: b.BucketKey, Blocked: []string{BlockSSEC}}
		add(FindSSECAllowed, "SSE-C uploads are allowed: objects can be written under keys AWS never holds (lose the key, lose the object; a leaked key reads them); AWS blocks SSE-C on new buckets since April 2026",
			"s3crypt bucket-encryption put s3://"+b.Bucket+" --block-sse-c",
			awsLine(env, "s3api", "put-bucket-encryption", "--bucket", b.Bucket, "--server-side-encryption-configuration", e.cliJSON(true)))
		out[len(out)-1].FixAWSNeedsCLI = BlockedTypesCLI
	}
	if b.Versioning != "Enabled" {
		fix := awsLine(env, "s3api", "put-bucket-versioning", "--bucket", b.Bucket, "--versioning-configuration", "Status=Enabled")
		add(FindVersioningOff, "versioning is "+strings.ToLower(b.Versioning)+": an overwrite or delete (or a re-encryption gone wrong) cannot be undone",
			"(no s3crypt verb yet) "+fix, fix)
	}
	if b.Enforces == nil || !b.Enforces.TLSRequired {
		why := "the bucket has no policy, so nothing denies plain-HTTP requests"
		if b.Enforces != nil || b.Policy != NoBucketPolicy {
			why = "the bucket policy does not deny plain-HTTP requests (aws:SecureTransport false)"
		}
		add(FindPolicyNoTLS, why+": SSE-C keys and data could travel in the clear to an endpoint that accepts HTTP",
			"s3crypt bucket-policy put s3://"+b.Bucket+" --require-tls (replaces the policy: merge by hand if it has one)",
			awsLine(env, "s3api", "put-bucket-policy", "--bucket", b.Bucket, "--policy", "file://policy.json"))
	}
	return out
}

func boolFlag(on bool, flag string) string {
	if on {
		return flag
	}
	return ""
}

func orKey(ref, arn string) string {
	if ref != "" {
		return ref
	}
	return arn
}

// keyStateFix is how to make a key usable again.
func keyStateFix(env *Env, arn, state string) (fix, fixAWS string) {
	switch state {
	case "Disabled":
		return "s3crypt kms enable-key --key-id " + arn, awsLine(env, "kms", "enable-key", "--key-id", arn)
	case "PendingDeletion":
		return "s3crypt kms cancel-key-deletion --key-id " + arn + " && s3crypt kms enable-key --key-id " + arn,
			awsLine(env, "kms", "cancel-key-deletion", "--key-id", arn) + " && " + awsLine(env, "kms", "enable-key", "--key-id", arn)
	}
	return "the key cannot be recovered: point the default at another key (s3crypt bucket-encryption put … --kms-key KEY); objects under it are lost unless a backup or another version exists",
		awsLine(env, "kms", "describe-key", "--key-id", arn)
}

// findings are the weaknesses of one bucket's objects.
func (t *objectTally) findings(ctx context.Context, env *Env, bucket string, keys *keyBook) []Finding {
	var out []Finding
	add := func(id string, n int64, examples []string, key, reason, fix, fixAWS string) {
		f := newFinding(id)
		f.Bucket, f.Count, f.Examples, f.KMSKey, f.Reason, f.Fix, f.FixAWS = bucket, n, examples, key, reason, fix, fixAWS
		out = append(out, f)
	}
	ex := func(id string) string {
		if e := t.examples[id]; len(e) > 0 {
			return e[0]
		}
		return "KEY"
	}
	if n := t.kinds[FindObjectUnencrypted]; n > 0 {
		k := ex(FindObjectUnencrypted)
		add(FindObjectUnencrypted, n, t.examples[FindObjectUnencrypted], "", fmt.Sprintf("%d object version(s) are stored unencrypted", n),
			"s3crypt get s3://"+bucket+"/"+k+" f && s3crypt put f s3://"+bucket+"/"+k+" --sse aws:kms --kms-key KEY (each object)",
			awsLine(env, "s3api", "copy-object", "--bucket", bucket, "--key", k, "--copy-source", bucket+"/"+k, "--server-side-encryption", "aws:kms", "--ssekms-key-id", "KEY"))
	}
	if n := t.kinds[FindObjectSSEC]; n > 0 {
		k := ex(FindObjectSSEC)
		add(FindObjectSSEC, n, t.examples[FindObjectSSEC], "", fmt.Sprintf("%d object version(s) are SSE-C: readable only with keys AWS never holds, and lost with them", n),
			"s3crypt get s3://"+bucket+"/"+k+" f --sse-c-key key.bin && s3crypt put f s3://"+bucket+"/"+k+" --sse aws:kms --kms-key KEY (each object)",
			awsLine(env, "s3api", "copy-object", "--bucket", bucket, "--key", k, "--copy-source", bucket+"/"+k,
				"--copy-source-sse-customer-algorithm", "AES256", "--copy-source-sse-customer-key", "fileb://key.bin", "--server-side-encryption", "aws:kms", "--ssekms-key-id", "KEY"))
	}
	if n := t.kinds[FindObjectLegacyClientSide]; n > 0 {
		k := ex(FindObjectLegacyClientSide)
		add(FindObjectLegacyClientSide, n, t.examples[FindObjectLegacyClientSide], "", fmt.Sprintf("%d object version(s) use a legacy S3 Encryption Client format (no key commitment; clients read them only when told to)", n),
			"s3crypt get s3://"+bucket+"/"+k+" f && s3crypt put f s3://"+bucket+"/"+k+" --client-side --kms-key KEY (re-encrypts in format V3)",
			"(the aws CLI cannot encrypt client-side: use s3crypt, or an S3 Encryption Client that writes format V3, such as Go v4)")
	}
	if n := t.kinds[FindObjectUnreadable]; n > 0 {
		add(FindObjectUnreadable, n, t.examples[FindObjectUnreadable], "", fmt.Sprintf("%d object version(s) could not be read (HEAD refused): their encryption is unknown", n),
			"s3crypt head s3://"+bucket+"/"+ex(FindObjectUnreadable), awsLine(env, "s3api", "head-object", "--bucket", bucket, "--key", ex(FindObjectUnreadable)))
	}
	arns := make([]string, 0, len(t.ByKey))
	for arn := range t.ByKey {
		arns = append(arns, arn)
	}
	sort.Strings(arns)
	for _, arn := range arns {
		n := t.ByKey[arn]
		st := keys.lookup(ctx, arn)
		var id string
		switch {
		case st.Missing:
			id = FindObjectKeyMissing
		case st.State == "Disabled":
			id = FindObjectKeyDisabled
		case st.State == "PendingDeletion":
			id = FindObjectKeyPending
		default:
			continue
		}
		fix, fixAWS := keyStateFix(env, arn, st.State)
		add(id, n, nil, arn, fmt.Sprintf("%d object version(s) are encrypted under a KMS key that is %s: S3 cannot read them", n, st.State), fix, fixAWS)
	}
	return out
}

// keyFindings are the weaknesses of the customer managed keys.
func keyFindings(env *Env, keys []AuditKey) []Finding {
	var out []Finding
	for _, k := range keys {
		if k.State == "Enabled" && k.Rotation == RotationDisabled {
			f := newFinding(FindKeyRotationOff)
			f.KMSKey, f.Reason = k.Arn, "automatic rotation is off: the same key material protects every new object for ever"
			f.FixAWS = awsLine(env, "kms", "enable-key-rotation", "--key-id", k.Arn)
			f.Fix = "(no s3crypt rotation verb in this build) " + f.FixAWS
			out = append(out, f)
		}
		if k.State == "Enabled" && k.Objects == 0 && len(k.Default) == 0 {
			f := newFinding(FindKeyUnused)
			f.KMSKey, f.Reason = k.Arn, "no object version audited and no bucket default uses this customer managed key: $1/month for nothing here (it may protect data elsewhere)"
			f.Fix, f.FixAWS = "s3crypt kms key-usage --key-id "+k.Arn+" (check), then s3crypt kms disable-key --key-id "+k.Arn, awsLine(env, "kms", "disable-key", "--key-id", k.Arn)
			out = append(out, f)
		}
	}
	return out
}
