package cli

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/s3crypt/s3crypt/actions"
)

// resultTypes is every action result a verb prints; awsJSON maps each.
var resultTypes = []any{
	actions.CreateKeyResult{}, actions.KeyInfo{}, actions.ListKeysResult{}, actions.KeyStateResult{}, actions.AliasResult{},
	actions.GenerateDataKeyResult{}, actions.KMSCryptResult{}, actions.MakeBucketResult{}, actions.RemoveBucketResult{},
	actions.BucketEncryptionResult{}, actions.ListBucketsResult{}, actions.ListObjectsResult{}, actions.HeadResult{},
	actions.PutResult{}, actions.GetResult{}, actions.DeleteObjectResult{},
	actions.BucketPolicyResult{},
}

// filler sets every exported field of a value to a distinct non-zero value
// (strings v1, v2 …, numbers 1001, 1002 …, map keys k1 …), so that a
// field lost on the way to the --json form shows as a missing value.
type filler struct {
	n int
	// alt maps a value as the actions' JSON writes it to how --json may
	// write it instead (durations: nanoseconds → seconds).
	alt map[string]string
}

var durationType = reflect.TypeOf(time.Duration(0))

func (f *filler) fill(v reflect.Value) {
	f.n++
	switch {
	case v.Type() == durationType:
		d := time.Duration(f.n)*time.Second + 250*time.Millisecond
		v.SetInt(int64(d))
		f.alt[strconv.FormatInt(int64(d), 10)] = strconv.FormatFloat(d.Seconds(), 'f', -1, 64)
		return
	case v.Type() == reflect.TypeOf(time.Time{}):
		v.Set(reflect.ValueOf(time.Date(2026, 1, 2, 3, 4, f.n%60, 0, time.UTC)))
		return
	}
	switch v.Kind() {
	case reflect.String:
		v.SetString(fmt.Sprintf("v%d", f.n))
	case reflect.Int, reflect.Int32, reflect.Int64:
		v.SetInt(int64(1000 + f.n))
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Slice:
		if v.Type().Elem().Kind() == reflect.Uint8 {
			v.SetBytes([]byte(fmt.Sprintf("blob%d", f.n)))
			return
		}
		s := reflect.MakeSlice(v.Type(), 1, 1)
		f.fill(s.Index(0))
		v.Set(s)
	case reflect.Map:
		m := reflect.MakeMap(v.Type())
		k, e := reflect.New(v.Type().Key()).Elem(), reflect.New(v.Type().Elem()).Elem()
		k.SetString(fmt.Sprintf("k%d", f.n))
		f.fill(e)
		m.SetMapIndex(k, e)
		v.Set(m)
	case reflect.Pointer:
		if v.Type().Elem().Kind() != reflect.Struct || v.Type().Elem().PkgPath() == "github.com/s3crypt/s3crypt/crypto" {
			if v.Type().Elem().Kind() != reflect.Struct {
				p := reflect.New(v.Type().Elem())
				f.fill(p.Elem())
				v.Set(p)
			}
			return // keys (crypto.Key) stay nil: the JSON never holds them
		}
		p := reflect.New(v.Type().Elem())
		f.fill(p.Elem())
		v.Set(p)
	case reflect.Struct:
		for i := range v.NumField() {
			sf := v.Type().Field(i)
			if !sf.IsExported() || sf.Tag.Get("json") == "-" {
				continue
			}
			f.fill(v.Field(i))
		}
	}
}

// filled returns a value of res's type with every field set.
func filled(res any, f *filler) any {
	v := reflect.New(reflect.TypeOf(res)).Elem()
	f.fill(v)
	return v.Interface()
}

// leaves lists the values of a JSON document (strings and numbers; bools
// are all true) and the map keys the filler made.
func leaves(t *testing.T, data []byte) map[string]bool {
	t.Helper()
	var doc any
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatalf("%v\n%s", err, data)
	}
	out := map[string]bool{}
	var walk func(any)
	walk = func(x any) {
		switch x := x.(type) {
		case map[string]any:
			for k, v := range x {
				if fillerKey.MatchString(k) {
					out[fillerKey.FindString(k)] = true
				}
				walk(v)
			}
		case []any:
			for _, v := range x {
				walk(v)
			}
		case string:
			out[x] = true
		case float64:
			out[strconv.FormatFloat(x, 'f', -1, 64)] = true
		}
	}
	walk(doc)
	return out
}

var fillerKey = regexp.MustCompile(`k\d+$`)

// mapFields hold maps whose keys are data, not field names.
var mapFields = map[string]bool{"EncryptionContext": true, "Metadata": true, "MaterialDescription": true,
	"UserEncryptionContext": true, "OtherChecksums": true}

var pascal = regexp.MustCompile(`^[A-Z][A-Za-z0-9]*$`)

// nonPascalKeys lists the object keys of a JSON document that are not
// PascalCase, as path/key.
func nonPascalKeys(data []byte) []string {
	var doc any
	_ = json.Unmarshal(data, &doc)
	var bad []string
	var walk func(string, any)
	walk = func(path string, x any) {
		switch x := x.(type) {
		case map[string]any:
			for k, v := range x {
				if !pascal.MatchString(k) {
					bad = append(bad, path+"/"+k)
				}
				if !mapFields[k] {
					walk(path+"/"+k, v)
				}
			}
		case []any:
			for _, v := range x {
				walk(path+"[]", v)
			}
		}
	}
	walk("", doc)
	return bad
}

// TestJSONKeepsEveryValue: for every result type, each value the actions'
// own JSON holds is also in the --json form (renamed, not dropped), and
// every key of the --json form is PascalCase.
func TestJSONKeepsEveryValue(t *testing.T) {
	for _, zero := range resultTypes {
		name := reflect.TypeOf(zero).Name()
		t.Run(name, func(t *testing.T) {
			f := &filler{alt: map[string]string{}}
			res := filled(zero, f)
			mapped := awsJSON(res)
			if reflect.TypeOf(mapped) == reflect.TypeOf(res) {
				t.Fatalf("awsJSON does not map %s", name)
			}
			before, err := json.Marshal(res)
			if err != nil {
				t.Fatal(err)
			}
			after, err := json.Marshal(mapped)
			if err != nil {
				t.Fatal(err)
			}
			got := leaves(t, after)
			for v := range leaves(t, before) {
				if !got[v] && !got[f.alt[v]] {
					t.Errorf("value %q of the actions' JSON is missing from --json\nactions: %s\n--json:  %s", v, before, after)
				}
			}
			if bad := nonPascalKeys(after); len(bad) > 0 {
				t.Errorf("keys not PascalCase: %v\n%s", bad, after)
			}
		})
	}
}

// TestJSONDurationsInSeconds: durations are a number of seconds.
func TestJSONDurationsInSeconds(t *testing.T) {
	data, _ := json.Marshal(awsJSON(actions.PutResult{Duration: 1250 * time.Millisecond, KMSCalls: -1}))
	var got map[string]any
	_ = json.Unmarshal(data, &got)
	if got["DurationSeconds"] != 1.25 {
		t.Fatalf("DurationSeconds: %s", data)
	}
	if v, ok := got["KMSRequestCount"]; !ok || v != nil {
		t.Fatalf("an unknown KMS count is null: %s", data)
	}
}

// parse parses args into a fresh Root.
func parse(t *testing.T, args ...string) *Root {
	t.Helper()
	var root Root
	var out, errb bytes.Buffer
	p, err := newParser(&root, &out, &errb)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.Parse(args); err != nil {
		t.Fatalf("parse %q: %v", args, err)
	}
	return &root
}

func parseErr(t *testing.T, args ...string) error {
	t.Helper()
	var root Root
	var out, errb bytes.Buffer
	p, err := newParser(&root, &out, &errb)
	if err != nil {
		t.Fatal(err)
	}
	_, err = p.Parse(args)
	return err
}

// TestAWSFlagNames: each flag given under the aws CLI's name parses to the
// same values as under s3crypt's.
func TestAWSFlagNames(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "in.bin")
	cfg := filepath.Join(dir, "enc.json")
	for _, p := range []string{file, cfg} {
		if err := os.WriteFile(p, []byte("x"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	same := func(what string, get func(*Root) any, ours, theirs []string) {
		t.Helper()
		a, b := get(parse(t, ours...)), get(parse(t, theirs...))
		if !reflect.DeepEqual(a, b) {
			t.Errorf("%s: %q parses to %+v, %q to %+v", what, ours, a, theirs, b)
		}
	}
	same("schedule-key-deletion", func(r *Root) any { return r.KMS.ScheduleKeyDeletion },
		[]string{"kms", "schedule-key-deletion", "--key-id", "k", "--days", "7"},
		[]string{"kms", "schedule-key-deletion", "--key-id", "k", "--pending-window-in-days", "7"})
	ctxs := [][]string{
		{"--context", "a=b", "--context", "c=d"},
		{"--encryption-context", "a=b,c=d"},
		{"--encryption-context", `{"a":"b","c":"d"}`},
		{"--encryption-context", "a=b", "--context", "c=d"},
	}
	for _, c := range ctxs[1:] {
		same("generate-data-key context", func(r *Root) any { return r.KMS.GenerateDataKey.Context },
			append([]string{"kms", "generate-data-key", "--key-id", "k"}, ctxs[0]...),
			append([]string{"kms", "generate-data-key", "--key-id", "k"}, c...))
	}
	if got := parse(t, append([]string{"kms", "generate-data-key", "--key-id", "k"}, ctxs[0]...)...).KMS.GenerateDataKey.Context; !reflect.DeepEqual(got, map[string]string{"a": "b", "c": "d"}) {
		t.Errorf("context: %v", got)
	}
	for n, spec := range map[string]string{"16": "AES_128", "32": "AES_256"} {
		r := parse(t, "kms", "generate-data-key", "--key-id", "k", "--number-of-bytes", n)
		if got, err := r.KMS.GenerateDataKey.spec(); err != nil || got != spec {
			t.Errorf("--number-of-bytes %s: %q %v, want %s", n, got, err, spec)
		}
	}
	r := parse(t, "kms", "generate-data-key", "--key-id", "k", "--number-of-bytes", "64")
	if _, err := r.KMS.GenerateDataKey.spec(); err == nil || !strings.Contains(err.Error(), "32 bytes (AES_256) or 16 (AES_128)") {
		t.Errorf("--number-of-bytes 64: %v", err)
	}
	same("encrypt", func(r *Root) any { return r.KMS.Encrypt },
		[]string{"kms", "encrypt", "--key-id", "k", "--in", file, "--out", "o", "--context", "a=b"},
		[]string{"kms", "encrypt", "--key-id", "k", "--plaintext", "fileb://" + file, "--out", "o", "--encryption-context", "a=b"})
	same("decrypt", func(r *Root) any { return r.KMS.Decrypt },
		[]string{"kms", "decrypt", "--in", file, "--out", "o"},
		[]string{"kms", "decrypt", "--ciphertext-blob", "fileb://" + file, "--out", "o"})
	if err := parseErr(t, "kms", "encrypt", "--key-id", "k", "--plaintext", "file://"+file, "--out", "o"); err == nil || !strings.Contains(err.Error(), "fileb://") {
		t.Errorf("--plaintext file://: %v", err)
	}
	if err := parseErr(t, "kms", "decrypt", "--ciphertext-blob", "fileb://"+filepath.Join(dir, "nope"), "--out", "o"); err == nil {
		t.Error("a missing --ciphertext-blob file parses")
	}

	put := func(r *Root) any {
		c := r.Put
		if err := c.awsNames(); err != nil {
			return err
		}
		return c
	}
	base := []string{"put", file, "s3://b/k"}
	same("put", put, append(base, "--sse", "aws:kms", "--kms-key", "K", "--bucket-key"),
		append(base, "--server-side-encryption", "aws:kms", "--ssekms-key-id", "K", "--bucket-key-enabled"))
	same("put --sse-kms-key-id", put, append(base, "--sse", "aws:kms", "--kms-key", "K"),
		append(base, "--sse", "aws:kms", "--sse-kms-key-id", "K"))
	same("put --no-bucket-key", put, append(base, "--no-bucket-key"), append(base, "--no-bucket-key-enabled"))
	same("put --sse-c-key", put, append(base, "--sse-c-key", file), append(base, "--sse-c-key", "fileb://"+file))
	if err, _ := put(parse(t, append(base, "--kms-key", "K", "--ssekms-key-id", "L")...)).(error); err == nil {
		t.Error("--kms-key K --ssekms-key-id L: no conflict reported")
	}
	head := func(r *Root) any {
		c := r.Head
		if err := c.awsNames(false); err != nil {
			return err
		}
		return c
	}
	same("head --sse-customer-key", head, []string{"head", "s3://b/k", "--sse-c-key", file},
		[]string{"head", "s3://b/k", "--sse-customer-algorithm", "AES256", "--sse-customer-key", "fileb://" + file})
	same("put --sse-c (aws s3 cp)", put, append(base, "--sse-c-key", file), append(base, "--sse-c", "AES256", "--sse-c-key", "fileb://"+file))
	if err, _ := head(parse(t, "head", "s3://b/k", "--sse-c", "AES256")).(error); err == nil || !strings.Contains(err.Error(), "needs the key") {
		t.Errorf("--sse-c without a key: %v", err)
	}
	const typedKey = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="
	for _, v := range []string{typedKey, "3031323334353637383961626364656630313233343536373839616263646566"} {
		if err := parseErr(t, "put", file, "s3://b/k", "--sse-c-key", v); err == nil || strings.Contains(err.Error(), v) ||
			!strings.Contains(err.Error(), "reads as an SSE-C key itself") {
			t.Errorf("--sse-c-key with a key value (as aws s3 cp takes it): %v", err)
		}
	}
	if err := parseErr(t, "head", "s3://b/k", "--sse-customer-key", typedKey); err == nil || strings.Contains(err.Error(), typedKey) ||
		!strings.Contains(err.Error(), "fileb://FILE") {
		t.Errorf("--sse-customer-key with a key value: %v", err)
	}
	same("get --sse-c-key", func(r *Root) any { return r.Get },
		[]string{"get", "s3://b/k", "o", "--sse-c-key", file}, []string{"get", "s3://b/k", "o", "--sse-c-key", "fileb://" + file})
	same("bucket-encryption put", func(r *Root) any { return r.BucketEncryption.Put },
		[]string{"bucket-encryption", "put", "s3://b", "--file", cfg},
		[]string{"bucket-encryption", "put", "s3://b", "--server-side-encryption-configuration", "file://" + cfg})
	if err := parseErr(t, "bucket-encryption", "put", "s3://b", "--server-side-encryption-configuration", `{"Rules":[]}`); err == nil ||
		!strings.Contains(err.Error(), "file://FILE") {
		t.Errorf("inline JSON: %v", err)
	}

	// With --client-side, --sse-kms-key-id is S3's layer's key and
	// --kms-key the client-side one.
	c := parse(t, append(base, "--client-side", "--kms-key", "CSE", "--sse", "aws:kms", "--sse-kms-key-id", "S3K")...).Put
	if err := c.awsNames(); err != nil {
		t.Fatal(err)
	}
	var p actions.Put
	if err := c.clientSide(&p); err != nil || p.KMSKey != "S3K" || p.ClientSide == nil || p.ClientSide.KMSKey != "CSE" {
		t.Fatalf("client-side keys: %v %+v %+v", err, p, p.ClientSide)
	}
}

// TestAliasesInHelp: kong's help does not list aliases, so s3crypt adds
// them to each flag's help.
func TestAliasesInHelp(t *testing.T) {
	var root Root
	var out, errb bytes.Buffer
	p, err := newParser(&root, &out, &errb)
	if err != nil {
		t.Fatal(err)
	}
	func() {
		defer func() { _ = recover() }() // --help exits through a panic
		_, _ = p.Parse([]string{"put", "--help"})
	}()
	help := strings.Join(strings.Fields(out.String()), " ")
	for _, want := range []string{"--server-side-encryption", "--ssekms-key-id", "--bucket-key-enabled"} {
		if !strings.Contains(help, "(aws CLI name: "+want+")") {
			t.Errorf("put --help lacks %s:\n%s", want, out.String())
		}
	}
}
