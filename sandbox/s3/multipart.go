package s3

import (
	"crypto/md5"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/s3crypt/s3crypt/keyflow"
	"github.com/s3crypt/s3crypt/sandbox/sigv4"
	"github.com/s3crypt/s3crypt/sandbox/store"
)

var (
	errPartNeedsSSEC  = newErr(400, "InvalidRequest", "The multipart upload initiate requested encryption. Subsequent part requests must include the appropriate encryption parameters.")
	errPartSSECDiffer = newErr(400, "InvalidRequest", "The provided encryption parameters did not match the ones used originally.")
)

func (s *Server) createUpload(q *request) error {
	b, err := s.opt.Store.GetBucket(q.bucket)
	if err != nil {
		return err
	}
	if err := checkUserMeta(q.r.Header); err != nil {
		return err
	}
	choice, enc, keys, err := s.writeKeys(q, b)
	if err != nil {
		return err
	}
	defer choice.ssec.wipe()
	keys.wipe()
	s.publishWipe(q, enc)
	alg := strings.ToUpper(q.r.Header.Get("x-amz-checksum-algorithm"))
	if err := checkUploadChecksum(alg, q.r.Header.Get("x-amz-checksum-type")); err != nil {
		return err
	}
	tmpl := store.Object{Bucket: q.bucket, Key: q.key, ContentType: q.r.Header.Get("Content-Type"), Headers: requestHeaders(q.r.Header),
		UserMeta: userMeta(q.r.Header), Encryption: enc, StorageClass: q.r.Header.Get("x-amz-storage-class")}
	u, err := s.opt.Store.CreateUpload(store.Upload{Bucket: q.bucket, Key: q.key, Initiated: s.opt.Now().UTC(), Template: tmpl,
		ChecksumAlgorithm: alg, ChecksumType: q.r.Header.Get("x-amz-checksum-type"), RequestSSE: requestSSE(q.r.Header)})
	if err != nil {
		return err
	}
	h := q.w.Header()
	setEncryptionHeaders(h, enc, true)
	if alg != "" {
		h.Set("x-amz-checksum-algorithm", alg)
	}
	writeXML(q.w, http.StatusOK, initiateMultipartUploadResult{NS: s3NS, Bucket: q.bucket, Key: q.key, UploadID: u.ID})
	return nil
}

// partNumber reads and checks the partNumber query parameter.
func partNumber(q *request) (int, error) {
	v := q.q.Get("partNumber")
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > 10000 {
		return 0, argErr("InvalidArgument", "Part number must be an integer between 1 and 10000, inclusive", "partNumber", v)
	}
	return n, nil
}

// uploadKeys checks a part request's SSE-C headers against the upload and
// unwraps the upload's data keys (a KMS Decrypt for SSE-KMS, as on AWS).
func (s *Server) uploadKeys(q *request, u store.Upload) (dataKeys, error) {
	enc := u.Template.Encryption
	ck, err := parseCustomerKey(q.r.Header, plainPrefix, true)
	if err != nil {
		return nil, err
	}
	defer ck.wipe()
	switch {
	case enc.Mode == ModeSSEC && ck == nil, enc.Mode != ModeSSEC && ck != nil:
		return nil, errPartNeedsSSEC
	case ck != nil && (ck.md5 != enc.SSECKeyMD5 || !ssecMatches(enc, ck.key)):
		return nil, errPartSSECDiffer
	}
	if ck != nil && !q.secure() {
		return nil, errSSECNeedsTLS
	}
	return s.openDataKeys(q, enc, ck)
}

// completeSSEC checks the SSE-C headers of a CompleteMultipartUpload. AWS
// requires them when the SSE-C upload was created with a checksum
// algorithm (CompleteMultipartUpload API reference: SSECustomerAlgorithm
// "is required only when the object was created using a checksum
// algorithm", SSECustomerKey "is needed only when the object was created
// using a checksum algorithm"); when sent, they must be the upload's key.
// The missing-key text is the one S3 gives part requests.
func completeSSEC(q *request, u store.Upload) error {
	enc := u.Template.Encryption
	if enc.Mode != ModeSSEC {
		return nil
	}
	ck, err := parseCustomerKey(q.r.Header, plainPrefix, true)
	if err != nil {
		return err
	}
	defer ck.wipe()
	switch {
	case ck == nil && u.ChecksumAlgorithm != "":
		return errPartNeedsSSEC
	case ck == nil:
		return nil
	case ck.md5 != enc.SSECKeyMD5 || !ssecMatches(enc, ck.key):
		return errPartSSECDiffer
	case !q.secure():
		return errSSECNeedsTLS
	}
	return nil
}

func (s *Server) uploadPart(q *request) error {
	num, err := partNumber(q)
	if err != nil {
		return err
	}
	u, err := s.opt.Store.GetUpload(q.bucket, q.key, q.q.Get("uploadId"))
	if err != nil {
		return err
	}
	keys, err := s.uploadKeys(q, u)
	if err != nil {
		s.rejected(q, err)
		return err
	}
	alg := checksumAlgorithm(q)
	if alg == "" {
		alg = u.ChecksumAlgorithm
	}
	if u.Template.Encryption.Mode != ModeSSES3 {
		q.auth.SkipMD5() // hideETag derives these parts' ETags from the nonce alone
	}
	wp, err := s.writePart(q, q.auth.Body, q.auth, keys, num, alg)
	keys.wipe()
	if err != nil {
		s.publishWipe(q, u.Template.Encryption)
		return err
	}
	return s.commitPart(q, u, wp)
}

// commitPart records a written part and answers UploadPart(Copy).
func (s *Server) commitPart(q *request, u store.Upload, wp writtenPart) error {
	hideETag(&wp.part, u.Template.Encryption.Mode, wp.md5)
	garbage, err := s.opt.Store.PutPart(u.Bucket, u.Key, u.ID, wp.part)
	if err != nil {
		s.opt.Store.RemoveBlobs(wp.part.Blob)
		return err
	}
	s.opt.Store.RemoveBlobs(garbage...)
	s.publish(q, keyflow.Event{Op: keyflow.OpEncryptData, Mode: u.Template.Encryption.Mode, Bytes: wp.part.Size,
		KeyARN: u.Template.Encryption.KMSKeyARN, Detail: fmt.Sprintf("S3 encrypted part %d (%d bytes)", wp.part.Number, wp.part.Size)})
	s.publishWipe(q, u.Template.Encryption)
	h := q.w.Header()
	setEncryptionHeaders(h, u.Template.Encryption, false)
	if wp.checksum.alg != "" {
		h.Set("x-amz-checksum-"+strings.ToLower(wp.checksum.alg), wp.checksum.value)
	}
	if q.r.Header.Get("x-amz-copy-source") != "" {
		writeXML(q.w, http.StatusOK, copyPartResult{NS: s3NS, LastModified: xmlTime(wp.part.Modified), ETag: wp.part.ETag})
		return nil
	}
	h.Set("ETag", wp.part.ETag)
	q.w.WriteHeader(http.StatusOK)
	return nil
}

func (s *Server) completeUpload(q *request) error {
	u, err := s.opt.Store.GetUpload(q.bucket, q.key, q.q.Get("uploadId"))
	if err != nil {
		return err
	}
	if err := completeSSEC(q, u); err != nil {
		s.rejected(q, err)
		return err
	}
	var req completeMultipartUpload
	if err := readXML(q, &req); err != nil {
		return err
	}
	if len(req.Parts) == 0 {
		return errMalformedXML
	}
	have, err := s.opt.Store.UploadParts(u.Bucket, u.Key, u.ID)
	if err != nil {
		return err
	}
	obj := u.Template
	md5s := md5.New()
	prev := 0
	for i, rp := range req.Parts {
		if rp.PartNumber <= prev {
			return errInvalidPartOrder
		}
		prev = rp.PartNumber
		p, ok := have[rp.PartNumber]
		if !ok || strings.Trim(rp.ETag, `"`) != strings.Trim(p.ETag, `"`) {
			return errInvalidPart
		}
		if i < len(req.Parts)-1 && p.Size < s.opt.MinPartSize {
			return errEntityTooSmall
		}
		raw, _ := hex.DecodeString(strings.Trim(p.ETag, `"`))
		md5s.Write(raw)
		obj.Parts = append(obj.Parts, p)
		obj.Size += p.Size
	}
	obj.MultipartCount = len(obj.Parts)
	obj.ETag = fmt.Sprintf(`"%s-%d"`, hex.EncodeToString(md5s.Sum(nil)), len(obj.Parts))
	obj.LastModified = s.opt.Now().UTC()
	obj.Checksums, obj.ChecksumType = compositeChecksum(u.ChecksumAlgorithm, obj.Parts)
	stored, garbage, err := s.opt.Store.CompleteUpload(u.Bucket, u.Key, u.ID, obj)
	if err != nil {
		return err
	}
	s.opt.Store.RemoveBlobs(garbage...)
	s.publishStored(q, stored)
	h := q.w.Header()
	setEncryptionHeaders(h, stored.Encryption, false)
	if stored.VersionID != store.NullVersion {
		h.Set("x-amz-version-id", stored.VersionID)
	}
	writeXML(q.w, http.StatusOK, completeMultipartUploadResult{NS: s3NS, Location: "/" + u.Bucket + "/" + u.Key,
		Bucket: u.Bucket, Key: u.Key, ETag: stored.ETag})
	return nil
}

// compositeChecksum is the checksum of the part checksums, "-N", as S3
// computes it for multipart objects uploaded with a checksum algorithm.
func compositeChecksum(alg string, parts []store.Part) (store.Checksums, string) {
	if alg == "" {
		return nil, ""
	}
	h, err := sigv4.NewChecksum(alg)
	if err != nil {
		return nil, ""
	}
	for _, p := range parts {
		v, ok := p.Checksums[alg]
		if !ok {
			return nil, ""
		}
		raw, err := base64.StdEncoding.DecodeString(v)
		if err != nil {
			return nil, ""
		}
		h.Write(raw)
	}
	return store.Checksums{alg: fmt.Sprintf("%s-%d", sigv4.ChecksumValue(h), len(parts))}, "COMPOSITE"
}

func (s *Server) abortUpload(q *request) error {
	garbage, err := s.opt.Store.AbortUpload(q.bucket, q.key, q.q.Get("uploadId"))
	if err != nil {
		return err
	}
	s.opt.Store.RemoveBlobs(garbage...)
	q.w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) listParts(q *request) error {
	u, err := s.opt.Store.GetUpload(q.bucket, q.key, q.q.Get("uploadId"))
	if err != nil {
		return err
	}
	maxParts, err := maxKeysParam(q.q, "max-parts")
	if err != nil {
		return err
	}
	after, _ := strconv.Atoi(q.q.Get("part-number-marker"))
	parts, truncated, err := s.opt.Store.ListParts(u.Bucket, u.Key, u.ID, after, maxParts)
	if err != nil {
		return err
	}
	res := listPartsResult{NS: s3NS, Bucket: u.Bucket, Key: u.Key, UploadID: u.ID, PartNumberMarker: after, MaxParts: maxParts,
		IsTruncated: truncated, StorageClass: "STANDARD", Parts: []partXML{}}
	for _, p := range parts {
		res.Parts = append(res.Parts, partXML{PartNumber: p.Number, LastModified: xmlTime(p.Modified), ETag: p.ETag, Size: p.Size})
		res.NextPartNumberMarker = p.Number
	}
	setEncryptionHeaders(q.w.Header(), u.Template.Encryption, false)
	writeXML(q.w, http.StatusOK, res)
	return nil
}

func (s *Server) listUploads(q *request) error {
	if _, err := s.opt.Store.GetBucket(q.bucket); err != nil {
		return err
	}
	maxUploads, err := maxKeysParam(q.q, "max-uploads")
	if err != nil {
		return err
	}
	ups, truncated, err := s.opt.Store.ListUploads(q.bucket, q.q.Get("prefix"), q.q.Get("key-marker"), q.q.Get("upload-id-marker"), maxUploads)
	if err != nil {
		return err
	}
	res := listMultipartUploadsResult{NS: s3NS, Bucket: q.bucket, KeyMarker: q.q.Get("key-marker"), UploadIDMarker: q.q.Get("upload-id-marker"),
		Prefix: q.q.Get("prefix"), MaxUploads: maxUploads, IsTruncated: truncated}
	for _, u := range ups {
		res.Uploads = append(res.Uploads, uploadXML{Key: u.Key, UploadID: u.ID, Initiated: xmlTime(u.Initiated), StorageClass: "STANDARD"})
		res.NextKeyMarker, res.NextUploadIDMarker = u.Key, u.ID
	}
	writeXML(q.w, http.StatusOK, res)
	return nil
}
