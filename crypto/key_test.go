package crypto

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"testing"
)

// secretBytes is a key whose every encoding is easy to search for.
func secretBytes() []byte {
	b := make([]byte, 32)
	for i := range b {
		b[i] = byte(0xc0 + i*7)
	}
	return b
}

// leaks reports which encoding of key appears in s, if any.
func leaks(s string, key []byte) string {
	forms := map[string]string{
		"raw":        string(key),
		"hex":        hex.EncodeToString(key),
		"HEX":        strings.ToUpper(hex.EncodeToString(key)),
		"hex prefix": hex.EncodeToString(key[:6]),
		"HEX prefix": strings.ToUpper(hex.EncodeToString(key[:6])),
		"base64":     base64.StdEncoding.EncodeToString(key),
		"base64 url": base64.URLEncoding.EncodeToString(key),
		"b64 prefix": base64.RawStdEncoding.EncodeToString(key[:6]),
		"decimal":    strings.Trim(fmt.Sprint(key[:6]), "[]"),
		"raw prefix": string(key[:6]),
		"quoted":     strings.Trim(fmt.Sprintf("%q", key[:6]), `"`),
		"spaced hex": fmt.Sprintf("% x", key[:6]),
		"go bytes":   fmt.Sprintf("%#v", key[:3])[len("[]byte{"):],
	}
	for name, f := range forms {
		if strings.Contains(s, f) {
			return name
		}
	}
	return ""
}

type holder struct {
	Exported   *Key
	unexported *Key
	Value      Key
	value      Key
}

type embeds struct {
	*Key
	Name string
}

func TestKeyNeverPrints(t *testing.T) {
	raw := secretBytes()
	k := NewKey(raw)
	h := holder{Exported: k, unexported: k, Value: *k, value: *k}
	e := embeds{Key: k, Name: "n"}
	verbs := "%v %s %+v %#v %q %x %X %d %T %p"
	var outs []string
	for _, v := range []any{k, *k, h, &h, e, &e, []*Key{k}, map[string]*Key{"a": k}} {
		outs = append(outs, fmt.Sprintf(strings.Repeat(verbs+" ", 1), v, v, v, v, v, v, v, v, v, v))
		outs = append(outs, fmt.Sprint(v), fmt.Sprintln(v))
	}
	outs = append(outs, k.String(), k.GoString())
	js, err := json.Marshal(h)
	if err != nil {
		t.Fatal(err)
	}
	outs = append(outs, string(js))
	var logBuf bytes.Buffer
	slog.New(slog.NewTextHandler(&logBuf, nil)).Info("msg", "key", k, "holder", h)
	slog.New(slog.NewJSONHandler(&logBuf, nil)).Info("msg", "key", k)
	outs = append(outs, logBuf.String())
	for _, s := range outs {
		if name := leaks(s, raw); name != "" {
			t.Fatalf("key leaked (%s) in %q", name, s)
		}
	}
	if got := fmt.Sprintf("%v|%s|%x|%q|%#v", k, k, k, k, k); got !=
		strings.Repeat("[key redacted: 32 bytes]|", 4)+"[key redacted: 32 bytes]" {
		t.Fatalf("formatted = %q", got)
	}
	if !strings.Contains(string(js), `"Exported":"[redacted]"`) {
		t.Fatalf("json = %s", js)
	}
	if !strings.Contains(logBuf.String(), "key=\"[key redacted: 32 bytes]\"") {
		t.Fatalf("slog = %s", logBuf.String())
	}
}

func TestKeyTextMarshalers(t *testing.T) {
	k := NewKey(secretBytes())
	if b, err := k.MarshalText(); err != nil || string(b) != "[redacted]" {
		t.Fatalf("MarshalText = %q, %v", b, err)
	}
	if b, err := k.MarshalJSON(); err != nil || string(b) != `"[redacted]"` {
		t.Fatalf("MarshalJSON = %q, %v", b, err)
	}
}

func TestNewKeyCopies(t *testing.T) {
	raw := secretBytes()
	k := NewKey(raw)
	raw[0] ^= 0xff
	if k.Bytes()[0] == raw[0] {
		t.Fatal("NewKey did not copy its input")
	}
	if k.Len() != 32 || k.Wiped() {
		t.Fatalf("Len = %d, Wiped = %v", k.Len(), k.Wiped())
	}
}

func TestWipe(t *testing.T) {
	k := NewKey(secretBytes())
	live := k.Bytes()
	k.Wipe()
	if !bytes.Equal(live, make([]byte, 32)) {
		t.Fatalf("bytes not zeroed: %x", live)
	}
	if k.Bytes() != nil || k.Len() != 0 || !k.Wiped() {
		t.Fatalf("after wipe: Bytes=%v Len=%d Wiped=%v", k.Bytes(), k.Len(), k.Wiped())
	}
	k.Wipe() // idempotent
	if got := k.String(); got != "[key wiped]" {
		t.Fatalf("String after wipe = %q", got)
	}
	if got := k.Fingerprint(); got != "(wiped)" {
		t.Fatalf("Fingerprint after wipe = %q", got)
	}
	// A copied Key value shares the material, so wiping one wipes both.
	k2 := NewKey(secretBytes())
	c := *k2
	k2.Wipe()
	if !c.Wiped() {
		t.Fatal("copy of a wiped key still holds bytes")
	}
}

func TestNilKey(t *testing.T) {
	var k *Key
	k.Wipe()
	if k.Bytes() != nil || k.Len() != 0 || !k.Wiped() {
		t.Fatal("nil key not empty")
	}
	if got := fmt.Sprintf("%v %s", k, k); got != "[key: nil] [key: nil]" {
		t.Fatalf("nil key formats as %q", got)
	}
}

func TestRandomKey(t *testing.T) {
	a, err := RandomKey(32)
	if err != nil {
		t.Fatal(err)
	}
	b, err := RandomKey(32)
	if err != nil {
		t.Fatal(err)
	}
	if a.Len() != 32 || bytes.Equal(a.Bytes(), b.Bytes()) || bytes.Equal(a.Bytes(), make([]byte, 32)) {
		t.Fatal("RandomKey did not return fresh random bytes")
	}
	for _, n := range []int{0, -1, maxRandomKeyLen + 1} {
		if _, err := RandomKey(n); err == nil {
			t.Fatalf("RandomKey(%d) succeeded", n)
		}
	}
}

func TestFingerprint(t *testing.T) {
	raw := secretBytes()
	k := NewKey(raw)
	fp := k.Fingerprint()
	// HMAC-SHA256(key, "s3crypt key fingerprint v1")[:8], computed independently
	// (Python hmac) for this key.
	if fp != "c6cdd133d19cd93c" {
		t.Fatalf("Fingerprint = %s", fp)
	}
	if fp != NewKey(raw).Fingerprint() {
		t.Fatal("fingerprint not stable")
	}
	raw[31] ^= 1
	if fp == NewKey(raw).Fingerprint() {
		t.Fatal("different keys share a fingerprint")
	}
	if name := leaks(fp, secretBytes()); name != "" {
		t.Fatalf("fingerprint leaks the key (%s)", name)
	}
}
