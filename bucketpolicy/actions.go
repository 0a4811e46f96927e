package bucketpolicy

import (
	"strings"
)

// objectActions are the S3 actions whose resource is an object
// (arn:aws:s3:::bucket/key), bucketActions those on the bucket itself.
// Actions in neither (ListAllMyBuckets, CreateBucket, unknown names)
// apply to any resource, as S3's validation treats them.
var (
	objectActions = []string{
		"AbortMultipartUpload", "DeleteObject", "DeleteObjectTagging", "DeleteObjectVersion", "DeleteObjectVersionTagging",
		"GetObject", "GetObjectAcl", "GetObjectAttributes", "GetObjectLegalHold", "GetObjectRetention", "GetObjectTagging",
		"GetObjectTorrent", "GetObjectVersion", "GetObjectVersionAcl", "GetObjectVersionAttributes", "GetObjectVersionForReplication",
		"GetObjectVersionTagging", "GetObjectVersionTorrent", "ListMultipartUploadParts", "ObjectOwnerOverrideToBucketOwner",
		"PutObject", "PutObjectAcl", "PutObjectLegalHold", "PutObjectRetention", "PutObjectTagging", "PutObjectVersionAcl",
		"PutObjectVersionTagging", "ReplicateDelete", "ReplicateObject", "ReplicateTags", "RestoreObject", "BypassGovernanceRetention",
	}
	bucketActions = []string{
		"DeleteBucket", "DeleteBucketPolicy", "DeleteBucketWebsite", "GetBucketAcl", "GetBucketCORS", "GetBucketLocation",
		"GetBucketLogging", "GetBucketNotification", "GetBucketObjectLockConfiguration", "GetBucketOwnershipControls",
		"GetBucketPolicy", "GetBucketPolicyStatus", "GetBucketPublicAccessBlock", "GetBucketRequestPayment", "GetBucketTagging",
		"GetBucketVersioning", "GetBucketWebsite", "GetEncryptionConfiguration", "GetLifecycleConfiguration",
		"GetReplicationConfiguration", "ListBucket", "ListBucketMultipartUploads", "ListBucketVersions", "PutBucketAcl",
		"PutBucketCORS", "PutBucketLogging", "PutBucketNotification", "PutBucketObjectLockConfiguration",
		"PutBucketOwnershipControls", "PutBucketPolicy", "PutBucketPublicAccessBlock", "PutBucketRequestPayment",
		"PutBucketTagging", "PutBucketVersioning", "PutBucketWebsite", "PutEncryptionConfiguration", "PutLifecycleConfiguration",
		"PutReplicationConfiguration",
	}
)

// actionsFitResources reports whether every action pattern that names
// known actions names at least one that applies to a kind of resource
// the statement lists (S3: "Action does not apply to any resource(s) in
// statement").
func actionsFitResources(actions, resources []string) bool {
	var hasBucket, hasObject bool
	for _, r := range resources {
		if m := resourceRE.FindStringSubmatch(r); m != nil && m[3] != "" {
			hasObject = true
		} else {
			hasBucket = true
		}
	}
	for _, a := range actions {
		name := a
		if a != "*" {
			name = a[len("s3:"):]
		}
		var known, fits bool
		for _, o := range objectActions {
			if globFold(name, o) {
				known, fits = true, fits || hasObject
			}
		}
		for _, b := range bucketActions {
			if globFold(name, b) {
				known, fits = true, fits || hasBucket
			}
		}
		if known && !fits {
			return false
		}
	}
	return true
}

// matchAction reports whether pattern (s3:Get*, *) names action
// (s3:GetObject); action names are case-insensitive.
func matchAction(pattern, action string) bool {
	if pattern == "*" {
		return true
	}
	return globFold(pattern, action)
}

func globFold(pattern, s string) bool {
	return glob(strings.ToLower(pattern), strings.ToLower(s))
}

// glob matches s against pattern, where * is any run of characters and ?
// any one character, and ${*}, ${?} and ${$} stand for those characters
// themselves (IAM's escapes). It runs in O(len(pattern)·len(s)).
func glob(pattern, s string) bool {
	p := tokens(pattern)
	r := []rune(s)
	// Classic two-pointer wildcard match with backtracking to the last star.
	pi, si, star, mark := 0, 0, -1, 0
	for si < len(r) {
		switch {
		case pi < len(p) && p[pi].kind == tokOne, pi < len(p) && p[pi].kind == tokLit && p[pi].r == r[si]:
			pi++
			si++
		case pi < len(p) && p[pi].kind == tokStar:
			star, mark = pi, si
			pi++
		case star >= 0:
			pi = star + 1
			mark++
			si = mark
		default:
			return false
		}
	}
	for pi < len(p) && p[pi].kind == tokStar {
		pi++
	}
	return pi == len(p)
}

type tokKind int

const (
	tokLit tokKind = iota
	tokStar
	tokOne
)

type token struct {
	kind tokKind
	r    rune
}

func tokens(pattern string) []token {
	var out []token
	rs := []rune(pattern)
	for i := 0; i < len(rs); i++ {
		if rs[i] == '$' && i+3 < len(rs) && rs[i+1] == '{' && rs[i+3] == '}' && strings.ContainsRune("*?$", rs[i+2]) {
			out = append(out, token{tokLit, rs[i+2]})
			i += 3
			continue
		}
		switch rs[i] {
		case '*':
			out = append(out, token{kind: tokStar})
		case '?':
			out = append(out, token{kind: tokOne})
		default:
			out = append(out, token{tokLit, rs[i]})
		}
	}
	return out
}
