package kms

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
)

// post sends a raw KMS request and returns status, headers and body.
func (e *env) post(t *testing.T, target string, body []byte, hdr map[string]string) (int, http.Header, []byte) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, e.srv.URL+"/", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	if target != "" {
		req.Header.Set("X-Amz-Target", target)
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, resp.Header, b
}

func wantWireErr(t *testing.T, status int, body []byte, wantStatus int, typ, msg string) {
	t.Helper()
	var eb struct {
		Type    string `json:"__type"`
		Message *string
	}
	if err := json.Unmarshal(body, &eb); err != nil || eb.Message == nil {
		t.Fatalf("error body %q: %v", body, err)
	}
	if status != wantStatus || eb.Type != typ || *eb.Message != msg {
		t.Fatalf("got %d %s %q, want %d %s %q", status, eb.Type, *eb.Message, wantStatus, typ, msg)
	}
}

func TestWireProtocol(t *testing.T) {
	e := newEnv(t)
	st, _, body := e.post(t, "TrentService.Frobnicate", []byte("{}"), nil)
	wantWireErr(t, st, body, 400, "UnknownOperationException", "")
	st, _, body = e.post(t, "", []byte("{}"), nil)
	wantWireErr(t, st, body, 400, "UnknownOperationException", "")
	st, _, body = e.post(t, "TrentService.DescribeKey", []byte("{not json"), nil)
	wantWireErr(t, st, body, 400, "SerializationException", "Unable to parse request body as JSON for this operation")
	st, _, body = e.post(t, "TrentService.DescribeKey", []byte(`{"KeyId": 5}`), nil)
	wantWireErr(t, st, body, 400, "SerializationException", "Unable to parse request body as JSON for this operation")
	st, _, body = e.post(t, "TrentService.DescribeKey", []byte("{}"), nil)
	wantWireErr(t, st, body, 400, "ValidationException",
		"1 validation error detected: Value null at 'keyId' failed to satisfy constraint: Member must not be null")
	st, _, body = e.post(t, "TrentService.Decrypt", []byte("{}"), nil)
	wantWireErr(t, st, body, 400, "ValidationException",
		"1 validation error detected: Value null at 'ciphertextBlob' failed to satisfy constraint: Member must not be null")
	big := append([]byte(`{"Description":"`), bytes.Repeat([]byte("a"), 1<<20)...)
	st, _, body = e.post(t, "TrentService.CreateKey", append(big, `"}`...), nil)
	wantWireErr(t, st, body, 413, "SerializationException", "Request body exceeds 1 MiB")

	// Auth headers are the router's business: garbage must not matter here.
	st, hdr, body := e.post(t, "TrentService.CreateKey", []byte(`{"Description":"wire"}`),
		map[string]string{"Authorization": "AWS4-HMAC-SHA256 Credential=garbage", "X-Amz-Security-Token": "x"})
	if st != 200 || hdr.Get("Content-Type") != "application/x-amz-json-1.1" || !strings.HasPrefix(hdr.Get("x-amzn-RequestId"), "req-") {
		t.Fatalf("CreateKey: %d %v %s", st, hdr, body)
	}
	var raw struct{ KeyMetadata map[string]any }
	if err := json.Unmarshal(body, &raw); err != nil {
		t.Fatal(err)
	}
	if _, ok := raw.KeyMetadata["CreationDate"].(float64); !ok {
		t.Fatalf("CreationDate is %T, want an epoch-seconds number", raw.KeyMetadata["CreationDate"])
	}
	for _, absent := range []string{"DeletionDate", "PendingDeletionWindowInDays"} {
		if _, ok := raw.KeyMetadata[absent]; ok {
			t.Errorf("%s present on an Enabled key", absent)
		}
	}
	id := raw.KeyMetadata["KeyId"].(string)
	st, _, body = e.post(t, "TrentService.Encrypt", []byte(`{"KeyId":"`+id+`","Plaintext":"aGVsbG8="}`), nil)
	var enc struct{ CiphertextBlob []byte }
	if st != 200 || json.Unmarshal(body, &enc) != nil || len(enc.CiphertextBlob) != 61+5+16 {
		t.Fatalf("Encrypt: %d %s", st, body)
	}
	if enc.CiphertextBlob[0] != 1 {
		t.Fatalf("blob version byte = %d", enc.CiphertextBlob[0])
	}
}
