package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/s3crypt/s3crypt/actions"
	s3c "github.com/s3crypt/s3crypt/crypto"
)

// errorJSON is how a failed verb reports under --json, on standard error:
// Code (the AWS error code when the endpoint gave one, else s3crypt's:
// UsageError, Cancelled, InvalidSSECustomerKey, Failed, or the HTTP
// status's name), Message (what happened, with the operation), Why (the
// cause, "" when unknown) and Fix (what to do, "" when s3crypt cannot
// say). Operation and StatusCode are set when known. The exit code is the
// same as without --json.
type errorJSON struct {
	Code       string `json:"Code"`
	Message    string `json:"Message"`
	Why        string `json:"Why"`
	Fix        string `json:"Fix"`
	Operation  string `json:"Operation,omitempty"`
	StatusCode int    `json:"StatusCode,omitempty"`
}

// errorJSONOf explains err as errorJSON.
func errorJSONOf(err error) errorJSON {
	var (
		ae *actions.Error
		ue *UsageError
		ke *s3c.SSECKeyError
	)
	switch {
	case errors.Is(err, context.Canceled):
		out := errorJSON{Code: "Cancelled", Message: "cancelled", Why: "s3crypt was interrupted before the action finished"}
		if errors.As(err, &ae) && ae.Op != "" {
			out.Message, out.Operation = ae.Op+": cancelled", ae.Op
		}
		return out
	case errors.As(err, &ae):
		out := errorJSON{Code: ae.Code, Message: ae.What, Why: ae.Why, Fix: ae.Fix, Operation: ae.Op, StatusCode: ae.Status}
		if ae.Op != "" {
			out.Message = ae.Op + ": " + ae.What
		}
		if out.Code == "" && ae.Status != 0 {
			out.Code = strings.ReplaceAll(http.StatusText(ae.Status), " ", "")
		}
		if out.Code == "" {
			out.Code = "Failed"
		}
		return out
	case errors.As(err, &ue):
		return errorJSON{Code: "UsageError", Message: ue.Msg, Fix: "See s3crypt --help, or s3crypt VERB --help"}
	case errors.As(err, &ke):
		return errorJSON{Code: "InvalidSSECustomerKey", Message: err.Error(),
			Why: "an SSE-C key is exactly 32 bytes (a key file may hold them raw, or as base64 or hex text)"}
	}
	return errorJSON{Code: "Failed", Message: err.Error()}
}

// writeError prints err as errorJSON on w.
func writeError(w io.Writer, err error) {
	if werr := writeJSON(w, errorJSONOf(err)); werr != nil {
		fmt.Fprintln(w, "s3crypt: "+err.Error())
	}
}
