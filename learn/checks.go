package learn

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/s3crypt/s3crypt/actions"
	"github.com/s3crypt/s3crypt/keyflow"
)

// args are a check's arguments, as the lesson file gives them.
type args map[string]string

// checkFunc decides one step from the sandbox's state: passed, or why not
// in the learner's words. An error means the state could not be read.
type checkFunc func(ctx context.Context, s *state, a args) (bool, string, error)

// check is a registered check and the arguments it takes.
type check struct {
	fn       checkFunc
	required []string
	optional []string
}

// checks is the registry lesson files name. Adding a kind of check is a
// function here; most steps are one of these with other arguments.
var checks = map[string]check{
	"key":           {fn: checkKey, optional: []string{"alias", "spec", "usage", "manager", "state"}},
	"bucket":        {fn: checkBucket, required: []string{"bucket"}},
	"bucketDefault": {fn: checkBucketDefault, required: []string{"bucket"}, optional: []string{"sse", "kmsKey", "bucketKey", "ssec"}},
	"object":        {fn: checkObject, required: []string{"bucket", "key"}, optional: []string{"sse", "kmsKey", "bucketKey", "clientSide"}},
	"objects":       {fn: checkObjects, required: []string{"bucket", "prefix", "count"}, optional: []string{"sse", "bucketKey"}},
	"atRest":        {fn: checkAtRest, required: []string{"bucket", "key"}, optional: []string{"layers", "wrapping", "ssecHmac"}},
	"trace":         {fn: checkTrace, required: []string{"actor", "op"}, optional: traceArgs},
	"noKMS":         {fn: checkNoKMS, required: []string{"bucket", "key"}, optional: []string{"uploads"}},
	"kmsCalls":      {fn: checkKMSCalls, required: []string{"bucket", "prefix"}, optional: []string{"uploads", "min", "max"}},
	"described":     {fn: checkDescribed, required: []string{"keys"}},
	"bucketPolicy":  {fn: checkBucketPolicy, required: []string{"bucket"}, optional: []string{"tls", "deny", "allow"}},
}

var traceArgs = []string{"caller", "request", "bucket", "key", "mode", "err", "keySpec", "keyAlias", "context", "minBytes", "bytes", "count", "requests", "say"}

// validateArgs refuses arguments a check does not take, and missing ones.
func validateArgs(name string, a map[string]string) error {
	c := checks[name]
	for _, r := range c.required {
		if _, ok := a[r]; !ok {
			return fmt.Errorf("check %s needs argument %q", name, r)
		}
	}
	for k := range a {
		if !slices.Contains(c.required, k) && !slices.Contains(c.optional, k) {
			return fmt.Errorf("check %s takes no argument %q (it takes %s)", name, k, strings.Join(append(slices.Clone(c.required), c.optional...), ", "))
		}
	}
	return nil
}

// checkKey: a KMS key with these properties exists (alias, spec, usage,
// manager CUSTOMER/AWS, state Enabled/Disabled/PendingDeletion).
func checkKey(ctx context.Context, s *state, a args) (bool, string, error) {
	keys, err := s.loadKeys(ctx)
	if err != nil {
		return false, "", err
	}
	var near []keyInfo
	for _, k := range keys {
		if a["alias"] != "" && !k.hasAlias(a["alias"]) {
			continue
		}
		near = append(near, k)
		if (a["spec"] == "" || k.Spec == a["spec"]) && (a["usage"] == "" || k.Usage == a["usage"]) &&
			(a["manager"] == "" || k.Manager == a["manager"]) && (a["state"] == "" || k.State == a["state"]) {
			return true, "", nil
		}
	}
	want := describeKey(a)
	if a["alias"] != "" && len(near) > 0 {
		k := near[0]
		return false, fmt.Sprintf("%s names a %s %s key (%s, %s), not %s", a["alias"], k.Spec, k.Usage, strings.ToLower(k.Manager)+" managed", k.State, want), nil
	}
	return false, "no " + want + " yet", nil
}

func describeKey(a args) string {
	var parts []string
	if a["state"] != "" {
		parts = append(parts, strings.ToLower(a["state"]))
	}
	if a["manager"] != "" {
		parts = append(parts, strings.ToLower(a["manager"])+" managed")
	}
	if a["spec"] != "" {
		parts = append(parts, a["spec"])
	}
	if a["usage"] != "" {
		parts = append(parts, a["usage"])
	}
	s := strings.Join(append(parts, "key"), " ")
	if a["alias"] != "" {
		s += " with alias " + a["alias"]
	}
	return s
}

// checkBucket: the bucket exists.
func checkBucket(ctx context.Context, s *state, a args) (bool, string, error) {
	_, err := s.b.S3.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: aws.String(a["bucket"])})
	switch {
	case err == nil:
		return true, "", nil
	case status(err) == http.StatusNotFound:
		return false, "no bucket " + a["bucket"] + " yet", nil
	}
	return false, "", err
}

// checkBucketDefault: the bucket's default encryption is sse (AES256,
// aws:kms) with kmsKey (an alias) and bucketKey, and/or SSE-C is ssec
// (blocked, allowed).
func checkBucketDefault(ctx context.Context, s *state, a args) (bool, string, error) {
	b := a["bucket"]
	out, err := s.b.S3.GetBucketEncryption(ctx, &s3.GetBucketEncryptionInput{Bucket: aws.String(b)})
	if err != nil {
		switch code(err) {
		case "NoSuchBucket":
			return false, "no bucket " + b + " yet", nil
		case "ServerSideEncryptionConfigurationNotFoundError":
			return false, "bucket " + b + " has no default encryption", nil
		}
		return false, "", err
	}
	if out.ServerSideEncryptionConfiguration == nil || len(out.ServerSideEncryptionConfiguration.Rules) == 0 {
		return false, "bucket " + b + " has no default encryption", nil
	}
	r := out.ServerSideEncryptionConfiguration.Rules[0]
	var alg, key string
	if d := r.ApplyServerSideEncryptionByDefault; d != nil {
		alg, key = string(d.SSEAlgorithm), aws.ToString(d.KMSMasterKeyID)
	}
	if want := a["sse"]; want != "" && alg != want {
		return false, fmt.Sprintf("bucket %s's default is %s, not %s", b, orNone(alg), want), nil
	}
	if want := a["kmsKey"]; want != "" {
		ok, why, err := s.sameKey(ctx, key, want)
		if err != nil || !ok {
			return false, "the default's key: " + why, err
		}
	}
	if want := a["bucketKey"]; want != "" && strconv.FormatBool(aws.ToBool(r.BucketKeyEnabled)) != want {
		return false, fmt.Sprintf("bucket %s's default has the bucket key %s", b, onOff(aws.ToBool(r.BucketKeyEnabled))), nil
	}
	if want := a["ssec"]; want != "" {
		blocked := false
		if r.BlockedEncryptionTypes != nil {
			for _, t := range r.BlockedEncryptionTypes.EncryptionType {
				if string(t) == "SSE-C" {
					blocked = true
				}
			}
		}
		if got := map[bool]string{true: "blocked", false: "allowed"}[blocked]; got != want {
			return false, fmt.Sprintf("SSE-C is still %s on bucket %s", got, b), nil
		}
	}
	return true, "", nil
}

// sameKey says whether the key S3 reports (an ARN, id or alias) is the
// one the lesson names by alias.
func (s *state) sameKey(ctx context.Context, got, alias string) (bool, string, error) {
	if got == "" {
		return false, "no KMS key named (want " + alias + ")", nil
	}
	if got == alias || strings.HasSuffix(got, ":"+alias) {
		return true, "", nil
	}
	want, ok, err := s.keyByAlias(ctx, alias)
	if err != nil {
		return false, "", err
	}
	if !ok {
		return false, "no key has the alias " + alias + " yet", nil
	}
	if got == want.ARN || got == want.ID {
		return true, "", nil
	}
	name := got
	if k, ok, err := s.keyByARN(ctx, got); err == nil && ok {
		name = k.name()
	}
	return false, fmt.Sprintf("it is %s, not %s", name, alias), nil
}

// checkObject: the object exists with this encryption.
func checkObject(ctx context.Context, s *state, a args) (bool, string, error) {
	url := "s3://" + a["bucket"] + "/" + a["key"]
	h, err := s.head(ctx, a["bucket"], a["key"])
	if err != nil {
		return false, "", err
	}
	if !h.exists {
		return false, "no object " + url + " yet", nil
	}
	return s.objectMatches(ctx, url, h, a)
}

func (s *state) objectMatches(ctx context.Context, url string, h head, a args) (bool, string, error) {
	if want := a["sse"]; want != "" && h.sse != want {
		return false, fmt.Sprintf("%s is %s, not %s", url, orNone(h.sse), want), nil
	}
	if want := a["kmsKey"]; want != "" {
		ok, why, err := s.sameKey(ctx, h.kmsKey, want)
		if err != nil || !ok {
			return false, url + "'s KMS key: " + why, err
		}
	}
	if want := a["bucketKey"]; want != "" && strconv.FormatBool(h.bucketKey) != want {
		return false, fmt.Sprintf("%s was stored with the bucket key %s", url, onOff(h.bucketKey)), nil
	}
	if a["clientSide"] == "true" && !h.clientSide {
		return false, url + " carries no client-side envelope: S3 could read it", nil
	}
	return true, "", nil
}

// maxList bounds how many objects a check looks at.
const maxList = 1000

// checkObjects: at least count objects under prefix, each with this
// encryption.
func checkObjects(ctx context.Context, s *state, a args) (bool, string, error) {
	want, err := strconv.Atoi(a["count"])
	if err != nil {
		return false, "", fmt.Errorf("count %q: %w", a["count"], err)
	}
	n := 0
	p := s3.NewListObjectsV2Paginator(s.b.S3, &s3.ListObjectsV2Input{Bucket: aws.String(a["bucket"]), Prefix: aws.String(a["prefix"])})
	for p.HasMorePages() && n < maxList {
		out, err := p.NextPage(ctx)
		if code(err) == "NoSuchBucket" {
			return false, "no bucket " + a["bucket"] + " yet", nil
		}
		if err != nil {
			return false, "", err
		}
		for _, o := range out.Contents {
			url := "s3://" + a["bucket"] + "/" + aws.ToString(o.Key)
			h, err := s.head(ctx, a["bucket"], aws.ToString(o.Key))
			if err != nil {
				return false, "", err
			}
			if ok, why, err := s.objectMatches(ctx, url, h, a); err != nil || !ok {
				return false, why, err
			}
			n++
		}
	}
	if n < want {
		return false, fmt.Sprintf("%d of %d objects under s3://%s/%s so far", n, want, a["bucket"], a["prefix"]), nil
	}
	return true, "", nil
}

// checkAtRest: what the sandbox stores for the object: layers wrapped
// keys, wrapping (a substring of the first layer's), and for SSE-C a
// salted HMAC of the key instead of the key; and the learner has looked
// at it (the sandbox's trace says it showed this view since the object's
// last upload).
func checkAtRest(ctx context.Context, s *state, a args) (bool, string, error) {
	url := "s3://" + a["bucket"] + "/" + a["key"]
	if s.b.Local == nil {
		return false, "", fmt.Errorf("the at-rest view needs the sandbox")
	}
	v, err := s.b.Local.Inspect(ctx, a["bucket"], a["key"], "")
	if err != nil {
		if h, herr := s.head(ctx, a["bucket"], a["key"]); herr == nil && !h.exists {
			return false, "no object " + url + " yet", nil
		}
		return false, "", err
	}
	if want := a["layers"]; want != "" && strconv.Itoa(len(v.Layers)) != want {
		return false, fmt.Sprintf("%s has %d wrapped data key(s) at rest, not %s", url, len(v.Layers), want), nil
	}
	if want := a["wrapping"]; want != "" && (len(v.Layers) == 0 || !strings.Contains(v.Layers[0].Wrapping, want)) {
		return false, fmt.Sprintf("%s's data key is not wrapped by %s at rest", url, want), nil
	}
	if a["ssecHmac"] == "true" && v.SSECHMAC == "" {
		return false, url + " keeps no HMAC of a customer key: it is not SSE-C", nil
	}
	if v.StoredSize < v.Size || len(v.Parts) == 0 {
		return false, url + " has nothing stored yet", nil
	}
	// The step is to look: it passes once the learner asked the sandbox
	// to show this object at rest (s3crypt head, the TUI's inspect) since
	// its last upload. This check's own Inspect above is not asking.
	evs, err := s.loadEvents(ctx)
	if err != nil {
		return false, "", err
	}
	shown := false
	for _, e := range evs {
		if e.Actor != keyflow.S3 || e.Bucket != a["bucket"] || e.Key != a["key"] {
			continue
		}
		switch e.Op {
		case keyflow.OpStored:
			shown = false
		case keyflow.OpInspected:
			shown = true
		}
	}
	if !shown {
		return false, "you have not looked at " + url + " at rest yet (s3crypt head, or i in the objects view)", nil
	}
	return true, "", nil
}

// matchEvent applies the trace arguments to one event.
func (s *state) matchEvent(ctx context.Context, e keyflow.Event, a args) (bool, error) {
	if string(e.Actor) != a["actor"] || string(e.Op) != a["op"] {
		return false, nil
	}
	switch c := a["caller"]; c {
	case "":
	case "S3":
		if e.Caller != "S3" {
			return false, nil
		}
	case "you":
		if e.Caller == "S3" {
			return false, nil
		}
	default:
		return false, fmt.Errorf("caller %q: S3 or you", c)
	}
	// request is the S3 operation the step belonged to: a download is a
	// GetObject; the HEADs a listing sends are refused the same way.
	if a["request"] != "" && e.Request != a["request"] {
		return false, nil
	}
	if a["bucket"] != "" && e.Bucket != a["bucket"] {
		return false, nil
	}
	if k := a["key"]; k != "" && e.Key != k && !(strings.HasSuffix(k, "/") && strings.HasPrefix(e.Key, k)) {
		return false, nil
	}
	if a["mode"] != "" && e.Mode != a["mode"] {
		return false, nil
	}
	switch want := a["err"]; want {
	case "":
		if e.Err != "" {
			return false, nil
		}
	case "any":
		if e.Err == "" {
			return false, nil
		}
	default:
		if !strings.Contains(e.Err, want) {
			return false, nil
		}
	}
	if m := a["minBytes"]; m != "" {
		n, err := strconv.ParseInt(m, 10, 64)
		if err != nil {
			return false, fmt.Errorf("minBytes %q: %w", m, err)
		}
		if e.Bytes < n {
			return false, nil
		}
	}
	if b := a["bytes"]; b != "" {
		n, err := strconv.ParseInt(b, 10, 64)
		if err != nil {
			return false, fmt.Errorf("bytes %q: %w", b, err)
		}
		if e.Bytes != n {
			return false, nil
		}
	}
	if c := a["context"]; c != "" {
		k, v, _ := strings.Cut(c, "=")
		got, ok := e.Context[k]
		if !ok || (v != "" && got != v) {
			return false, nil
		}
	}
	if a["keySpec"] != "" || a["keyAlias"] != "" {
		if e.KeyARN == "" {
			return false, nil
		}
		k, ok, err := s.keyByARN(ctx, e.KeyARN)
		if err != nil || !ok {
			return false, err
		}
		if a["keySpec"] != "" && k.Spec != a["keySpec"] {
			return false, nil
		}
		if a["keyAlias"] != "" && !k.hasAlias(a["keyAlias"]) {
			return false, nil
		}
	}
	return true, nil
}

// checkTrace: the sandbox's trace holds events like this, at least count
// (default 1) of them in one request, in at least requests (default 1)
// requests: "two data keys for one upload" is two in one request, and
// "upload it once more and watch" is a second request. say is how the Why
// names what is missing.
func checkTrace(ctx context.Context, s *state, a args) (bool, string, error) {
	evs, err := s.loadEvents(ctx)
	if err != nil {
		return false, "", err
	}
	atLeast := func(name string) (int, error) {
		v := a[name]
		if v == "" {
			return 1, nil
		}
		n, err := strconv.Atoi(v)
		if err != nil {
			return 0, fmt.Errorf("%s %q: %w", name, v, err)
		}
		return n, nil
	}
	want, err := atLeast("count")
	if err != nil {
		return false, "", err
	}
	wantReqs, err := atLeast("requests")
	if err != nil {
		return false, "", err
	}
	perReq := map[string]int{}
	for _, e := range evs {
		ok, err := s.matchEvent(ctx, e, a)
		if err != nil {
			return false, "", err
		}
		if ok {
			perReq[e.RequestID]++
		}
	}
	most, reqs := 0, 0
	for _, n := range perReq {
		most = max(most, n)
		if n >= want {
			reqs++
		}
	}
	if reqs >= wantReqs {
		return true, "", nil
	}
	say := a["say"]
	if say == "" {
		say = "the sandbox has not seen " + a["actor"] + " " + a["op"] + " yet"
	}
	switch {
	case want > 1 && reqs == 0 && most > 0:
		say += fmt.Sprintf(" (%d of %d in one request so far)", most, want)
	case wantReqs > 1 && reqs > 0:
		say += fmt.Sprintf(" (%d of %d requests so far)", reqs, wantReqs)
	}
	return false, say, nil
}

// checkDescribed: you asked KMS to describe each key of keys (aliases,
// comma-separated), and it answered: the sandbox traces DescribeKey
// requests (the Keys view makes one per key it lists).
func checkDescribed(ctx context.Context, s *state, a args) (bool, string, error) {
	evs, err := s.loadEvents(ctx)
	if err != nil {
		return false, "", err
	}
	var missing []string
	for _, alias := range strings.Split(a["keys"], ",") {
		alias = strings.TrimSpace(alias)
		k, ok, err := s.keyByAlias(ctx, alias)
		if err != nil {
			return false, "", err
		}
		if !ok {
			return false, "no key has the alias " + alias + " yet", nil
		}
		seen := false
		for _, e := range evs {
			if e.Actor == keyflow.KMS && e.Op == opDescribeKey && e.Caller != "S3" && e.Err == "" && e.KeyARN == k.ARN {
				seen = true
				break
			}
		}
		if !seen {
			missing = append(missing, alias)
		}
	}
	if len(missing) > 0 {
		return false, "you have not described " + strings.Join(missing, " and ") + " yet", nil
	}
	return true, "", nil
}

// checkBucketPolicy: the bucket has a policy that, as S3 evaluates it
// (bucketpolicy's Enforces, which asks it about typical requests), denies
// plain HTTP (tls true), denies uploads encrypted each way of deny and
// allows each way of allow (comma-separated: none, SSE-S3, SSE-KMS,
// DSSE-KMS, SSE-C).
func checkBucketPolicy(ctx context.Context, s *state, a args) (bool, string, error) {
	b := a["bucket"]
	out, err := s.b.S3.GetBucketPolicy(ctx, &s3.GetBucketPolicyInput{Bucket: aws.String(b)})
	if err != nil {
		switch code(err) {
		case "NoSuchBucket":
			return false, "no bucket " + b + " yet", nil
		case "NoSuchBucketPolicy":
			return false, "bucket " + b + " has no policy yet", nil
		}
		return false, "", err
	}
	e, err := actions.PolicyEnforces(b, aws.ToString(out.Policy), actions.SandboxAccount)
	if err != nil {
		return false, "", fmt.Errorf("bucket %s's policy: %w", b, err) // S3 stores only policies that parse
	}
	if a["tls"] == "true" && !e.TLSRequired {
		return false, "bucket " + b + "'s policy does not deny plain HTTP yet", nil
	}
	for _, w := range splitList(a["deny"]) {
		if !slices.Contains(e.DeniedWrites, w) {
			return false, fmt.Sprintf("bucket %s's policy does not deny uploads with %s yet", b, writeName(w)), nil
		}
	}
	for _, w := range splitList(a["allow"]) {
		if !slices.Contains(e.AllowedWrites, w) {
			return false, fmt.Sprintf("bucket %s's policy denies uploads with %s: nothing could be uploaded that way", b, writeName(w)), nil
		}
	}
	return true, "", nil
}

func splitList(v string) []string {
	var out []string
	for _, f := range strings.Split(v, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}

func writeName(w string) string {
	if w == "none" {
		return "no encryption header"
	}
	return w
}

// opDescribeKey is KMS's DescribeKey as the sandbox traces it.
const opDescribeKey = keyflow.Op("DescribeKey")

// checkNoKMS: S3 stored the object and asked KMS nothing for that request;
// with uploads, the sandbox saw at least that many uploads of it (the step
// asks to upload it once more and watch).
func checkNoKMS(ctx context.Context, s *state, a args) (bool, string, error) {
	evs, err := s.loadEvents(ctx)
	if err != nil {
		return false, "", err
	}
	url := "s3://" + a["bucket"] + "/" + a["key"]
	req, uploads := "", 0
	for _, e := range evs {
		if e.Actor == keyflow.S3 && e.Op == keyflow.OpStored && e.Bucket == a["bucket"] && e.Key == a["key"] {
			req = e.RequestID // the last upload counts
			uploads++
		}
	}
	if req == "" {
		return false, "the sandbox has not seen an upload of " + url + " yet", nil
	}
	if u := a["uploads"]; u != "" {
		want, err := strconv.Atoi(u)
		if err != nil {
			return false, "", fmt.Errorf("uploads %q: %w", u, err)
		}
		if uploads < want {
			return false, fmt.Sprintf("the sandbox has seen %d upload(s) of %s; upload it once more and watch", uploads, url), nil
		}
	}
	n := 0
	for _, e := range evs {
		if e.RequestID == req && keyflow.IsKMSRequest(e.Actor, e.Op) {
			n++
		}
	}
	if n > 0 {
		return false, fmt.Sprintf("the last upload of %s made %d KMS request(s): it was not SSE-S3", url, n), nil
	}
	return true, "", nil
}

// checkKMSCalls: the uploads (stored objects) under prefix made between
// min and max KMS requests from S3 in all, counted on the trace.
func checkKMSCalls(ctx context.Context, s *state, a args) (bool, string, error) {
	evs, err := s.loadEvents(ctx)
	if err != nil {
		return false, "", err
	}
	reqs := map[string]bool{}
	stored := map[string]bool{}
	for _, e := range evs {
		if e.Actor == keyflow.S3 && e.Op == keyflow.OpStored && e.Bucket == a["bucket"] && strings.HasPrefix(e.Key, a["prefix"]) {
			reqs[e.RequestID] = true
			stored[e.Key] = true
		}
	}
	n := 0
	for _, e := range evs {
		if e.Caller == "S3" && reqs[e.RequestID] && keyflow.IsKMSRequest(e.Actor, e.Op) {
			n++
		}
	}
	where := fmt.Sprintf("s3://%s/%s", a["bucket"], a["prefix"])
	if len(stored) == 0 {
		return false, "no uploads under " + where + " yet", nil
	}
	if u := a["uploads"]; u != "" {
		want, err := strconv.Atoi(u)
		if err != nil {
			return false, "", fmt.Errorf("uploads %q: %w", u, err)
		}
		if len(stored) < want {
			return false, fmt.Sprintf("%d of %d objects uploaded under %s so far", len(stored), want, where), nil
		}
	}
	if m := a["min"]; m != "" {
		lo, err := strconv.Atoi(m)
		if err != nil {
			return false, "", fmt.Errorf("min %q: %w", m, err)
		}
		if n < lo {
			return false, fmt.Sprintf("the uploads under %s made %d KMS requests so far; the step needs %d", where, n, lo), nil
		}
	}
	if m := a["max"]; m != "" {
		hi, err := strconv.Atoi(m)
		if err != nil {
			return false, "", fmt.Errorf("max %q: %w", m, err)
		}
		if n > hi {
			return false, fmt.Sprintf("the %d uploads under %s made %d KMS requests: more than %d (was the bucket key on?)", len(stored), where, n, hi), nil
		}
	}
	return true, "", nil
}

func orNone(s string) string {
	if s == "" {
		return "unencrypted or unset"
	}
	return s
}

func onOff(b bool) string {
	if b {
		return "on"
	}
	return "off"
}

// CheckNames lists the registered checks (for tools and tests).
func CheckNames() []string {
	out := make([]string, 0, len(checks))
	for k := range checks {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
