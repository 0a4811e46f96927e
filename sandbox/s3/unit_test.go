package s3

import (
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestParseRange(t *testing.T) {
	for _, c := range []struct {
		h      string
		size   int64
		off, n int64
		ok     bool
	}{
		{"bytes=0-9", 100, 0, 10, true},
		{"bytes=90-", 100, 90, 10, true},
		{"bytes=-5", 100, 95, 5, true},
		{"bytes=-500", 100, 0, 100, true},
		{"bytes=50-500", 100, 50, 50, true},
		{"bytes=100-", 100, 0, 0, true}, // unsatisfiable
		{"bytes=5-1", 100, 0, 0, false}, // ignored
		{"bytes=0-1,5-6", 100, 0, 0, false},
		{"items=0-1", 100, 0, 0, false},
	} {
		off, n, ok := parseRange(c.h, c.size)
		if off != c.off || n != c.n || ok != c.ok {
			t.Errorf("%s: got %d,%d,%v want %d,%d,%v", c.h, off, n, ok, c.off, c.n, c.ok)
		}
	}
}

func TestDecodeContext(t *testing.T) {
	m, err := decodeContext("eyJhIjoiYiJ9") // {"a":"b"}
	if err != nil || m["a"] != "b" {
		t.Fatalf("%v %v", m, err)
	}
	for _, bad := range []string{"!!", "bm90IGpzb24=", "eyJhIjp7ImIiOiJjIn19" /* nested */, "eyJhd3M6czM6YXJuIjoieCJ9" /* aws:s3:arn */} {
		if _, err := decodeContext(bad); err == nil {
			t.Errorf("%s accepted", bad)
		}
	}
}

// TestCustomerKeyValidationOrder follows AWS's order of SSE-C checks.
func TestCustomerKeyValidationOrder(t *testing.T) {
	h := func(kv ...string) http.Header {
		out := http.Header{}
		for i := 0; i < len(kv); i += 2 {
			out.Set(kv[i], kv[i+1])
		}
		return out
	}
	key := "pO3upElrwuEXSoFwCfnZPdSsmt/xWeFa0N9KgDijwVs="
	md5 := "DWygnHRtgiJ77HCm+1rvHw=="
	for _, c := range []struct {
		h    http.Header
		code string
		msg  string
	}{
		{h(hSSECKey, key, hSSECKeyMD5, md5), "InvalidArgument", "valid encryption algorithm"},
		{h(hSSECAlg, "AES256"), "InvalidArgument", "appropriate secret key"},
		{h(hSSECAlg, "AES128", hSSECKey, key, hSSECKeyMD5, md5), "InvalidEncryptionAlgorithmError", "Supported value: AES256"},
		{h(hSSECAlg, "AES256", hSSECKey, "c2hvcnQ=", hSSECKeyMD5, md5), "InvalidArgument", "secret key was invalid"},
		{h(hSSECAlg, "AES256", hSSECKey, key, hSSECKeyMD5, "AAAAAAAAAAAAAAAAAAAAAA=="), "InvalidArgument", "did not match"},
	} {
		_, err := parseCustomerKey(c.h, plainPrefix, true)
		var e *Error
		if !errors.As(err, &e) || e.Code != c.code || !contains(e.Message, c.msg) {
			t.Errorf("%v: got %v", c.h, err)
		}
	}
	ck, err := parseCustomerKey(h(hSSECAlg, "AES256", hSSECKey, key, hSSECKeyMD5, md5), plainPrefix, true)
	if err != nil || ck.md5 != md5 || len(ck.key) != 32 {
		t.Fatalf("valid key: %v", err)
	}
	ck.wipe()
	for _, b := range ck.key {
		if b != 0 {
			t.Fatal("key not wiped")
		}
	}
}

func contains(s, sub string) bool { return strings.Contains(s, sub) }

// TestBucketKeyCacheWipesWhatItDrops checks that expired bucket keys are
// zeroed once no map holds them.
func TestBucketKeyCacheWipesWhatItDrops(t *testing.T) {
	now := time.Unix(1000, 0)
	c := newBucketKeyCache(time.Minute, func() time.Time { return now })
	id := bucketKeyID{caller: "a", keyARN: "k", bucket: "b"}
	c.put(id, []byte("0123456789abcdef0123456789abcdef"), []byte("blob"))
	e := c.byID[id]
	if got, ok := c.getByBlob("a", []byte("blob")); !ok || string(got) != "0123456789abcdef0123456789abcdef" {
		t.Fatal("cached key not found by blob")
	}
	now = now.Add(2 * time.Minute)
	c.put(bucketKeyID{caller: "a", keyARN: "k", bucket: "other"}, []byte("ffffffffffffffffffffffffffffffff"), []byte("blob2"))
	for _, b := range e.key {
		if b != 0 {
			t.Fatal("expired bucket key not wiped")
		}
	}
	if _, _, ok := c.get(id); ok {
		t.Fatal("expired bucket key still served")
	}
}
