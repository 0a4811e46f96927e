package crypto

import (
	"encoding/json"
	"errors"
	"maps"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"testing"
)

func TestMetadataV2(t *testing.T) {
	e := a4Envelope(t, FormatV2, 11)
	want := map[string]string{
		"x-amz-key-v2":                     "d3JhcHBlZC1rZXktYmxvYg==",
		"x-amz-iv":                         "EBESExQVFhcYGRob",
		"x-amz-matdesc":                    `{"aws:x-amz-cek-alg":"AES/GCM/NoPadding","purpose":"test"}`,
		"x-amz-wrap-alg":                   "kms+context",
		"x-amz-cek-alg":                    "AES/GCM/NoPadding",
		"x-amz-tag-len":                    "128",
		"x-amz-unencrypted-content-length": "11",
	}
	if got := e.Metadata(); !maps.Equal(got, want) {
		t.Fatalf("Metadata =\n%v\nwant\n%v", got, want)
	}
}

func TestMetadataV3(t *testing.T) {
	e := a4Envelope(t, FormatV3, 11)
	want := map[string]string{
		"x-amz-c":                          "115",
		"x-amz-3":                          "d3JhcHBlZC1rZXktYmxvYg==",
		"x-amz-w":                          "12",
		"x-amz-t":                          `{"aws:x-amz-cek-alg":"115","purpose":"test"}`,
		"x-amz-d":                          "wUtvX/ATVKEtCCJTI/i7akglmdF4x7w2YL56Ow==",
		"x-amz-i":                          "oKGio6SlpqeoqaqrrK2ur7CxsrO0tba3uLm6uw==",
		"x-amz-unencrypted-content-length": "11",
	}
	if got := e.Metadata(); !maps.Equal(got, want) {
		t.Fatalf("Metadata =\n%v\nwant\n%v", got, want)
	}
	// Unknown length: the key is left out.
	e.UnencryptedLength = -1
	if _, ok := e.Metadata()[MetaUnencryptedLen]; ok {
		t.Fatal("unknown length written")
	}
	// A raw keyring's material description goes to x-amz-m.
	e.WrapAlg = WrapAlgAESGCM
	m := e.Metadata()
	if m["x-amz-w"] != "02" || m["x-amz-m"] == "" || m["x-amz-t"] != "" {
		t.Fatalf("raw keyring metadata = %v", m)
	}
	back, err := ParseEnvelope(m)
	if err != nil || back.WrapAlg != WrapAlgAESGCM || !maps.Equal(back.MatDesc, e.MatDesc) {
		t.Fatalf("raw keyring round trip: %+v, %v", back, err)
	}
}

func TestParseEnvelopeRoundTripAndKeyForms(t *testing.T) {
	for _, format := range []int{FormatV2, FormatV3} {
		e := a4Envelope(t, format, 11)
		// As S3 returns it: prefixed, in any case.
		wire := map[string]string{"Content-Note": "unrelated"}
		for k, v := range e.Metadata() {
			wire["X-Amz-Meta-"+strings.ToUpper(k[:1])+k[1:]] = v
		}
		got, err := ParseEnvelope(wire)
		if err != nil {
			t.Fatalf("V%d: %v", format, err)
		}
		if !reflect.DeepEqual(got, e) {
			t.Fatalf("V%d round trip:\n got %+v\nwant %+v", format, got, e)
		}
	}
}

func TestParseEnvelopeDetection(t *testing.T) {
	v2 := a4Envelope(t, FormatV2, 0).Metadata()
	v3 := a4Envelope(t, FormatV3, 0).Metadata()
	with := func(m map[string]string, kv ...string) map[string]string {
		c := maps.Clone(m)
		for i := 0; i < len(kv); i += 2 {
			if kv[i+1] == "<delete>" {
				delete(c, kv[i])
			} else {
				c[kv[i]] = kv[i+1]
			}
		}
		return c
	}
	tests := []struct {
		name string
		meta map[string]string
		want error
	}{
		{"none", map[string]string{"foo": "bar"}, ErrNoEnvelope},
		{"nil", nil, ErrNoEnvelope},
		{"v1", map[string]string{"x-amz-key": "AAAA", "x-amz-iv": "AAAA", "x-amz-matdesc": "{}"}, ErrV1NotSupported},
		{"v1 and v2 keys", with(v2, "x-amz-key", "AAAA"), ErrAmbiguousEnvelope},
		{"v2 and v3 keys", with(v3, "x-amz-key-v2", "AAAA"), ErrAmbiguousEnvelope},
		{"v2 without iv", with(v2, "x-amz-iv", "<delete>"), ErrNoEnvelope},
		{"v3 without commitment", with(v3, "x-amz-d", "<delete>"), ErrNoEnvelope},
		{"v2 cbc", with(v2, "x-amz-cek-alg", "AES/CBC/PKCS5Padding"), ErrBadEnvelope},
		{"v2 other cek", with(v2, "x-amz-cek-alg", "115"), ErrBadEnvelope},
		{"v2 legacy kms wrap", with(v2, "x-amz-wrap-alg", "kms"), ErrBadEnvelope},
		{"v2 unknown wrap", with(v2, "x-amz-wrap-alg", "AESWrap"), ErrBadEnvelope},
		{"v2 tag 96", with(v2, "x-amz-tag-len", "96"), ErrBadEnvelope},
		{"v2 iv not base64", with(v2, "x-amz-iv", "!!!"), ErrBadEnvelope},
		{"v2 iv 16 bytes", with(v2, "x-amz-iv", "AAAAAAAAAAAAAAAAAAAAAA=="), ErrBadEnvelope},
		{"v2 empty key", with(v2, "x-amz-key-v2", ""), ErrBadEnvelope},
		{"v2 matdesc not json", with(v2, "x-amz-matdesc", "{oops"), ErrBadEnvelope},
		{"v2 matdesc rfc2047", with(v2, "x-amz-matdesc", "=?UTF-8?B?e30=?="), ErrBadEnvelope},
		{"v2 bad length", with(v2, "x-amz-unencrypted-content-length", "-5"), ErrBadEnvelope},
		{"v3 cek", with(v3, "x-amz-c", "AES/GCM/NoPadding"), ErrBadEnvelope},
		{"v3 unknown wrap code", with(v3, "x-amz-w", "99"), ErrBadEnvelope},
		{"v3 short message id", with(v3, "x-amz-i", "AAAA"), ErrBadEnvelope},
		{"v3 short commitment", with(v3, "x-amz-d", "AAAA"), ErrBadEnvelope},
	}
	for _, tt := range tests {
		if _, err := ParseEnvelope(tt.meta); !errors.Is(err, tt.want) {
			t.Errorf("%s: err = %v, want %v", tt.name, err, tt.want)
		}
	}
	// Absent material description and length: {} and -1.
	e, err := ParseEnvelope(with(v2, "x-amz-matdesc", "<delete>", "x-amz-unencrypted-content-length", "<delete>",
		"x-amz-tag-len", "<delete>"))
	if err != nil || e.MatDesc == nil || len(e.MatDesc) != 0 || e.UnencryptedLength != -1 {
		t.Fatalf("defaults: %+v, %v", e, err)
	}
}

func TestKMSContext(t *testing.T) {
	user := map[string]string{"department": "finance"}
	for format, alg := range map[int]string{FormatV2: "AES/GCM/NoPadding", FormatV3: "115"} {
		got, err := KMSContext(user, format)
		if err != nil {
			t.Fatal(err)
		}
		if want := map[string]string{"department": "finance", "aws:x-amz-cek-alg": alg}; !maps.Equal(got, want) {
			t.Fatalf("V%d context = %v", format, got)
		}
	}
	if len(user) != 1 {
		t.Fatal("KMSContext modified the caller's map")
	}
	if got, err := KMSContext(nil, FormatV3); err != nil || !maps.Equal(got, map[string]string{"aws:x-amz-cek-alg": "115"}) {
		t.Fatalf("nil user context: %v, %v", got, err)
	}
	for _, reserved := range []string{"aws:x-amz-cek-alg", "kms_cmk_id"} {
		_, err := KMSContext(map[string]string{reserved: "x"}, FormatV2)
		want := "encryption context key " + reserved + " is reserved for the S3 Encryption Client and cannot be set"
		if err == nil || err.Error() != want {
			t.Fatalf("reserved %s: %v", reserved, err)
		}
	}
	if _, err := KMSContext(nil, 1); err == nil {
		t.Fatal("format 1 accepted")
	}
}

func TestCheckContext(t *testing.T) {
	stored := map[string]string{"aws:x-amz-cek-alg": "115", "department": "finance"}
	tests := []struct {
		name     string
		stored   map[string]string
		expected map[string]string
		format   int
		ok       bool
	}{
		{"matches", stored, map[string]string{"department": "finance"}, FormatV3, true},
		{"nothing expected", stored, nil, FormatV3, true},
		{"kms_cmk_id ignored", map[string]string{"aws:x-amz-cek-alg": "115", "kms_cmk_id": "k"}, map[string]string{}, FormatV3, true},
		{"downgrade", stored, nil, FormatV2, false},
		{"missing cek-alg", map[string]string{"department": "finance"}, nil, FormatV3, false},
		{"value differs", stored, map[string]string{"department": "hr"}, FormatV3, false},
		{"extra stored key", stored, map[string]string{}, FormatV3, false},
		{"missing stored key", stored, map[string]string{"department": "finance", "x": "y"}, FormatV3, false},
		{"reserved expected", stored, map[string]string{"aws:x-amz-cek-alg": "115", "department": "finance"}, FormatV3, false},
		{"bad format", stored, nil, 4, false},
	}
	for _, tt := range tests {
		err := CheckContext(tt.stored, tt.expected, tt.format)
		if (err == nil) != tt.ok {
			t.Errorf("%s: err = %v", tt.name, err)
		}
	}
	err := CheckContext(stored, nil, FormatV2)
	want := `encryption context mismatch: aws:x-amz-cek-alg does not match the content algorithm: stored "115", content "AES/GCM/NoPadding"; the envelope was altered or corrupted`
	if !errors.Is(err, ErrContextMismatch) || !errors.Is(err, ErrCEKAlgMismatch) || err.Error() != want {
		t.Fatalf("downgrade error = %q", err)
	}
	err = CheckContext(stored, map[string]string{"department": "secret-value"}, FormatV3)
	if !errors.Is(err, ErrContextMismatch) || strings.Contains(err.Error(), "secret-value") || strings.Contains(err.Error(), "finance") {
		t.Fatalf("mismatch error shows values: %q", err)
	}
}

func TestNewEnvelopeValidates(t *testing.T) {
	ctx3, _ := KMSContext(nil, FormatV3)
	k := a4PDK()
	tests := []struct {
		name    string
		format  int
		key     *Key
		wrapped []byte
		ctx     map[string]string
		n       int64
	}{
		{"16-byte key", FormatV3, NewKey(make([]byte, 16)), []byte{1}, ctx3, 0},
		{"empty wrapped key", FormatV3, k, nil, ctx3, 0},
		{"context without cek-alg", FormatV3, k, []byte{1}, map[string]string{"a": "b"}, 0},
		{"context for the other format", FormatV2, k, []byte{1}, ctx3, 0},
		{"format 1", 1, k, []byte{1}, ctx3, 0},
		{"negative length", FormatV3, k, []byte{1}, ctx3, -2},
		{"too long", FormatV3, k, []byte{1}, ctx3, gcmMaxPlaintext + 1},
	}
	for _, tt := range tests {
		if _, err := NewEnvelope(tt.format, tt.key, tt.wrapped, tt.ctx, tt.n); err == nil {
			t.Errorf("%s: accepted", tt.name)
		}
	}
	a, err := NewEnvelope(FormatV3, k, []byte{1}, ctx3, 5)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := NewEnvelope(FormatV3, k, []byte{1}, ctx3, 5)
	if reflect.DeepEqual(a.MessageID, b.MessageID) || reflect.DeepEqual(a.Commitment, b.Commitment) {
		t.Fatal("Message IDs are not random")
	}
	ctx3["late"] = "change"
	if _, ok := a.MatDesc["late"]; ok {
		t.Fatal("envelope shares the caller's context map")
	}
}

func TestEncryptedLength(t *testing.T) {
	if EncryptedLength(0) != 16 || EncryptedLength(11) != 27 {
		t.Fatal("EncryptedLength")
	}
}

func TestEveryEnvelopeFieldIsExplained(t *testing.T) {
	for _, f := range []int{FormatV2, FormatV3} {
		for k := range a4Envelope(t, f, 11).Metadata() {
			if EnvelopeFieldMeaning(k) == "" || EnvelopeFieldMeaning("x-amz-meta-"+k) == "" {
				t.Errorf("%s is not explained", k)
			}
		}
	}
	if EnvelopeFieldMeaning("purpose") != "" {
		t.Error("a user's own metadata key is explained as part of the envelope")
	}
}

// TestParseEnvelopeOfficialV4 reads the metadata exactly as S3EC Go v4.0.0
// stores it for a KMS-wrapped V3 object: every key canonical-cased, x-amz-m
// and x-amz-unencrypted-content-length present but empty (v4 never sets
// them for kms+context). Both mean "absent".
func TestParseEnvelopeOfficialV4(t *testing.T) {
	e := a4Envelope(t, FormatV3, 11)
	m := map[string]string{}
	for k, v := range e.Metadata() {
		m[http.CanonicalHeaderKey("x-amz-meta-"+k)] = v
	}
	m["X-Amz-Meta-X-Amz-M"] = ""
	m["X-Amz-Meta-X-Amz-Unencrypted-Content-Length"] = ""
	got, err := ParseEnvelope(m)
	if err != nil {
		t.Fatalf("v4 metadata: %v", err)
	}
	if got.UnencryptedLength != -1 || !maps.Equal(got.MatDesc, e.MatDesc) || got.WrapAlg != WrapAlgKMSContext {
		t.Fatalf("v4 metadata parsed as %+v", got)
	}
	// A raw keyring's empty x-amz-m is an empty material description.
	m["X-Amz-Meta-X-Amz-W"] = "02"
	if got, err := ParseEnvelope(m); err != nil || len(got.MatDesc) != 0 || got.MatDesc == nil {
		t.Fatalf("empty x-amz-m: %+v, %v", got, err)
	}
	// A length that is there must still be a byte count, and say so.
	m["X-Amz-Meta-X-Amz-Unencrypted-Content-Length"] = "eleven"
	if _, err := ParseEnvelope(m); !errors.Is(err, ErrBadEnvelope) || !strings.Contains(err.Error(), "not a byte count") {
		t.Fatalf("bad length: %v", err)
	}
}

// TestInstructionFileSplitAndMerge: V2 puts the whole envelope in the
// instruction file, V3 keeps x-amz-c/d/i on the object; merging gives back
// an envelope that parses to the same thing; misplaced or duplicated keys
// are refused; a JSON-number length is accepted.
func TestInstructionFileSplitAndMerge(t *testing.T) {
	for _, format := range []int{FormatV2, FormatV3} {
		e := a4Envelope(t, format, 11)
		obj, instr, err := e.SplitInstruction()
		if err != nil {
			t.Fatal(err)
		}
		want := map[int][]string{FormatV2: {"x-amz-unencrypted-content-length"},
			FormatV3: {"x-amz-c", "x-amz-d", "x-amz-i", "x-amz-unencrypted-content-length"}}[format]
		if got := slices.Sorted(maps.Keys(obj)); !slices.Equal(got, want) {
			t.Fatalf("V%d object keys %v", format, got)
		}
		if NeedsInstruction(obj) != (format == FormatV3) {
			t.Fatalf("V%d NeedsInstruction wrong", format)
		}
		m, err := MergeInstruction(obj, instr)
		if err != nil {
			t.Fatal(err)
		}
		back, err := ParseEnvelope(m)
		if err != nil || !reflect.DeepEqual(back, e) {
			t.Fatalf("V%d round trip: %+v, %v", format, back, err)
		}
	}
	e := a4Envelope(t, FormatV3, 11)
	obj, _, _ := e.SplitInstruction()
	full := e.Metadata()
	bad, _ := json.Marshal(full) // x-amz-c/d/i in the instruction file too
	if _, err := MergeInstruction(map[string]string{}, bad); !errors.Is(err, ErrBadEnvelope) {
		t.Fatalf("V3 keys in the instruction file: %v", err)
	}
	if _, err := MergeInstruction(full, []byte(`{"x-amz-3":"AAAA"}`)); !errors.Is(err, ErrBadEnvelope) {
		t.Fatalf("duplicate key: %v", err)
	}
	if _, err := MergeInstruction(obj, []byte(`not json`)); !errors.Is(err, ErrBadEnvelope) {
		t.Fatalf("garbage: %v", err)
	}
	v2 := a4Envelope(t, FormatV2, 11).Metadata()
	delete(v2, MetaUnencryptedLen)
	j, _ := json.Marshal(v2)
	j = append(j[:len(j)-1], []byte(`,"x-amz-unencrypted-content-length":11}`)...)
	if m, err := MergeInstruction(nil, j); err != nil || m[MetaUnencryptedLen] != "11" {
		t.Fatalf("number length: %v %v", m, err)
	}
}
