package s3

import "net/http"

// bucketAction is the IAM action a bucket-level request is evaluated as
// under the bucket's policy (the S3 service authorization reference's
// action for each operation), or "" for requests no bucket policy governs
// here: CreateBucket (no bucket yet), DeleteObjects (AWS evaluates
// s3:DeleteObject per key; not done here), and Put/Get/DeleteBucketPolicy,
// which the bucket owner's root user may always do, even under a policy
// that denies it, so that a policy cannot lock its owner out (AWS documents
// this for the root user; the sandbox's caller is the account's root).
func bucketAction(q *request) string {
	m, v := q.r.Method, q.q
	switch {
	case v.Has("policyStatus"):
		return "s3:GetBucketPolicyStatus"
	case v.Has("policy"), v.Has("delete"):
		return ""
	case v.Has("encryption"):
		if m == http.MethodGet {
			return "s3:GetEncryptionConfiguration"
		}
		return "s3:PutEncryptionConfiguration" // PUT and DELETE
	case v.Has("versioning"):
		if m == http.MethodGet {
			return "s3:GetBucketVersioning"
		}
		return "s3:PutBucketVersioning"
	case v.Has("location"):
		return "s3:GetBucketLocation"
	case v.Has("versions"):
		return "s3:ListBucketVersions"
	case v.Has("uploads"):
		return "s3:ListBucketMultipartUploads"
	}
	switch m {
	case http.MethodGet, http.MethodHead: // ListObjects(V2), HeadBucket
		return "s3:ListBucket"
	case http.MethodDelete:
		return "s3:DeleteBucket"
	}
	return ""
}

// authorizeBucket evaluates a bucket-level request under the bucket's
// policy, with the bucket's ARN as the resource.
func (s *Server) authorizeBucket(q *request) error {
	if a := bucketAction(q); a != "" {
		return s.authorize(q, a, q.bucket, "", nil)
	}
	return nil
}
