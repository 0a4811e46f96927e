package sigv4

import (
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Query parameters of presigned (query-string) authentication.
const (
	qAlgorithm     = "X-Amz-Algorithm"
	qCredential    = "X-Amz-Credential"
	qDate          = "X-Amz-Date"
	qExpires       = "X-Amz-Expires"
	qSignedHeaders = "X-Amz-SignedHeaders"
	qContentSHA256 = "X-Amz-Content-Sha256"
	maxExpires     = 7 * 24 * 60 * 60
)

// authInfo is what a request claims about its signature.
type authInfo struct {
	accessKey     string
	scopeDate     string // yyyymmdd from the credential
	region        string
	service       string
	signedHeaders []string
	signature     string
	amzDate       string // yyyymmddTHHMMSSZ used in the StringToSign
	time          time.Time
	presigned     bool
	expires       time.Duration
}

func (a *authInfo) scope() string {
	return a.scopeDate + "/" + a.region + "/" + a.service + "/aws4_request"
}

// parseAuthHeader parses "AWS4-HMAC-SHA256 Credential=…, SignedHeaders=…, Signature=…".
func parseAuthHeader(h string) (*authInfo, *Error) {
	alg, rest, _ := strings.Cut(strings.TrimSpace(h), " ")
	if alg == "AWS" {
		return nil, errSigV2()
	}
	if alg != algorithm {
		return nil, errInvalidArgument("Unsupported Authorization Type")
	}
	fields := map[string]string{}
	for _, part := range strings.Split(rest, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok {
			return nil, errMalformed(msgMalformed)
		}
		fields[k] = v
	}
	cred, sh, sig := fields["Credential"], fields["SignedHeaders"], fields["Signature"]
	if cred == "" || sh == "" || sig == "" {
		return nil, errMalformed(msgMalformed)
	}
	a := &authInfo{signature: sig, signedHeaders: strings.Split(sh, ";")}
	if !a.setCredential(cred) {
		return nil, errMalformed(msgCredential)
	}
	return a, nil
}

// setCredential splits "<AKID>/<date>/<region>/<service>/aws4_request".
func (a *authInfo) setCredential(cred string) bool {
	parts := strings.Split(cred, "/")
	if len(parts) != 5 || parts[4] != "aws4_request" || parts[0] == "" ||
		len(parts[1]) != scopeDateLen || parts[2] == "" || parts[3] == "" {
		return false
	}
	a.accessKey, a.scopeDate, a.region, a.service = parts[0], parts[1], parts[2], parts[3]
	return true
}

// parsePresigned reads the X-Amz-* query parameters of a presigned URL.
func parsePresigned(q map[string]string) (*authInfo, *Error) {
	for _, k := range []string{qAlgorithm, qCredential, signatureQuery, qDate, qSignedHeaders, qExpires} {
		if q[k] == "" {
			return nil, errQueryParams("Query-string authentication version 4 requires the X-Amz-Algorithm, X-Amz-Credential, X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, and X-Amz-Expires parameters.")
		}
	}
	if q[qAlgorithm] != algorithm {
		return nil, errQueryParams("X-Amz-Algorithm only supports \"AWS4-HMAC-SHA256\"")
	}
	a := &authInfo{presigned: true, signature: q[signatureQuery], signedHeaders: strings.Split(q[qSignedHeaders], ";")}
	if !a.setCredential(q[qCredential]) {
		return nil, errQueryParams("Error parsing the X-Amz-Credential parameter; the Credential is mal-formed; expecting \"<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request\".")
	}
	secs, err := strconv.ParseInt(q[qExpires], 10, 64)
	switch {
	case err != nil:
		return nil, errQueryParams("X-Amz-Expires should be a number")
	case secs < 0:
		return nil, errQueryParams("X-Amz-Expires must be non-negative")
	case secs > maxExpires:
		return nil, errQueryParams("X-Amz-Expires must be less than a week (in seconds) that is 604800")
	}
	a.expires = time.Duration(secs) * time.Second
	t, err := time.Parse(amzDateLayout, q[qDate])
	if err != nil {
		return nil, errQueryParams("X-Amz-Date must be in the ISO8601 Long Format \"yyyyMMdd'T'HHmmss'Z'\"")
	}
	a.time, a.amzDate = t, q[qDate]
	return a, nil
}

// setHeaderDate takes the signing time from x-amz-date, else Date.
func (a *authInfo) setHeaderDate(req *http.Request) *Error {
	if v := req.Header.Get("X-Amz-Date"); v != "" {
		t, err := time.Parse(amzDateLayout, v)
		if err != nil {
			return newError(http.StatusForbidden, "AccessDenied", "AWS authentication requires a valid Date or x-amz-date header")
		}
		a.time, a.amzDate = t, v
		return nil
	}
	t, err := http.ParseTime(req.Header.Get("Date"))
	if err != nil {
		return newError(http.StatusForbidden, "AccessDenied", "AWS authentication requires a valid Date or x-amz-date header")
	}
	a.time = t.UTC()
	a.amzDate = a.time.Format(amzDateLayout)
	return nil
}

// checkScope checks the credential scope against the verifier's region and
// the request's own date.
func (v *Verifier) checkScope(a *authInfo) *Error {
	if v.Region != "" && a.region != v.Region {
		if a.presigned {
			e := errQueryParams("Error parsing the X-Amz-Credential parameter; the region '" + a.region + "' is wrong; expecting '" + v.Region + "'")
			e.Region = v.Region
			return e
		}
		return errWrongRegion(a.region, v.Region)
	}
	if v.Service != "" && a.service != v.Service {
		return errWrongService(a.service, v.Service, a.presigned)
	}
	if a.scopeDate != a.amzDate[:scopeDateLen] {
		if a.presigned {
			return errQueryParams("Invalid credential date \"" + a.scopeDate + "\". This date is not the same as X-Amz-Date: \"" + a.amzDate[:scopeDateLen] + "\".")
		}
		return errMalformed(msgCredDate)
	}
	return nil
}

// checkTime enforces the 15-minute skew for header auth and the expiry
// window for presigned URLs.
func (v *Verifier) checkTime(a *authInfo) *Error {
	const skew = 15 * time.Minute
	now := time.Now()
	if v.Now != nil {
		now = v.Now()
	}
	if a.presigned {
		if now.After(a.time.Add(a.expires)) {
			return newError(http.StatusForbidden, "AccessDenied", msgExpired)
		}
		if a.time.After(now.Add(skew)) {
			return newError(http.StatusForbidden, "AccessDenied", "Request is not valid yet")
		}
		return nil
	}
	if d := now.Sub(a.time); d > skew || d < -skew {
		return newError(http.StatusForbidden, "RequestTimeTooSkewed", msgSkew)
	}
	return nil
}

// unsignedAmzHeader returns an x-amz-* header present but not signed.
func unsignedAmzHeader(req *http.Request, signed []string) string {
	in := make(map[string]bool, len(signed))
	for _, s := range signed {
		in[s] = true
	}
	for name := range req.Header {
		l := strings.ToLower(name)
		if strings.HasPrefix(l, "x-amz-") && !in[l] {
			return l
		}
	}
	return ""
}
