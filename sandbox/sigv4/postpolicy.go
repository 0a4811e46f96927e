package sigv4

import (
	"net/http"
	"time"
)

// VerifyPostPolicy checks the signature of a browser-form upload (S3 POST
// Object): the form's x-amz-signature must be the SigV4 signature of the
// base64 policy document itself, under the signing key of the form's
// x-amz-credential scope, whose date must be x-amz-date's. It returns the
// access key that signed. The policy's own expiration and conditions are
// the caller's to check.
func (v *Verifier) VerifyPostPolicy(policyB64, credential, amzDate, signature string) (string, error) {
	a := &authInfo{}
	if !a.setCredential(credential) {
		return "", newError(http.StatusBadRequest, "InvalidArgument", "Invalid according to Policy: Policy Condition failed: x-amz-credential")
	}
	t, err := time.Parse(amzDateLayout, amzDate)
	if err != nil {
		return "", newError(http.StatusBadRequest, "InvalidArgument", "Invalid according to Policy: Policy Condition failed: x-amz-date")
	}
	a.time, a.amzDate = t, amzDate
	if e := v.checkScope(a); e != nil {
		return "", e
	}
	secret, ok := v.Lookup(a.accessKey)
	if !ok {
		return "", errAccessKey()
	}
	key := signingKey(secret, a.scopeDate, a.region, a.service)
	if !signatureMatches(hmacSHA256(key, policyB64), signature) {
		return "", newError(http.StatusForbidden, "SignatureDoesNotMatch", msgSignature)
	}
	return a.accessKey, nil
}
