package sandbox

import (
	"encoding/json"
	"errors"
	"net/http"
	"strings"

	"github.com/s3crypt/s3crypt/sandbox/s3"
	"github.com/s3crypt/s3crypt/sandbox/sigv4"
	"github.com/s3crypt/s3crypt/sandbox/trace"
)

// ReservedPrefix is the path under which the sandbox serves what AWS does
// not: the trace stream, KMS call counters and the at-rest inspector. It
// cannot collide with S3 path-style requests (no bucket name may contain an
// underscore); virtual-hosted requests never reach it.
const ReservedPrefix = "/_s3crypt/"

// Handler routes every request on the endpoint: SigV4 first, then KMS JSON
// (X-Amz-Target: TrentService.*), the reserved paths, or S3 REST.
func (sb *Sandbox) Handler() http.Handler {
	vS3, vKMS := sb.verifier("s3"), sb.verifier("kms")
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := s3.NewRequestID()
		isKMS := strings.HasPrefix(r.Header.Get("X-Amz-Target"), "TrentService.")
		// A stalled body ends in RequestTimeout (400), as on AWS, instead
		// of holding a temporary file and descriptors forever.
		r.Body = sigv4.IdleBody(w, r.Body, sb.idleBody)
		v := vS3
		if isKMS {
			v = vKMS
		}
		if !isKMS && s3.IsPostObject(r) {
			// A browser-form upload is signed inside the form (its policy).
			sb.s3.ServePost(w, r, vS3.VerifyPostPolicy, id)
			return
		}
		auth, err := v.Verify(r)
		if err != nil {
			if isKMS {
				writeKMSAuthError(w, id, err)
			} else {
				s3.WriteError(w, r, id, err)
			}
			return
		}
		defer auth.Body.Close()
		r.Body = auth.Body
		switch {
		case isKMS:
			sb.kms.ServeJSON(w, r, auth.AccessKeyID, id)
		case strings.HasPrefix(r.URL.Path, ReservedPrefix) && !s3.VirtualHosted(r):
			sb.serveReserved(w, r, id)
		default:
			sb.s3.Serve(w, r, auth, id)
		}
	})
}

// writeKMSAuthError answers an unauthenticated KMS request as KMS does.
func writeKMSAuthError(w http.ResponseWriter, requestID string, err error) {
	typ, msg, status := "InvalidSignatureException", "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.", http.StatusBadRequest
	var ae *sigv4.Error
	switch {
	case sigv4.IsMissingAuth(err):
		typ, msg = "MissingAuthenticationTokenException", "Missing Authentication Token"
	case errors.As(err, &ae) && ae.Code == "InvalidAccessKeyId":
		typ, msg = "UnrecognizedClientException", "The security token included in the request is invalid."
	case errors.As(err, &ae) && ae.WrongService != "":
		// The text every AWS JSON service gives a credential scoped to
		// another service.
		msg = "Credential should be scoped to correct service: '" + ae.WrongService + "'. "
	case errors.As(err, &ae) && ae.Code == "RequestEntityTooLarge":
		// The body is read whole to hash it before the signature can be
		// checked; over 1 MiB it is refused as too large, as the KMS
		// handler refuses it, not as a signature fault.
		typ, msg, status = "SerializationException", "Request body exceeds 1 MiB", http.StatusRequestEntityTooLarge
	case errors.As(err, &ae) && ae.Code == "RequestTimeout":
		// A stalled body, answered as S3 answers it (sigv4.IdleBody) in
		// KMS's JSON form. UNVERIFIED: AWS does not document what KMS's
		// front end says; RequestTimeoutException is the name the SDKs
		// retry as a transient error.
		typ, msg, status = "RequestTimeoutException", ae.Message, http.StatusBadRequest
	case errors.As(err, &ae) && ae.Code == "RequestTimeTooSkewed":
		typ, msg = "InvalidSignatureException", "Signature expired: the request time is too far from the server time."
	case errors.As(err, &ae) && ae.Code != "SignatureDoesNotMatch":
		typ, msg = "IncompleteSignatureException", ae.Message
	}
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	w.Header().Set("x-amzn-RequestId", requestID)
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]string{"__type": typ, "message": msg})
}

// serveReserved answers the sandbox's own endpoints (signed like any
// request, so only holders of the credentials see them):
//
//	GET /_s3crypt/trace                       NDJSON stream of trace events
//	GET /_s3crypt/kms-calls                   KMS call counters
//	GET /_s3crypt/keys                        the KMS keys and aliases, read without a KMS request
//	GET /_s3crypt/inspect?bucket=&key=[&versionId=][&show=1]  the at-rest view of an object
//	                                           (show=1: someone asked to see it; an Inspected step goes on the trace)
//	GET /_s3crypt/trace-mark?mark=M            puts a marker event (Job M) on the trace,
//	                                           after every event published before it
func (sb *Sandbox) serveReserved(w http.ResponseWriter, r *http.Request, id string) {
	w.Header().Set("x-amz-request-id", id)
	if r.Method != http.MethodGet {
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	switch strings.TrimPrefix(r.URL.Path, ReservedPrefix) {
	case "trace":
		sb.streamTrace(w, r)
	case "trace-mark":
		mark := r.URL.Query().Get("mark")
		if !strings.HasPrefix(mark, traceMarkPrefix) {
			http.Error(w, "mark must start with "+traceMarkPrefix, http.StatusBadRequest)
			return
		}
		sb.bus.Publish(trace.Event{Job: mark})
		w.WriteHeader(http.StatusNoContent)
	case "kms-calls":
		writeJSON(w, http.StatusOK, sb.bus.Counts())
	case "keys":
		keys, err := listKeys(sb.kms)
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		writeJSON(w, http.StatusOK, keys)
	case "inspect":
		q := r.URL.Query()
		view, err := sb.s3.Inspect(q.Get("bucket"), q.Get("key"), q.Get("versionId"))
		if err != nil {
			s3.WriteError(w, r, id, err)
			return
		}
		if q.Get("show") == "1" {
			sb.publishInspected(view)
		}
		writeJSON(w, http.StatusOK, view)
	default:
		http.NotFound(w, r)
	}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// streamTrace sends every trace event as one JSON line until the client
// goes away.
func (sb *Sandbox) streamTrace(w http.ResponseWriter, r *http.Request) {
	flusher, _ := w.(http.Flusher)
	sub := sb.bus.Subscribe(4096)
	defer sub.Close()
	w.Header().Set("Content-Type", "application/x-ndjson")
	w.WriteHeader(http.StatusOK)
	if flusher != nil {
		flusher.Flush()
	}
	enc := json.NewEncoder(w)
	for {
		select {
		case <-r.Context().Done():
			return
		case <-sb.done:
			return
		case e, ok := <-sub.C:
			if !ok {
				return
			}
			if err := enc.Encode(e); err != nil {
				return
			}
			if flusher != nil {
				flusher.Flush()
			}
		}
	}
}
