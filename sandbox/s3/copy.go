package s3

import (
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/s3crypt/s3crypt/keyflow"
	"github.com/s3crypt/s3crypt/sandbox/store"
)

// copySource parses x-amz-copy-source: "[/]bucket/key[?versionId=v]",
// URL-encoded.
func copySource(h http.Header) (bucket, key, version string, err error) {
	raw := h.Get("x-amz-copy-source")
	path, query, _ := strings.Cut(raw, "?")
	path, uerr := url.PathUnescape(strings.TrimPrefix(path, "/"))
	bucket, key, ok := strings.Cut(path, "/")
	if uerr != nil || !ok || bucket == "" || key == "" {
		return "", "", "", argErr("InvalidArgument", "Copy Source must mention the source bucket and key: sourcebucket/sourcekey", "x-amz-copy-source", raw)
	}
	if query != "" {
		v, perr := url.ParseQuery(query)
		if perr != nil {
			return "", "", "", argErr("InvalidArgument", "Invalid copy source", "x-amz-copy-source", raw)
		}
		version = v.Get("versionId")
	}
	return bucket, key, version, nil
}

// openSource finds and unlocks a copy source: the object, and its data
// keys. Its blobs stay on disk until release is called; on error there is
// nothing to release (release is a no-op).
func (s *Server) openSource(q *request) (src store.Object, keys dataKeys, release func(), err error) {
	nop := func() {}
	sb, sk, sv, err := copySource(q.r.Header)
	if err != nil {
		return store.Object{}, nil, nop, err
	}
	src, release, err = s.opt.Store.ReadObject(sb, sk, sv)
	if err != nil {
		release()
		if src.DeleteMarker && sv == "" {
			return src, nil, nop, errNoSuchKey
		}
		return src, nil, nop, err
	}
	ck, err := checkReadKey(q, src.Encryption, copySrcPrefix)
	if err != nil {
		release()
		return src, nil, nop, err
	}
	defer ck.wipe()
	keys, err = s.openDataKeys(q, src.Encryption, ck)
	if err != nil {
		release()
		return src, keys, nop, err
	}
	return src, keys, release, nil
}

// copyBytes streams plaintext bytes [off, off+n) of src into a new part
// sealed under dstKeys.
func (s *Server) copyBytes(q *request, src store.Object, srcKeys, dstKeys dataKeys, off, n int64, number int, alg string) (writtenPart, error) {
	pr, pw := io.Pipe()
	done := make(chan struct{})
	go func() {
		defer close(done)
		pw.CloseWithError(s.streamObject(pw, src, srcKeys, off, n))
	}()
	wp, err := s.writePart(q, pr, nil, dstKeys, number, alg)
	pr.Close()
	<-done // the reader is closed, so the copy ends; srcKeys are wiped only after
	return wp, err
}

func (s *Server) copyObject(q *request) error {
	db, err := s.opt.Store.GetBucket(q.bucket)
	if err != nil {
		return err
	}
	src, srcKeys, release, err := s.openSource(q)
	if err != nil {
		return err
	}
	defer release()
	defer srcKeys.wipe()
	choice, err := resolveWrite(q, db, q.r.Header)
	if err != nil {
		s.rejected(q, err)
		return err
	}
	defer choice.ssec.wipe()
	replace := strings.EqualFold(q.r.Header.Get("x-amz-metadata-directive"), "REPLACE")
	if replace {
		if err := checkUserMeta(q.r.Header); err != nil {
			return err
		}
	}
	sb, sk, _, _ := copySource(q.r.Header)
	changesEncryption := q.r.Header.Get(hSSE) != "" || choice.ssec != nil || src.Encryption.Mode == ModeSSEC
	if sb == q.bucket && sk == q.key && !replace && !changesEncryption && q.r.Header.Get("x-amz-storage-class") == "" {
		return newErr(400, "InvalidRequest", "This copy request is illegal because it is trying to copy an object to itself without changing the object's metadata, storage class, website redirect location or encryption attributes.")
	}
	enc, dstKeys, err := s.newDataKeys(q, q.bucket, q.key, choice)
	if err != nil {
		s.rejected(q, err)
		return err
	}
	wp, err := s.copyBytes(q, src, srcKeys, dstKeys, 0, src.Size, 1, "CRC64NVME")
	dstKeys.wipe()
	s.publishWipe(q, enc)
	if err != nil {
		return err
	}
	obj := store.Object{Bucket: q.bucket, Key: q.key, Size: wp.part.Size, LastModified: s.opt.Now().UTC(), Encryption: enc,
		Parts: []store.Part{wp.part}, Checksums: wp.part.Checksums, ChecksumType: "FULL_OBJECT", ETag: objectETag(enc, wp.md5),
		ContentType: src.ContentType, Headers: src.Headers, UserMeta: src.UserMeta, StorageClass: src.StorageClass}
	if replace {
		obj.ContentType, obj.Headers, obj.UserMeta = q.r.Header.Get("Content-Type"), requestHeaders(q.r.Header), userMeta(q.r.Header)
	}
	if sc := q.r.Header.Get("x-amz-storage-class"); sc != "" {
		obj.StorageClass = sc
	}
	stored, garbage, err := s.opt.Store.PutObject(obj)
	if err != nil {
		s.opt.Store.RemoveBlobs(wp.part.Blob)
		return err
	}
	s.opt.Store.RemoveBlobs(garbage...)
	s.publishStored(q, stored)
	h := q.w.Header()
	setEncryptionHeaders(h, stored.Encryption, true)
	if stored.VersionID != store.NullVersion {
		h.Set("x-amz-version-id", stored.VersionID)
	}
	if src.VersionID != store.NullVersion {
		h.Set("x-amz-copy-source-version-id", src.VersionID)
	}
	writeXML(q.w, http.StatusOK, copyObjectResult{NS: s3NS, LastModified: xmlTime(stored.LastModified), ETag: stored.ETag})
	return nil
}

func (s *Server) uploadPartCopy(q *request) error {
	num, err := partNumber(q)
	if err != nil {
		return err
	}
	u, err := s.opt.Store.GetUpload(q.bucket, q.key, q.q.Get("uploadId"))
	if err != nil {
		return err
	}
	src, srcKeys, release, err := s.openSource(q)
	if err != nil {
		return err
	}
	defer release()
	defer srcKeys.wipe()
	off, n := int64(0), src.Size
	if rh := q.r.Header.Get("x-amz-copy-source-range"); rh != "" {
		var ok bool
		off, n, ok = parseRange(rh, src.Size)
		if !ok || n <= 0 || !strings.Contains(rh, "-") || strings.HasPrefix(strings.TrimPrefix(rh, "bytes="), "-") {
			return argErr("InvalidArgument", "The x-amz-copy-source-range value must be of the form bytes=first-last where first and last are the zero-based offsets of the first and last bytes to copy", "x-amz-copy-source-range", rh)
		}
	}
	dstKeys, err := s.uploadKeys(q, u)
	if err != nil {
		return err
	}
	wp, err := s.copyBytes(q, src, srcKeys, dstKeys, off, n, num, u.ChecksumAlgorithm)
	dstKeys.wipe()
	if err != nil {
		s.publishWipe(q, u.Template.Encryption)
		return err
	}
	return s.commitPart(q, u, wp)
}

// updateObjectEncryption re-wraps an object's data key under a new KMS key
// (or adds a bucket key) without rewriting its data, as AWS's
// UpdateObjectEncryption does.
func (s *Server) updateObjectEncryption(q *request) error {
	var body objectEncryptionXML
	if err := readXML(q, &body); err != nil {
		return err
	}
	if body.SSEKMS == nil || body.SSEKMS.KMSKeyArn == "" {
		return errMalformedXML
	}
	version := q.q.Get("versionId")
	o, release, err := s.lookupObject(q, q.bucket, q.key, version)
	defer release()
	if err != nil {
		return err
	}
	if o.Encryption.Mode != ModeSSES3 && o.Encryption.Mode != ModeSSEKMS {
		// UNVERIFIED text: AWS documents only SSE-S3 and SSE-KMS sources.
		return newErr(400, "InvalidRequest", "UpdateObjectEncryption supports only objects encrypted with SSE-S3 or SSE-KMS; this object uses "+o.Encryption.Mode+". Copy it in place to change its encryption.")
	}
	keys, err := s.openDataKeys(q, o.Encryption, nil)
	if err != nil {
		return err
	}
	defer keys.wipe()
	bucketKey := body.SSEKMS.BucketKeyEnabled != nil && *body.SSEKMS.BucketKeyEnabled
	enc, err := s.rewrap(q, o, keys[0], body.SSEKMS.KMSKeyArn, bucketKey)
	if err != nil {
		return err
	}
	_, err = s.opt.Store.UpdateObject(q.bucket, q.key, o.VersionID, func(obj *store.Object) error {
		if obj.Parts[0].Blob != o.Parts[0].Blob {
			return errPreconditionFailed // the object changed underneath
		}
		obj.Encryption = enc
		return nil
	})
	if err != nil {
		return err
	}
	s.publish(q, keyflow.Event{Op: keyflow.OpKeyRewrapped, Mode: ModeSSEKMS, KeyARN: enc.KMSKeyARN, VersionID: o.VersionID,
		Detail: "S3 re-wrapped the object's data key under " + enc.KMSKeyARN + "; the ciphertext was not rewritten"})
	q.w.WriteHeader(http.StatusOK)
	return nil
}

// rewrap protects data key dk under KMS key keyID (with a bucket key if
// asked), keeping the object's data untouched.
func (s *Server) rewrap(q *request, o store.Object, dk []byte, keyID string, bucketKey bool) (store.Encryption, error) {
	meta, err := s.opt.KMS.ResolveForS3(s.kmsCall(q), keyID)
	if err != nil {
		return store.Encryption{}, err
	}
	user := o.Encryption.UserContext
	enc := store.Encryption{Mode: ModeSSEKMS, KMSKeyARN: meta.Arn, UserContext: user}
	if bucketKey {
		return s.wrapUnderBucketKey(q, q.bucket, enc, user, dk)
	}
	ctx := kmsContext(s.objectARN(o.Bucket, o.Key), user)
	blob, arn, err := s.opt.KMS.Encrypt(s.kmsCall(q), meta.Arn, dk, ctx, "")
	if err != nil {
		return enc, err
	}
	enc.Layers = []store.KeyLayer{{Wrapping: store.WrappedByKMS, WrappedKey: blob, KMSKeyARN: arn, Context: ctx}}
	return enc, nil
}
