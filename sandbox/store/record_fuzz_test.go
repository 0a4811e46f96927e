package store

import (
	"encoding/json"
	"testing"
	"time"
)

// FuzzObjectRecord decodes stored object records (the JSON values in
// meta.db). Decoding never panics; a record that decodes re-encodes to one
// that decodes to the same record (what UpdateObject relies on).
func FuzzObjectRecord(f *testing.F) {
	o := Object{
		Bucket: "bucket", Key: "photos/2026/img 01.jpg", VersionID: "null", Size: 70000, UserMeta: Headers{"x-amz-key-v2": "AAAA"}, MultipartCount: 2,
		ETag: `"3303e12af474ca11d85ed2966a932992-2"`, LastModified: time.Date(2026, 12, 8, 1, 0, 0, 0, time.UTC),
		Parts: []Part{{Number: 1, Blob: "0123456789abcdef0123456789abcdef", Size: 65536, StoredSize: 65568,
			ETag: `"a"`, Checksums: Checksums{"CRC32": "DUoRhQ=="}, Nonce: []byte("0123456789abcdef"), Modified: time.Date(2026, 12, 8, 1, 0, 0, 0, time.UTC)}},
	}
	b, err := json.Marshal(o)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(b)
	f.Add([]byte(`{"bucket":"b","key":"k","parts":[{"number":1,"blob":"../../etc/passwd","size":-1}]}`))
	f.Add([]byte(`{"modified":"not a time"}`))
	f.Fuzz(func(t *testing.T, v []byte) {
		o, err := decodeObject(v)
		if err != nil {
			return
		}
		again, err := json.Marshal(o)
		if err != nil {
			t.Fatalf("re-encode: %v", err)
		}
		o2, err := decodeObject(again)
		if err != nil {
			t.Fatalf("re-decode %s: %v", again, err)
		}
		third, _ := json.Marshal(o2)
		if string(third) != string(again) {
			t.Fatalf("round trip:\n%s\n%s", again, third)
		}
	})
}
