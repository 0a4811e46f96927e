package s3

import (
	"encoding/base64"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/s3crypt/s3crypt/keyflow"
	"github.com/s3crypt/s3crypt/sandbox/sigv4"
	"github.com/s3crypt/s3crypt/sandbox/store"
)

// maxPostFields is how many bytes of form fields may precede the file
// (S3: 20 KB).
const maxPostFields = 20 << 10

// IsPostObject reports whether r is a browser-form upload (POST Object):
// a multipart/form-data POST to a bucket, which carries its
// authentication in the form rather than in a header.
func IsPostObject(r *http.Request) bool {
	if r.Method != http.MethodPost || r.Header.Get("Authorization") != "" || r.URL.RawQuery != "" {
		return false
	}
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/form-data" {
		return false
	}
	bucket, key := splitBucketKey(r)
	return bucket != "" && key == ""
}

// PostVerifier checks a form's signature and returns the access key
// that signed it (sigv4.Verifier.VerifyPostPolicy).
type PostVerifier func(policyB64, credential, amzDate, signature string) (string, error)

// ServePost answers a browser-form upload.
func (s *Server) ServePost(w http.ResponseWriter, r *http.Request, verify PostVerifier, requestID string) {
	q := &request{w: w, r: r, id: requestID, op: "PostObject", q: r.URL.Query(), post: true}
	q.bucket, _ = splitBucketKey(r)
	w.Header().Set("x-amz-request-id", requestID)
	w.Header().Set("x-amz-id-2", hostID(requestID))
	w.Header().Set("Server", "s3crypt-sandbox")
	if err := s.postObject(q, verify); err != nil {
		s.fail(q, err)
	}
}

// postForm is a form's fields before the file, by lower-case name.
type postForm map[string]string

func errPostPolicy(msg string) *Error {
	return newErr(http.StatusForbidden, "AccessDenied", "Invalid according to Policy: "+msg)
}

var errInvalidPolicyJSON = newErr(http.StatusBadRequest, "InvalidPolicyDocument", "Invalid Policy: Invalid JSON.")

func (s *Server) postObject(q *request, verify PostVerifier) error {
	b, err := s.opt.Store.GetBucket(q.bucket)
	if err != nil {
		return err
	}
	mr, err := q.r.MultipartReader()
	if err != nil {
		return newErr(http.StatusBadRequest, "MalformedPOSTRequest", "The body of your POST request is not well-formed multipart/form-data.")
	}
	form, filePart, err := readPostFields(mr)
	if err != nil {
		return err
	}
	defer filePart.Close()
	key, ok := form["key"]
	if !ok {
		return argErr("InvalidArgument", "Bucket POST must contain a field named 'key'.  If it is specified, please check the order of the fields.", "key", "")
	}
	key = strings.ReplaceAll(key, "${filename}", filePart.FileName())
	if key == "" || len(key) > 1024 {
		return argErr("InvalidArgument", "User key must have a length greater than 0.", "key", key)
	}
	q.key = key
	ranges, err := s.checkPostPolicy(q, form, verify)
	if err != nil {
		return err
	}
	// The form's fields are the request's headers from here on (what
	// resolveWrite, the policy's condition keys and the stored headers read).
	hdr := http.Header{}
	for k, v := range form {
		hdr.Set(k, v)
	}
	r2 := q.r.Clone(q.r.Context())
	r2.Header = hdr
	q.r = r2
	if err := checkUserMeta(hdr); err != nil {
		return err
	}
	if err := s.authorize(q, "s3:PutObject", q.bucket, q.key, nil); err != nil {
		return err
	}
	return s.storePost(q, b, filePart, form, ranges)
}

// readPostFields reads the fields before the file part and returns them
// with the file part (which must follow them).
func readPostFields(mr *multipart.Reader) (postForm, *multipart.Part, error) {
	form := postForm{}
	size := 0
	for {
		p, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			return nil, nil, argErr("InvalidArgument", "POST requires exactly one file upload per request.", "file", "0")
		}
		if err != nil {
			return nil, nil, newErr(http.StatusBadRequest, "MalformedPOSTRequest", "The body of your POST request is not well-formed multipart/form-data.")
		}
		name := strings.ToLower(p.FormName())
		if name == "file" {
			return form, p, nil
		}
		v, err := io.ReadAll(io.LimitReader(p, maxPostFields+1-int64(size)))
		p.Close()
		size += len(v)
		if err != nil || size > maxPostFields {
			return nil, nil, newErr(http.StatusBadRequest, "MaxPostPreDataLengthExceededError", "Your POST request fields preceding the upload file were too large.")
		}
		form[name] = string(v)
	}
}

// postPolicy is a POST policy document.
type postPolicy struct {
	Expiration string            `json:"expiration"`
	Conditions []json.RawMessage `json:"conditions"`
}

// lengthRange is content-length-range, when the policy sets one.
type lengthRange struct {
	set      bool
	min, max int64
}

// checkPostPolicy authenticates the form: its policy document must be
// signed with the sandbox's credentials, unexpired, and every condition
// must hold; every field (but the signature, the policy, the file and
// x-ignore-*) must be named by a condition. A form without a policy is
// anonymous, which only a bucket policy allowing everyone lets in.
func (s *Server) checkPostPolicy(q *request, form postForm, verify PostVerifier) (lengthRange, error) {
	var lr lengthRange
	raw, ok := form["policy"]
	if !ok {
		q.anonymous = true
		q.auth = &sigv4.Result{}
		return lr, nil
	}
	if alg := form["x-amz-algorithm"]; alg != "AWS4-HMAC-SHA256" {
		return lr, argErr("InvalidArgument", "Bucket POST must contain a field named 'x-amz-algorithm'.  If it is specified, please check the order of the fields.", "x-amz-algorithm", alg)
	}
	for _, f := range []string{"x-amz-credential", "x-amz-date", "x-amz-signature"} {
		if form[f] == "" {
			return lr, argErr("InvalidArgument", "Bucket POST must contain a field named '"+f+"'.  If it is specified, please check the order of the fields.", f, "")
		}
	}
	ak, err := verify(raw, form["x-amz-credential"], form["x-amz-date"], form["x-amz-signature"])
	if err != nil {
		return lr, err
	}
	q.caller = ak
	q.auth = &sigv4.Result{AccessKeyID: ak}
	doc, err := base64.StdEncoding.DecodeString(raw)
	if err != nil {
		return lr, errInvalidPolicyJSON
	}
	var p postPolicy
	if err := json.Unmarshal(doc, &p); err != nil {
		return lr, errInvalidPolicyJSON
	}
	if p.Expiration == "" {
		return lr, newErr(http.StatusBadRequest, "InvalidPolicyDocument", "Invalid Policy: Policy missing expiration.")
	}
	exp, err := time.Parse(time.RFC3339, p.Expiration)
	if err != nil {
		return lr, newErr(http.StatusBadRequest, "InvalidPolicyDocument", "Invalid Policy: Invalid 'expiration' value: '"+p.Expiration+"'")
	}
	if s.opt.Now().After(exp) {
		return lr, errPostPolicy("Policy expired.")
	}
	if p.Conditions == nil {
		return lr, newErr(http.StatusBadRequest, "InvalidPolicyDocument", "Invalid Policy: Policy missing conditions.")
	}
	covered := map[string]bool{}
	for _, c := range p.Conditions {
		if err := postCondition(c, form, q.bucket, covered, &lr); err != nil {
			return lr, err
		}
	}
	for name := range form {
		if name == "policy" || name == "x-amz-signature" || strings.HasPrefix(name, "x-ignore-") || covered[name] {
			continue
		}
		return lr, errPostPolicy("Extra input fields: " + name)
	}
	return lr, nil
}

// postCondition checks one condition: {"field": "value"}, ["eq", "$field",
// "value"], ["starts-with", "$field", "prefix"] or
// ["content-length-range", min, max].
func postCondition(raw json.RawMessage, form postForm, bucket string, covered map[string]bool, lr *lengthRange) error {
	value := func(name string) (string, bool) {
		if name == "bucket" {
			return bucket, true
		}
		v, ok := form[name]
		return v, ok
	}
	var exact map[string]string
	if json.Unmarshal(raw, &exact) == nil {
		for k, want := range exact {
			name := strings.ToLower(k)
			covered[name] = true
			if got, ok := value(name); !ok || got != want {
				return errPostPolicy(fmt.Sprintf(`Policy Condition failed: ["eq", "$%s", %q]`, k, want))
			}
		}
		return nil
	}
	var list []json.RawMessage
	if json.Unmarshal(raw, &list) != nil || len(list) != 3 {
		return errInvalidPolicyJSON
	}
	var op string
	if json.Unmarshal(list[0], &op) != nil {
		return errInvalidPolicyJSON
	}
	if strings.EqualFold(op, "content-length-range") {
		if json.Unmarshal(list[1], &lr.min) != nil || json.Unmarshal(list[2], &lr.max) != nil {
			return errInvalidPolicyJSON
		}
		lr.set = true
		return nil
	}
	var field, want string
	if json.Unmarshal(list[1], &field) != nil || json.Unmarshal(list[2], &want) != nil || !strings.HasPrefix(field, "$") {
		return errInvalidPolicyJSON
	}
	name := strings.ToLower(field[1:])
	covered[name] = true
	got, ok := value(name)
	var holds bool
	switch strings.ToLower(op) {
	case "eq":
		holds = ok && got == want
	case "starts-with":
		holds = ok && strings.HasPrefix(got, want)
	default:
		return newErr(http.StatusBadRequest, "InvalidPolicyDocument", "Invalid Policy: Invalid Condition: unknown operation "+op)
	}
	if !holds {
		return errPostPolicy(fmt.Sprintf(`Policy Condition failed: [%q, %q, %q]`, op, field, want))
	}
	return nil
}

// storePost encrypts and stores the file as PutObject would, then answers
// as success_action_status / success_action_redirect ask.
func (s *Server) storePost(q *request, b store.Bucket, file io.Reader, form postForm, lr lengthRange) error {
	choice, enc, keys, err := s.writeKeys(q, b)
	if err != nil {
		return err
	}
	defer choice.ssec.wipe()
	limit := int64(maxSinglePut)
	if lr.set {
		limit = min(limit, lr.max)
	}
	wp, err := s.writePart(q, &capReader{r: file, left: limit}, nil, keys, 1, "CRC64NVME")
	keys.wipe()
	if err == nil {
		s.publish(q, keyflow.Event{Op: keyflow.OpEncryptData, Mode: enc.Mode, Layer: len(enc.Layers), Bytes: wp.part.Size, KeyARN: enc.KMSKeyARN,
			Detail: fmt.Sprintf("S3 encrypted %d bytes with AES-256-GCM in 64 KiB authenticated packages (%d layer(s))", wp.part.Size, len(enc.Layers))})
	}
	s.publishWipe(q, enc)
	if err != nil {
		if errors.Is(err, errEntityTooLarge) && lr.set {
			return argErr("EntityTooLarge", "Your proposed upload exceeds the maximum allowed size", "MaxSizeAllowed", strconv.FormatInt(lr.max, 10))
		}
		return err
	}
	if lr.set && wp.part.Size < lr.min {
		s.opt.Store.RemoveBlobs(wp.part.Blob)
		return argErr("EntityTooSmall", "Your proposed upload is smaller than the minimum allowed size", "MinSizeAllowed", strconv.FormatInt(lr.min, 10))
	}
	stored, err := s.storeWritten(q, &wp, enc)
	if err != nil {
		return err
	}
	h := q.w.Header()
	location := "/" + q.bucket + "/" + url.PathEscape(q.key)
	h.Set("Location", location)
	if redirect := form["success_action_redirect"]; redirect != "" {
		if u, err := url.Parse(redirect); err == nil && (u.Scheme == "http" || u.Scheme == "https") {
			v := u.Query()
			v.Set("bucket", q.bucket)
			v.Set("key", q.key)
			v.Set("etag", stored.ETag)
			u.RawQuery = v.Encode()
			h.Set("Location", u.String())
			q.w.WriteHeader(http.StatusSeeOther)
			return nil
		}
	}
	switch form["success_action_status"] {
	case "200":
		q.w.WriteHeader(http.StatusOK)
	case "201":
		writeXML(q.w, http.StatusCreated, postResponse{Location: location, Bucket: q.bucket, Key: q.key, ETag: stored.ETag})
	default:
		q.w.WriteHeader(http.StatusNoContent)
	}
	return nil
}

type postResponse struct {
	XMLName  xml.Name `xml:"PostResponse"`
	Location string   `xml:"Location"`
	Bucket   string   `xml:"Bucket"`
	Key      string   `xml:"Key"`
	ETag     string   `xml:"ETag"`
}
