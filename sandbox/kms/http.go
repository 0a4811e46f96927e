package kms

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/s3crypt/s3crypt/keyflow"
)

// maxBody bounds a KMS request body. The largest legal request (a 6144-byte
// ciphertext in base64 plus contexts) is far smaller.
const maxBody = 1 << 20

const contentType = "application/x-amz-json-1.1"

// handler runs one operation from its JSON request body.
type handler func(k *KMS, c Call, body []byte) (any, error)

// wiper is a response holding plaintext that must be cleared once written.
type wiper interface{ wipe() }

// ServeJSON answers one KMS JSON 1.1 request (X-Amz-Target
// "TrentService.<Operation>"). The router has already authenticated the
// request; caller and requestID come from it, and auth headers are ignored.
func (k *KMS) ServeJSON(w http.ResponseWriter, r *http.Request, caller, requestID string) {
	op, ok := strings.CutPrefix(r.Header.Get("X-Amz-Target"), "TrentService.")
	k.bus.CountKMSRequest(caller, keyflow.Op(op)) // every request that reached KMS, refused ones too
	h := handlers[op]
	if !ok || h == nil {
		writeError(w, requestID, newErr(TypeUnknownOperation, ""))
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			writeError(w, requestID, &Error{Type: TypeSerialization, Message: "Request body exceeds 1 MiB", Status: http.StatusRequestEntityTooLarge})
			return
		}
		writeError(w, requestID, newErr(TypeSerialization, "Unable to read request body"))
		return
	}
	defer clear(body)
	if len(bytes.TrimSpace(body)) == 0 {
		body = []byte("{}")
	}
	out, err := h(k, Call{Caller: caller, RequestID: requestID, Job: r.Header.Get(keyflow.JobHeader)}, body)
	if err != nil {
		writeError(w, requestID, err)
		return
	}
	if wp, ok := out.(wiper); ok {
		defer wp.wipe()
	}
	writeJSON(w, requestID, http.StatusOK, out)
}

func writeJSON(w http.ResponseWriter, requestID string, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		writeError(w, requestID, errInternal("encode response", err))
		return
	}
	defer clear(b)
	w.Header().Set("Content-Type", contentType)
	w.Header().Set("x-amzn-RequestId", requestID)
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

// errorBody is KMS's error document.
type errorBody struct {
	Type    string `json:"__type"`
	Message string `json:"message"`
}

func writeError(w http.ResponseWriter, requestID string, err error) {
	var ke *Error
	if !errors.As(err, &ke) {
		ke = errInternal("request", err)
	}
	status := ke.Status
	if status == 0 {
		status = http.StatusBadRequest
	}
	b, _ := json.Marshal(errorBody{Type: ke.Type, Message: ke.Message})
	w.Header().Set("Content-Type", contentType)
	w.Header().Set("x-amzn-RequestId", requestID)
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

// decode parses a request body; malformed JSON is a SerializationException.
func decode(body []byte, v any) error {
	if err := json.Unmarshal(body, v); err != nil {
		return newErr(TypeSerialization, "Unable to parse request body as JSON for this operation")
	}
	return nil
}

// required returns a required string member or the null-value error.
func required(field string, p *string) (string, error) {
	if p == nil {
		return "", errNull(field)
	}
	if *p == "" {
		return "", errEmptyString(field)
	}
	return *p, nil
}

// epoch is a time as KMS's JSON writes it: seconds since 1970 as a number.
type epoch time.Time

// MarshalJSON writes the time as epoch seconds with millisecond precision.
func (e epoch) MarshalJSON() ([]byte, error) {
	t := time.Time(e)
	return []byte(strconv.FormatFloat(float64(t.UnixMilli())/1000, 'f', -1, 64)), nil
}

// optEpoch is nil for the zero time, so omitempty drops it.
func optEpoch(t time.Time) *epoch {
	if t.IsZero() {
		return nil
	}
	e := epoch(t)
	return &e
}

// keyMetadataJSON is KeyMetadata on the wire.
type keyMetadataJSON struct {
	AWSAccountID          string   `json:"AWSAccountId"`
	KeyID                 string   `json:"KeyId"`
	Arn                   string   `json:"Arn"`
	CreationDate          epoch    `json:"CreationDate"`
	Enabled               bool     `json:"Enabled"`
	Description           string   `json:"Description"`
	KeyUsage              string   `json:"KeyUsage"`
	KeyState              string   `json:"KeyState"`
	DeletionDate          *epoch   `json:"DeletionDate,omitempty"`
	Origin                string   `json:"Origin"`
	KeyManager            string   `json:"KeyManager"`
	CustomerMasterKeySpec string   `json:"CustomerMasterKeySpec"`
	KeySpec               string   `json:"KeySpec"`
	EncryptionAlgorithms  []string `json:"EncryptionAlgorithms,omitempty"`
	SigningAlgorithms     []string `json:"SigningAlgorithms,omitempty"`
	MacAlgorithms         []string `json:"MacAlgorithms,omitempty"`
	KeyAgreementAlgs      []string `json:"KeyAgreementAlgorithms,omitempty"`
	EncapsulationAlgs     []string `json:"EncapsulationAlgorithms,omitempty"`
	MultiRegion           bool     `json:"MultiRegion"`
	CurrentKeyMaterialID  string   `json:"CurrentKeyMaterialId,omitempty"`
}

// MarshalJSON writes KeyMetadata as KMS does.
func (m KeyMetadata) MarshalJSON() ([]byte, error) {
	return json.Marshal(keyMetadataJSON{
		AWSAccountID: m.AWSAccountID, KeyID: m.KeyID, Arn: m.Arn, CreationDate: epoch(m.CreationDate),
		Enabled: m.Enabled, Description: m.Description, KeyUsage: m.KeyUsage, KeyState: m.KeyState,
		DeletionDate: optEpoch(m.DeletionDate), Origin: m.Origin, KeyManager: m.KeyManager,
		CustomerMasterKeySpec: m.KeySpec, KeySpec: m.KeySpec, EncryptionAlgorithms: m.EncryptionAlgorithms,
		SigningAlgorithms: m.SigningAlgorithms, MacAlgorithms: m.MacAlgorithms,
		KeyAgreementAlgs: m.KeyAgreementAlgorithms, EncapsulationAlgs: m.EncapsulationAlgorithms,
		MultiRegion: m.MultiRegion, CurrentKeyMaterialID: m.CurrentKeyMaterialID,
	})
}
