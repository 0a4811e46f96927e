package actions

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"

	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// Severity ranks a finding.
type Severity int

// The severities, lowest first.
const (
	SeverityInfo Severity = iota
	SeverityLow
	SeverityMedium
	SeverityHigh
	SeverityCritical
)

var severityNames = [...]string{"info", "low", "medium", "high", "critical"}

func (s Severity) String() string {
	if s >= 0 && int(s) < len(severityNames) {
		return severityNames[s]
	}
	return fmt.Sprintf("Severity(%d)", int(s))
}

// MarshalText writes the severity's name (JSON "high").
func (s Severity) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// UnmarshalText reads a severity's name.
func (s *Severity) UnmarshalText(b []byte) error {
	v, err := ParseSeverity(string(b))
	*s = v
	return err
}

// ParseSeverity reads "info", "low", "medium", "high" or "critical".
func ParseSeverity(name string) (Severity, error) {
	for i, n := range severityNames {
		if strings.EqualFold(n, name) {
			return Severity(i), nil
		}
	}
	return 0, fmt.Errorf("severity %q: one of %s", name, strings.Join(severityNames[:], ", "))
}

// Finding is one thing the audit found weak, with why and how to fix it.
type Finding struct {
	ID       string   `json:"Id"`
	Severity Severity `json:"Severity"`
	Bucket   string   `json:"Bucket,omitempty"`
	// KMSKey is the key the finding is about, when it is about one.
	KMSKey string `json:"KMSKey,omitempty"`
	// Count is how many object versions it concerns (object findings);
	// Examples a few of their keys.
	Count    int64    `json:"Count,omitempty"`
	Examples []string `json:"Examples,omitempty"`
	Reason   string   `json:"Reason"`
	// Fix is the s3crypt verb that fixes it; FixAWS the aws command.
	Fix    string `json:"Fix"`
	FixAWS string `json:"FixAWS"`
	// FixAWSNeedsCLI is the aws CLI version FixAWS needs, when older ones
	// (Debian's 2.9) refuse it.
	FixAWSNeedsCLI string `json:"FixAWSNeedsCLI,omitempty"`
	// Maps names the checks of other tools that find the same.
	Maps []string `json:"Maps,omitempty"`
}

// AuditBucket is one bucket's posture.
type AuditBucket struct {
	Bucket            string `json:"Bucket"`
	DefaultEncryption string `json:"DefaultEncryption"` // BucketEncryption.Summary
	SSEAlgorithm      string `json:"SSEAlgorithm,omitempty"`
	KMSKeyID          string `json:"KMSMasterKeyID,omitempty"`
	// KMSKeyArn and KMSKeyState are the default key, resolved.
	KMSKeyArn   string `json:"KMSKeyArn,omitempty"`
	KMSKeyState string `json:"KMSKeyState,omitempty"`
	BucketKey   bool   `json:"BucketKeyEnabled"`
	SSECBlocked bool   `json:"SSECBlocked"`
	Versioning  string `json:"Versioning"` // Enabled, Suspended, Off
	// Policy says what the bucket policy enforces ("no bucket policy").
	Policy   string             `json:"Policy"`
	Enforces *PolicyEnforcement `json:"-"`
	// PolicyEnforces is Enforces under PascalCase names, for --json.
	PolicyEnforces *AuditPolicy `json:"PolicyEnforces,omitempty"`
	// Objects is what --objects found (nil without it).
	Objects *AuditObjects `json:"Objects,omitempty"`
	Error   string        `json:"Error,omitempty"`
}

// AuditPolicy is what a bucket policy enforces (PolicyEnforcement), as
// --json prints it.
type AuditPolicy struct {
	TLSRequired                 bool
	DeniedWrites, AllowedWrites []string
	KMSKeys                     []string
	ReadsDenied, Public         bool
}

// AuditObjects counts a bucket's object versions by mode and by key.
type AuditObjects struct {
	Versions int64
	Bytes    int64
	ByMode   map[string]int64 // mode → versions
	ByKey    map[string]int64 // KMS key ARN → versions
}

// MarshalJSON writes the counts as lists ({Mode, Count}, {KMSKeyArn,
// Count}), sorted, so that every key of the JSON is a field name.
func (o AuditObjects) MarshalJSON() ([]byte, error) {
	type modeCount struct {
		Mode  string
		Count int64
	}
	type keyCount struct {
		KMSKeyArn string
		Count     int64
	}
	out := struct {
		Versions, Bytes int64
		ByMode          []modeCount
		ByKMSKey        []keyCount
	}{Versions: o.Versions, Bytes: o.Bytes, ByMode: []modeCount{}, ByKMSKey: []keyCount{}}
	for _, m := range slices.Sorted(maps.Keys(o.ByMode)) {
		out.ByMode = append(out.ByMode, modeCount{m, o.ByMode[m]})
	}
	for _, k := range slices.Sorted(maps.Keys(o.ByKey)) {
		out.ByKMSKey = append(out.ByKMSKey, keyCount{k, o.ByKey[k]})
	}
	return json.Marshal(out)
}

// AuditKey is a customer managed key as the audit saw it (--objects).
type AuditKey struct {
	KeyID    string   `json:"KeyId"`
	Arn      string   `json:"Arn"`
	Aliases  []string `json:"Aliases,omitempty"`
	State    string   `json:"KeyState"`
	Rotation string   `json:"Rotation"`
	Objects  int64    `json:"Objects"`
	Default  []string `json:"DefaultOf,omitempty"`
}

// AuditResult is the posture of the buckets audited.
type AuditResult struct {
	Buckets  []AuditBucket `json:"Buckets"`
	Keys     []AuditKey    `json:"Keys,omitempty"`
	Findings []Finding     `json:"Findings"`
	// Counts is the findings by severity.
	Counts SeverityCounts `json:"Counts"`
	// Objects: the objects were read (--objects); Scanned how many
	// versions, with Requests S3 and KMS requests.
	Objects  bool     `json:"ObjectsRead"`
	Scanned  int64    `json:"VersionsScanned"`
	Requests int64    `json:"Requests"`
	Notes    []string `json:"Notes,omitempty"`
}

// SeverityCounts counts findings by severity.
type SeverityCounts struct{ Critical, High, Medium, Low, Info int }

func (c *SeverityCounts) ptr(s Severity) *int {
	return [...]*int{SeverityInfo: &c.Info, SeverityLow: &c.Low, SeverityMedium: &c.Medium, SeverityHigh: &c.High, SeverityCritical: &c.Critical}[s]
}

func (c *SeverityCounts) add(s Severity) { *c.ptr(s)++ }

// Of is the count of findings of severity s.
func (c SeverityCounts) Of(s Severity) int { return *c.ptr(s) }

// Worst is the highest severity found, and whether anything was.
func (a AuditResult) Worst() (Severity, bool) {
	if len(a.Findings) == 0 {
		return 0, false
	}
	w := SeverityInfo
	for _, f := range a.Findings {
		w = max(w, f.Severity)
	}
	return w, true
}

// AtLeast counts the findings at or above s.
func (a AuditResult) AtLeast(s Severity) int {
	n := 0
	for _, f := range a.Findings {
		if f.Severity >= s {
			n++
		}
	}
	return n
}

// Audit reads the encryption posture of buckets (`s3crypt audit`): each
// bucket's default encryption and key, bucket key, SSE-C blocking,
// versioning and bucket policy, and with Objects every object version's
// encryption and the state of the keys they use. Each weakness is a
// Finding with its severity, reason and fix (audit_findings.go).
type Audit struct {
	// Buckets to audit (every bucket when empty).
	Buckets []string
	// Objects also reads every object version (ListObjectVersions and a
	// HEAD each, Concurrency at a time) and the keys they use.
	Objects     bool
	Concurrency int
}

// Describe implements Action.
func (a *Audit) Describe() string { return "audit the encryption of your buckets" }

// Run implements Action.
func (a *Audit) Run(ctx context.Context, env *Env, r *Reporter) (any, error) {
	r.Step(Step{Actor: You, To: S3, Op: OpRequest, Title: "audit", Observed: true,
		Detail: "you read each bucket's default encryption, versioning and policy" + map[bool]string{true: ", then every object version's encryption", false: ""}[a.Objects]})
	names := a.Buckets
	res := AuditResult{Buckets: []AuditBucket{}, Findings: []Finding{}, Objects: a.Objects}
	if len(names) == 0 {
		var err error
		if names, err = listBucketNames(ctx, env, r); err != nil {
			return nil, Diagnose(a.Describe(), err, Hint{})
		}
		res.Requests++
	}
	keys := newKeyBook(env, r)
	scan := &versionScan{env: env, r: r, limit: concurrencyOr(a.Concurrency)}
	for _, name := range names {
		b, objs, err := a.bucket(ctx, env, r, keys, scan, name)
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		if err != nil {
			b.Error = apiErrorText(err)
		}
		res.Requests += 3 // encryption, versioning, policy
		res.Buckets = append(res.Buckets, b)
		res.Findings = append(res.Findings, bucketFindings(env, b)...)
		if objs != nil {
			res.Findings = append(res.Findings, objs.findings(ctx, env, b.Bucket, keys)...)
		}
	}
	if a.Objects {
		res.Scanned = scan.headed
		res.Requests += scan.Requests
		res.Keys = keys.auditKeys(ctx, res.Buckets)
		res.Findings = append(res.Findings, keyFindings(env, res.Keys)...)
	}
	res.Requests += keys.requests
	sortFindings(res.Findings)
	for _, f := range res.Findings {
		res.Counts.add(f.Severity)
	}
	r.Step(Step{Actor: S3, To: You, Op: OpResponse, Title: "audited", Observed: true,
		Detail: fmt.Sprintf("%d bucket(s), %d finding(s)", len(res.Buckets), len(res.Findings))})
	return res, nil
}

// bucket reads one bucket's settings and, with Objects, its versions.
func (a *Audit) bucket(ctx context.Context, env *Env, r *Reporter, keys *keyBook, scan *versionScan, name string) (AuditBucket, *objectTally, error) {
	b := AuditBucket{Bucket: name, Versioning: "Off"}
	enc, err := getBucketEncryption(ctx, env, r, name)
	if err != nil {
		return b, nil, err
	}
	if enc == nil {
		b.DefaultEncryption = NoDefaultEncryption
	} else {
		b.DefaultEncryption, b.SSEAlgorithm, b.KMSKeyID = enc.Summary(), enc.SSEAlgorithm, enc.KMSKeyID
		b.BucketKey, b.SSECBlocked = enc.BucketKey, enc.SSECBlocked()
		if enc.SSEAlgorithm == SSEKMS || enc.SSEAlgorithm == DSSEKMS {
			ref := enc.KMSKeyID
			if ref == "" {
				ref = "alias/aws/s3"
			}
			k := keys.lookup(ctx, ref)
			b.KMSKeyArn, b.KMSKeyState = k.ARN, k.State
		}
	}
	if v, err := env.Backend.S3.GetBucketVersioning(ctx, &s3.GetBucketVersioningInput{Bucket: &name}, withJob(r)); err == nil && v.Status != "" {
		b.Versioning = string(v.Status)
	}
	switch doc, err := getBucketPolicy(ctx, env, r, name); {
	case err != nil:
		b.Policy = "unreadable: " + apiErrorText(err)
	case doc == "":
		b.Policy = NoBucketPolicy
	default:
		if e, perr := PolicyEnforces(name, doc, accountOf(env)); perr != nil {
			b.Policy = "cannot be read here: " + perr.Error()
		} else {
			b.Policy, b.Enforces = e.Summary(), &e
			b.PolicyEnforces = &AuditPolicy{TLSRequired: e.TLSRequired, DeniedWrites: e.DeniedWrites, AllowedWrites: e.AllowedWrites,
				KMSKeys: e.KMSKeys, ReadsDenied: e.ReadsDenied, Public: e.Public}
		}
	}
	if !a.Objects {
		return b, nil, nil
	}
	t := newObjectTally()
	note, err := scan.bucket(ctx, name, t.add)
	if note != "" {
		b.Error = note
	}
	b.Objects = &t.AuditObjects
	for arn, n := range t.ByKey {
		keys.use(arn, n)
	}
	return b, t, err
}

// objectTally counts one bucket's versions and keeps what findings need:
// counts and a few example keys per kind, never every object.
type objectTally struct {
	AuditObjects
	kinds    map[string]int64    // finding id → versions
	examples map[string][]string // finding id → up to 3 keys
}

func newObjectTally() *objectTally {
	return &objectTally{AuditObjects: AuditObjects{ByMode: map[string]int64{}, ByKey: map[string]int64{}},
		kinds: map[string]int64{}, examples: map[string][]string{}}
}

func (t *objectTally) note(kind, key string) {
	t.kinds[kind]++
	if len(t.examples[kind]) < 3 && !slices.Contains(t.examples[kind], key) {
		t.examples[kind] = append(t.examples[kind], key)
	}
}

// add counts v (called one version at a time).
func (t *objectTally) add(v ScannedVersion) {
	if v.Err == "deleted since listed" {
		return
	}
	t.Versions++
	t.Bytes += v.Size
	mode := v.Mode()
	t.ByMode[mode]++
	if arn := v.Encryption.KMSKeyARN; arn != "" && v.Err == "" {
		t.ByKey[arn]++
	}
	switch {
	case v.Err != "":
		t.note(FindObjectUnreadable, v.Key)
	case v.ClientSide > 0 && v.ClientSideLegacy != "":
		t.note(FindObjectLegacyClientSide, v.Key)
	case v.SSEC:
		t.note(FindObjectSSEC, v.Key)
	case mode == "none":
		t.note(FindObjectUnencrypted, v.Key)
	}
}

// keyBook resolves key references (ids, ARNs, aliases) once each.
type keyBook struct {
	env      *Env
	r        *Reporter
	byRef    map[string]auditKeyState
	uses     map[string]int64 // key ARN → object versions
	requests int64
}

type auditKeyState struct {
	ARN, ID, State, Manager, Rotation, Spec string
	Aliases                                 []string
	Missing                                 bool
	Err                                     string
}

func newKeyBook(env *Env, r *Reporter) *keyBook {
	return &keyBook{env: env, r: r, byRef: map[string]auditKeyState{}, uses: map[string]int64{}}
}

func (k *keyBook) use(arn string, n int64) { k.uses[arn] += n }

// lookup describes ref (DescribeKey); a key KMS does not know is Missing.
func (k *keyBook) lookup(ctx context.Context, ref string) auditKeyState {
	if s, ok := k.byRef[ref]; ok {
		return s
	}
	k.requests++
	out, err := k.env.Backend.KMS.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: &ref}, withKMSJob(k.r))
	var s auditKeyState
	code, _, _ := apiError(err)
	switch {
	case err == nil:
		info := keyInfoFrom(out.KeyMetadata)
		s = auditKeyState{ARN: info.ARN, ID: info.KeyID, State: info.KeyState, Manager: info.KeyManager, Spec: info.KeySpec}
	case code == "NotFoundException" && ref == "alias/aws/s3":
		// S3 creates the AWS managed key on first use: not missing.
	case code == "NotFoundException":
		s = auditKeyState{ARN: ref, Missing: true, State: "missing"}
	default:
		s = auditKeyState{ARN: ref, State: "unknown", Err: apiErrorText(err)}
	}
	k.byRef[ref] = s
	return s
}

// auditKeys lists the customer managed keys with their rotation, the
// versions under each and the buckets whose default names each.
func (k *keyBook) auditKeys(ctx context.Context, buckets []AuditBucket) []AuditKey {
	res, err := (&ListKeys{}).Run(ctx, k.env, k.r)
	if err != nil {
		return nil
	}
	var out []AuditKey
	for _, info := range res.(ListKeysResult).Keys {
		k.requests++
		if info.KeyManager != "CUSTOMER" {
			continue
		}
		ak := AuditKey{KeyID: info.KeyID, Arn: info.ARN, Aliases: info.Aliases, State: info.KeyState, Rotation: info.Rotation, Objects: k.uses[info.ARN]}
		for _, b := range buckets {
			if b.KMSKeyArn == info.ARN {
				ak.Default = append(ak.Default, b.Bucket)
			}
		}
		out = append(out, ak)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Arn < out[j].Arn })
	return out
}

// sortFindings orders findings worst first, then by id, bucket and key.
func sortFindings(fs []Finding) {
	sort.SliceStable(fs, func(i, j int) bool {
		a, b := fs[i], fs[j]
		if a.Severity != b.Severity {
			return a.Severity > b.Severity
		}
		if a.ID != b.ID {
			return a.ID < b.ID
		}
		if a.Bucket != b.Bucket {
			return a.Bucket < b.Bucket
		}
		return a.KMSKey < b.KMSKey
	})
}
