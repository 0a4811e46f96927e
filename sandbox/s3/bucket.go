package s3

import (
	"bytes"
	"encoding/xml"
	"errors"
	"net/http"
	"regexp"
	"slices"
	"strings"

	"github.com/s3crypt/s3crypt/sandbox/store"
)

var bucketNameRE = regexp.MustCompile(`^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$`)

// validBucketName applies S3's general-purpose bucket naming rules.
func validBucketName(name string) bool {
	if !bucketNameRE.MatchString(name) || strings.Contains(name, "..") {
		return false
	}
	if regexp.MustCompile(`^\d+\.\d+\.\d+\.\d+$`).MatchString(name) {
		return false
	}
	return !strings.HasPrefix(name, "xn--") && !strings.HasSuffix(name, "-s3alias")
}

func (s *Server) owner() owner { return owner{ID: s.opt.AccountID, DisplayName: "sandbox"} }

func (s *Server) listBuckets(q *request) error {
	bs, err := s.opt.Store.ListBuckets()
	if err != nil {
		return err
	}
	res := listAllMyBucketsResult{NS: s3NS, Owner: s.owner(), Buckets: []bucketInfo{}}
	for _, b := range bs {
		res.Buckets = append(res.Buckets, bucketInfo{Name: b.Name, CreationDate: xmlTime(b.Created), BucketRegion: b.Region})
	}
	writeXML(q.w, http.StatusOK, res)
	return nil
}

func (s *Server) createBucket(q *request) error {
	if !validBucketName(q.bucket) {
		return errInvalidBucketName
	}
	var cfg createBucketConfiguration
	body, err := q.auth.ReadAll(maxXMLBody)
	if err != nil {
		return err
	}
	if len(bytes.TrimSpace(body)) > 0 {
		if err := xml.Unmarshal(body, &cfg); err != nil {
			return errMalformedXML
		}
	}
	region := s.opt.Region
	if lc := cfg.LocationConstraint; lc != "" && lc != region {
		return &Error{Status: 400, Code: "IllegalLocationConstraintException",
			Message: "The " + lc + " location constraint is incompatible for the region specific endpoint this request was sent to."}
	}
	if lc := cfg.LocationConstraint; lc == "us-east-1" {
		return argErr("InvalidLocationConstraint", "The specified location-constraint is not valid", "LocationConstraint", lc)
	}
	// New general purpose buckets get SSE-S3 and, since April 2026, SSE-C
	// blocked (SSE-SPEC 3.5).
	b := store.Bucket{Name: q.bucket, Region: region, Created: s.opt.Now().UTC(),
		Encryption: store.BucketEncryption{SSEAlgorithm: ModeSSES3, BlockedEncryptionTypes: []string{"SSE-C"}}}
	if err := s.opt.Store.CreateBucket(b); err != nil {
		return err
	}
	q.w.Header().Set("Location", "/"+q.bucket)
	q.w.WriteHeader(http.StatusOK)
	return nil
}

func (s *Server) headBucket(q *request) error {
	b, err := s.opt.Store.GetBucket(q.bucket)
	if err != nil {
		return err
	}
	q.w.Header().Set("x-amz-bucket-region", b.Region)
	q.w.WriteHeader(http.StatusOK)
	return nil
}

func (s *Server) deleteBucket(q *request) error {
	garbage, err := s.opt.Store.DeleteBucket(q.bucket)
	if err != nil {
		return err
	}
	s.opt.Store.RemoveBlobs(garbage...)
	q.w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) getBucketLocation(q *request) error {
	b, err := s.opt.Store.GetBucket(q.bucket)
	if err != nil {
		return err
	}
	lc := b.Region
	if lc == "us-east-1" {
		lc = "" // S3 answers an empty constraint for us-east-1
	}
	writeXML(q.w, http.StatusOK, locationConstraint{NS: s3NS, Value: lc})
	return nil
}

func (s *Server) getBucketEncryption(q *request) error {
	b, err := s.opt.Store.GetBucket(q.bucket)
	if err != nil {
		return err
	}
	e := b.Encryption
	bk := e.BucketKeyEnabled
	rule := encryptionRule{Default: &applyDefault{SSEAlgorithm: e.SSEAlgorithm, KMSMasterKeyID: e.KMSMasterKeyID}, BucketKeyEnabled: &bk}
	if len(e.BlockedEncryptionTypes) > 0 {
		rule.BlockedEncryptionTypes = &blockedTypesXML{EncryptionType: e.BlockedEncryptionTypes}
	}
	writeXML(q.w, http.StatusOK, encryptionConfiguration{NS: s3NS, Rules: []encryptionRule{rule}})
	return nil
}

func (s *Server) putBucketEncryption(q *request) error {
	if _, err := s.opt.Store.GetBucket(q.bucket); err != nil {
		return err
	}
	var cfg encryptionConfiguration
	if err := readXML(q, &cfg); err != nil {
		return err
	}
	if len(cfg.Rules) != 1 || cfg.Rules[0].Default == nil {
		return errMalformedXML
	}
	rule := cfg.Rules[0]
	d := rule.Default
	switch d.SSEAlgorithm {
	case ModeSSES3:
		if d.KMSMasterKeyID != "" {
			return argErr("InvalidArgument", "a KMSMasterKeyID is not applicable if the default sse algorithm is not aws:kms or aws:kms:dsse", "ApplyServerSideEncryptionByDefault", "")
		}
	case ModeSSEKMS, ModeDSSEKMS:
	default:
		return errMalformedXML
	}
	var blocked []string
	if rule.BlockedEncryptionTypes != nil {
		for _, t := range rule.BlockedEncryptionTypes.EncryptionType {
			if t != "SSE-C" && t != "NONE" {
				return errMalformedXML
			}
		}
		blocked = rule.BlockedEncryptionTypes.EncryptionType
		if slices.Contains(blocked, "NONE") {
			blocked = []string{"NONE"}
		}
	}
	// As on AWS for general purpose buckets, the KMS key is not checked
	// here: a wrong key surfaces at the next write (SSE-SPEC 2.3).
	return s.opt.Store.UpdateBucket(q.bucket, func(b *store.Bucket) error {
		enc := store.BucketEncryption{SSEAlgorithm: d.SSEAlgorithm, KMSMasterKeyID: d.KMSMasterKeyID,
			BucketKeyEnabled:       rule.BucketKeyEnabled != nil && *rule.BucketKeyEnabled,
			BlockedEncryptionTypes: b.Encryption.BlockedEncryptionTypes}
		// UNVERIFIED: a rule without BlockedEncryptionTypes keeps the
		// bucket's current SSE-C setting rather than unblocking it.
		if blocked != nil {
			enc.BlockedEncryptionTypes = blocked
		}
		b.Encryption = enc
		return nil
	})
}

func (s *Server) deleteBucketEncryption(q *request) error {
	err := s.opt.Store.UpdateBucket(q.bucket, func(b *store.Bucket) error {
		b.Encryption = store.BucketEncryption{SSEAlgorithm: ModeSSES3, BlockedEncryptionTypes: b.Encryption.BlockedEncryptionTypes}
		return nil
	})
	if err != nil {
		return err
	}
	q.w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) putBucketVersioning(q *request) error {
	var cfg versioningConfiguration
	if err := readXML(q, &cfg); err != nil {
		return err
	}
	if cfg.Status != store.VersioningEnabled && cfg.Status != store.VersioningSuspended {
		return errMalformedXML
	}
	return s.opt.Store.UpdateBucket(q.bucket, func(b *store.Bucket) error {
		b.Versioning = cfg.Status
		return nil
	})
}

func (s *Server) getBucketVersioning(q *request) error {
	b, err := s.opt.Store.GetBucket(q.bucket)
	if err != nil {
		return err
	}
	writeXML(q.w, http.StatusOK, versioningConfiguration{NS: s3NS, Status: b.Versioning})
	return nil
}

func (s *Server) deleteObjects(q *request) error {
	if _, err := s.opt.Store.GetBucket(q.bucket); err != nil {
		return err
	}
	var req deleteRequest
	if err := readXML(q, &req); err != nil {
		return err
	}
	if len(req.Objects) > 1000 {
		return errMalformedXML
	}
	res := deleteResult{NS: s3NS}
	for _, o := range req.Objects {
		deleted, garbage, err := s.opt.Store.DeleteObject(q.bucket, o.Key, o.VersionID)
		if err != nil && !errors.Is(err, store.ErrNoSuchKey) {
			e := toS3Error(err)
			res.Errors = append(res.Errors, deleteErrorXML{Key: o.Key, VersionID: o.VersionID, Code: e.Code, Message: e.Message})
			continue
		}
		s.opt.Store.RemoveBlobs(garbage...)
		if req.Quiet {
			continue
		}
		d := deletedXML{Key: o.Key, VersionID: o.VersionID}
		if deleted.DeleteMarker {
			d.DeleteMarker = true
			d.DeleteMarkerVersionID = deleted.VersionID
		}
		res.Deleted = append(res.Deleted, d)
	}
	writeXML(q.w, http.StatusOK, res)
	return nil
}
