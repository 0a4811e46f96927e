package s3

import (
	"crypto/md5"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/s3crypt/s3crypt/keyflow"
	"github.com/s3crypt/s3crypt/sandbox/sigv4"
	"github.com/s3crypt/s3crypt/sandbox/store"
)

// maxSinglePut is the largest object a single PUT may carry (5 GiB).
const maxSinglePut = 5 << 30

// storedHeaders are the request headers S3 keeps and returns on reads.
var storedHeaders = []string{"Cache-Control", "Content-Disposition", "Content-Encoding", "Content-Language", "Expires"}

// writtenPart is the outcome of streaming one body into a stored part.
type writtenPart struct {
	part     store.Part
	md5      []byte
	checksum struct{ alg, value string }
}

// writePart seals body under keys into a new blob. The blob is complete
// and synced when this returns without error; it is referenced by nothing
// until the caller commits metadata. When body is the client's verified
// request body (auth non-nil), the MD5 and declared checksum that signature
// verification computed are reused rather than computed again.
func (s *Server) writePart(q *request, body io.Reader, auth *sigv4.Result, keys dataKeys, number int, checksumAlg string) (writtenPart, error) {
	var out writtenPart
	nonce := make([]byte, partNonceSize)
	_, _ = rand.Read(nonce)
	var hashes []io.Writer
	var md5h, ck hash.Hash
	if auth == nil {
		md5h = md5.New()
		hashes = append(hashes, md5h)
	}
	reuse := auth != nil && auth.ChecksumAlgorithm == checksumAlg
	if checksumAlg != "" && !reuse {
		h, err := sigv4.NewChecksum(checksumAlg)
		if err != nil {
			return out, err
		}
		ck = h
		hashes = append(hashes, h)
	}
	counter := &countingReader{r: body}
	if len(hashes) > 0 {
		counter.r = io.TeeReader(body, io.MultiWriter(hashes...))
	}
	sealed, err := sealReader(counter, keys, nonce)
	if err != nil {
		return out, err
	}
	id, n, err := s.opt.Store.WriteBlob(sealed)
	if err != nil {
		var ae *sigv4.Error
		if errors.As(err, &ae) {
			return out, ae
		}
		return out, fmt.Errorf("store part: %w", err)
	}
	if auth != nil {
		out.md5 = auth.MD5()
	} else {
		out.md5 = md5h.Sum(nil)
	}
	out.part = store.Part{Number: number, Blob: id, Size: counter.n, StoredSize: n, Nonce: nonce,
		ETag: `"` + hex.EncodeToString(out.md5) + `"`, Modified: s.opt.Now().UTC()}
	switch {
	case reuse && checksumAlg != "":
		_, out.checksum.value = auth.Checksum()
		out.checksum.alg = checksumAlg
	case ck != nil:
		out.checksum.alg, out.checksum.value = checksumAlg, sigv4.ChecksumValue(ck)
	}
	if out.checksum.alg != "" {
		out.part.Checksums = store.Checksums{checksumAlg: out.checksum.value}
	}
	return out, nil
}

// hideETag replaces a part's plaintext-MD5 ETag for modes other than
// SSE-S3 (as on AWS, their ETags are not an MD5 of the data): derived from
// the part's random stream nonce (and the MD5 when one was computed:
// UploadPartCopy, or a Content-MD5 to check), it reveals nothing about the
// plaintext yet still names this exact part. UploadPart skips the MD5 for
// these modes: it was a third of the server's CPU on a multipart upload.
func hideETag(p *store.Part, mode string, sum []byte) {
	if mode == ModeSSES3 {
		return
	}
	h := md5.New()
	h.Write(sum)
	h.Write(p.Nonce)
	p.ETag = `"` + hex.EncodeToString(h.Sum(nil)) + `"`
}

type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// checksumAlgorithm is the flexible checksum a write declares, if any.
func checksumAlgorithm(q *request) string {
	if alg := q.auth.ChecksumAlgorithm; alg != "" {
		return alg
	}
	return strings.ToUpper(q.r.Header.Get("x-amz-sdk-checksum-algorithm"))
}

func (s *Server) putObject(q *request) error {
	b, err := s.opt.Store.GetBucket(q.bucket)
	if err != nil {
		return err
	}
	if q.auth.DecodedLength > maxSinglePut {
		return errEntityTooLarge
	}
	if err := checkUserMeta(q.r.Header); err != nil {
		return err
	}
	body := io.Reader(&capReader{r: q.auth.Body, left: maxSinglePut})
	choice, enc, keys, err := s.writeKeys(q, b)
	if err != nil {
		return err
	}
	defer choice.ssec.wipe()
	alg := checksumAlgorithm(q)
	storeAlg := alg
	if storeAlg == "" {
		storeAlg = "CRC64NVME" // AWS stores a full-object CRC64NVME when none is sent
	}
	if enc.Mode != ModeSSES3 {
		q.auth.SkipMD5() // the ETag of an encrypted object is not an MD5
	}
	wp, err := s.writePart(q, body, q.auth, keys, 1, storeAlg)
	keys.wipe()
	if err == nil {
		s.publish(q, keyflow.Event{Op: keyflow.OpEncryptData, Mode: enc.Mode, Layer: len(enc.Layers), Bytes: wp.part.Size, KeyARN: enc.KMSKeyARN,
			Detail: fmt.Sprintf("S3 encrypted %d bytes with AES-256-GCM in 64 KiB authenticated packages (%d layer(s))", wp.part.Size, len(enc.Layers))})
	}
	s.publishWipe(q, enc)
	if err != nil {
		return err
	}
	if _, err := s.storeWritten(q, &wp, enc); err != nil {
		return err
	}
	h := q.w.Header()
	if alg != "" {
		h.Set("x-amz-checksum-"+strings.ToLower(alg), wp.checksum.value)
		h.Set("x-amz-checksum-type", "FULL_OBJECT")
	}
	q.w.WriteHeader(http.StatusOK)
	return nil
}

// storeWritten records a single-part object whose body wp wrote (PUT and
// POST), frees the blobs it replaced (or its own, if the record fails),
// publishes it, and sets the response's ETag, version id and encryption
// headers.
func (s *Server) storeWritten(q *request, wp *writtenPart, enc store.Encryption) (store.Object, error) {
	obj := store.Object{Bucket: q.bucket, Key: q.key, Size: wp.part.Size, LastModified: s.opt.Now().UTC(),
		ContentType: q.r.Header.Get("Content-Type"), Headers: requestHeaders(q.r.Header), UserMeta: userMeta(q.r.Header),
		Checksums: wp.part.Checksums, ChecksumType: "FULL_OBJECT", Encryption: enc, Parts: []store.Part{wp.part},
		StorageClass: q.r.Header.Get("x-amz-storage-class"), ETag: objectETag(enc, wp.md5)}
	stored, garbage, err := s.opt.Store.PutObject(obj)
	if err != nil {
		s.opt.Store.RemoveBlobs(wp.part.Blob)
		return store.Object{}, err
	}
	s.opt.Store.RemoveBlobs(garbage...)
	s.publishStored(q, stored)
	h := q.w.Header()
	h.Set("ETag", stored.ETag)
	if stored.VersionID != store.NullVersion {
		h.Set("x-amz-version-id", stored.VersionID)
	}
	setEncryptionHeaders(h, stored.Encryption, true)
	return stored, nil
}

// capReader fails a body (of unknown length) that grows past a limit.
type capReader struct {
	r    io.Reader
	left int64
}

func (c *capReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.left -= int64(n)
	if c.left < 0 {
		return n, errEntityTooLarge
	}
	return n, err
}

// objectETag is an MD5 of the data for SSE-S3 objects; for SSE-KMS,
// DSSE-KMS and SSE-C it is not (as on AWS), so it reveals nothing about the
// plaintext.
func objectETag(enc store.Encryption, sum []byte) string {
	if enc.Mode == ModeSSES3 {
		return `"` + hex.EncodeToString(sum) + `"`
	}
	h := md5.New()
	h.Write(sum)
	h.Write(enc.Layers[0].WrappedKey)
	return `"` + hex.EncodeToString(h.Sum(nil)) + `"`
}

func (s *Server) publishWipe(q *request, enc store.Encryption) {
	s.publish(q, keyflow.Event{Op: keyflow.OpDataKeyWiped, Mode: enc.Mode, KeyARN: enc.KMSKeyARN,
		Detail: "S3 wiped the plaintext data key from memory"})
	if enc.Mode == ModeSSEC {
		s.publish(q, keyflow.Event{Op: keyflow.OpSSECKeyForgotten, Mode: ModeSSEC, Detail: "S3 dropped the customer key from memory"})
	}
}

func (s *Server) publishStored(q *request, o store.Object) {
	what := map[string]string{
		ModeSSES3:   "ciphertext + data key wrapped by the AWS owned key",
		ModeSSEKMS:  "ciphertext + data key wrapped by KMS key " + o.Encryption.KMSKeyARN,
		ModeDSSEKMS: "two-layer ciphertext + two data keys wrapped by KMS key " + o.Encryption.KMSKeyARN,
		ModeSSEC:    "ciphertext + data key wrapped by the customer key + salted HMAC of that key (not the key)",
	}[o.Encryption.Mode]
	if o.Encryption.BucketKey {
		what = "ciphertext + data key wrapped by the bucket key + the bucket key wrapped by KMS key " + o.Encryption.KMSKeyARN
	}
	s.publish(q, keyflow.Event{Op: keyflow.OpStored, Mode: o.Encryption.Mode, VersionID: o.VersionID, KeyARN: o.Encryption.KMSKeyARN,
		Bytes: o.Size, Detail: "S3 stored " + what})
}

// rejected traces a write refused for an encryption reason.
func (s *Server) rejected(q *request, err error) {
	s.publish(q, keyflow.Event{Op: keyflow.OpRequestRejected, Err: toS3Error(err).Code + ": " + toS3Error(err).Message})
}

// requestHeaders are the headers of a write that S3 stores. aws-chunked is
// a transfer framing, not the object's encoding: S3 drops it from
// Content-Encoding.
func requestHeaders(h http.Header) store.Headers {
	out := store.Headers{}
	for _, k := range storedHeaders {
		v := h.Get(k)
		if k == "Content-Encoding" {
			v = withoutAWSChunked(v)
		}
		if v != "" {
			out[k] = v
		}
	}
	return out
}

func withoutAWSChunked(v string) string {
	var keep []string
	for _, t := range strings.Split(v, ",") {
		if t = strings.TrimSpace(t); t != "" && !strings.EqualFold(t, "aws-chunked") {
			keep = append(keep, t)
		}
	}
	return strings.Join(keep, ",")
}

// maxUserMeta is S3's limit on user-defined metadata: "Within the PUT
// request header, the user-defined metadata is limited to 2 KB in size. The
// size of user-defined metadata is measured by taking the sum of the number
// of bytes in the UTF-8 encoding of each key and value." (Amazon S3 User
// Guide, "Working with object metadata"). The key is the name after
// x-amz-meta-.
const maxUserMeta = 2 << 10

var errMetadataTooLarge = newErr(http.StatusBadRequest, "MetadataTooLarge", "Your metadata headers exceed the maximum allowed metadata size.")

// checkUserMeta refuses more user-defined metadata than S3 stores, before
// any byte of the body is read or any key is made.
func checkUserMeta(h http.Header) error {
	n := 0
	for k, v := range userMeta(h) {
		n += len(k) + len(v)
	}
	if n > maxUserMeta {
		return errMetadataTooLarge
	}
	return nil
}

func userMeta(h http.Header) store.Headers {
	out := store.Headers{}
	for k, v := range h {
		if name, ok := strings.CutPrefix(strings.ToLower(k), "x-amz-meta-"); ok && len(v) > 0 {
			out[name] = v[0]
		}
	}
	return out
}

// setObjectHeaders writes the headers GET and HEAD share.
func setObjectHeaders(h http.Header, o store.Object) {
	h.Set("Last-Modified", o.LastModified.UTC().Format(http.TimeFormat))
	h.Set("ETag", o.ETag)
	h.Set("Accept-Ranges", "bytes")
	ct := o.ContentType
	if ct == "" {
		ct = "binary/octet-stream"
	}
	h.Set("Content-Type", ct)
	for k, v := range o.Headers {
		h.Set(k, v)
	}
	for k, v := range o.UserMeta {
		h["x-amz-meta-"+k] = []string{v}
	}
	if o.VersionID != store.NullVersion {
		h.Set("x-amz-version-id", o.VersionID)
	}
	if o.StorageClass != "" && o.StorageClass != "STANDARD" {
		h.Set("x-amz-storage-class", o.StorageClass)
	}
	setEncryptionHeaders(h, o.Encryption, false)
}

// lookupObject finds the object a GET/HEAD/copy names, answering as S3
// does for delete markers. The object's blobs stay on disk until release
// (never nil) is called, whatever happens to the key meanwhile.
func (s *Server) lookupObject(q *request, bucket, key, version string) (o store.Object, release func(), err error) {
	if _, err := s.opt.Store.GetBucket(bucket); err != nil {
		return store.Object{}, func() {}, err
	}
	o, release, err = s.opt.Store.ReadObject(bucket, key, version)
	return o, release, deleteMarkerError(q, o, version, err)
}

// deleteMarkerError answers a lookup that found a delete marker as S3 does.
func deleteMarkerError(q *request, o store.Object, version string, err error) error {
	if o.DeleteMarker {
		q.w.Header().Set("x-amz-delete-marker", "true")
		if o.VersionID != "" && o.VersionID != store.NullVersion {
			q.w.Header().Set("x-amz-version-id", o.VersionID)
		}
		if version != "" {
			return errMethodNotAllowed
		}
		return errNoSuchKey
	}
	return err
}

// checkedReadKey checks a read's SSE-C headers (checkReadKey) against o,
// publishes a refusal as readRejected and a match as OpSSECKeyChecked,
// the same for GET, HEAD and GetObjectAttributes. The caller wipes the key
// (nil unless o is SSE-C).
func (s *Server) checkedReadKey(q *request, o store.Object) (*customerKey, error) {
	ck, err := checkReadKey(q, o.Encryption, plainPrefix)
	if err != nil {
		s.readRejected(q, o, err)
		return nil, err
	}
	if ck != nil {
		s.publish(q, keyflow.Event{Op: keyflow.OpSSECKeyChecked, Mode: ModeSSEC, VersionID: o.VersionID,
			Detail: "S3 checked the customer key: its salted HMAC matches the one stored"})
	}
	return ck, nil
}

func (s *Server) getObject(q *request, head bool) error {
	o, release, err := s.lookupObject(q, q.bucket, q.key, q.q.Get("versionId"))
	defer release()
	if err != nil {
		return err
	}
	ck, err := s.checkedReadKey(q, o)
	if err != nil {
		return err
	}
	defer ck.wipe()
	if err := checkConditions(q.r, o); err != nil {
		return err
	}
	off, n, status, err := readRange(q, o)
	if err != nil {
		return err
	}
	var keys dataKeys
	if !head {
		// Unwrap first: a KMS failure must answer with a clean error.
		if keys, err = s.openDataKeys(q, o.Encryption, ck); err != nil {
			return err
		}
	}
	wipe := sync.OnceFunc(func() { keys.wipe(); s.publishWipe(q, o.Encryption) })
	if !head {
		defer wipe()
	}
	h := q.w.Header()
	setObjectHeaders(h, o)
	h.Set("Content-Length", strconv.FormatInt(n, 10))
	if status == http.StatusPartialContent {
		h.Set("Content-Range", fmt.Sprintf("bytes %d-%d/%d", off, off+n-1, o.Size))
	}
	if strings.EqualFold(q.r.Header.Get("x-amz-checksum-mode"), "ENABLED") && status == http.StatusOK {
		for alg, v := range o.Checksums {
			h.Set("x-amz-checksum-"+strings.ToLower(alg), v)
		}
		if o.ChecksumType != "" {
			h.Set("x-amz-checksum-type", o.ChecksumType)
		}
	}
	q.w.WriteHeader(status)
	if head {
		return nil
	}
	// The body's last byte waits until S3's last steps are on the trace:
	// a client settles its trace when the body ends, and must find them.
	tail := &holdLastByte{w: q.w, left: n}
	if err := s.streamObject(tail, o, keys, off, n); err != nil {
		// Headers are gone; the only honest signal left is a broken
		// connection, so the client sees a short body, never bad bytes.
		s.publish(q, keyflow.Event{Op: keyflow.OpRequestRejected, Err: "read failed: " + err.Error()})
		panic(http.ErrAbortHandler)
	}
	s.publish(q, keyflow.Event{Op: keyflow.OpDecryptData, Mode: o.Encryption.Mode, Bytes: n, VersionID: o.VersionID,
		KeyARN: o.Encryption.KMSKeyARN, Detail: fmt.Sprintf("S3 decrypted %d bytes and streamed the plaintext over TLS", n)})
	wipe()
	_ = tail.release() // a client that hung up gets nothing more either way
	return nil
}

// holdLastByte passes the n bytes of a body on to w but the last, which
// release writes: until then the client cannot see the body end.
type holdLastByte struct {
	w    io.Writer
	left int64
	last []byte
}

func (h *holdLastByte) Write(p []byte) (int, error) {
	if int64(len(p)) >= h.left && len(p) > 0 {
		n, err := h.w.Write(p[:len(p)-1])
		if err != nil {
			return n, err
		}
		h.last, h.left = []byte{p[len(p)-1]}, 0
		return len(p), nil
	}
	n, err := h.w.Write(p)
	h.left -= int64(n)
	return n, err
}

// release writes the byte held back.
func (h *holdLastByte) release() error {
	if len(h.last) == 0 {
		return nil
	}
	_, err := h.w.Write(h.last)
	h.last = nil
	return err
}

func (s *Server) readRejected(q *request, o store.Object, err error) {
	s.publish(q, keyflow.Event{Op: keyflow.OpSSECKeyRejected, Mode: o.Encryption.Mode, VersionID: o.VersionID,
		Err: toS3Error(err).Code + ": " + toS3Error(err).Message})
}

// streamObject writes plaintext bytes [off, off+n) of o to w.
func (s *Server) streamObject(w io.Writer, o store.Object, keys dataKeys, off, n int64) error {
	var pos int64
	for _, p := range o.Parts {
		start, end := pos, pos+p.Size
		pos = end
		if end <= off || start >= off+n {
			continue
		}
		from := max(off, start) - start
		to := min(off+n, end) - start
		r, c, err := openPart(s.opt.Store, p, keys, from, to-from)
		if err != nil {
			return err
		}
		_, err = io.CopyBuffer(w, io.LimitReader(r, to-from), copyBuf(w))
		c.Close()
		if err != nil {
			return err
		}
	}
	return nil
}

// copyBuf is a 256 KiB copy buffer: fewer, larger TLS records and
// syscalls than io.Copy's 32 KiB.
func copyBuf(_ io.Writer) []byte { return make([]byte, 256<<10) }

// readRange interprets Range and partNumber for o.
func readRange(q *request, o store.Object) (off, n int64, status int, err error) {
	if pn := q.q.Get("partNumber"); pn != "" {
		if q.r.Header.Get("Range") != "" {
			return 0, 0, 0, newErr(400, "InvalidRequest", "Cannot specify both Range header and partNumber query parameter")
		}
		num, perr := strconv.Atoi(pn)
		if perr != nil || num < 1 {
			return 0, 0, 0, argErr("InvalidArgument", "Part number must be an integer between 1 and 10000, inclusive", "partNumber", pn)
		}
		if o.MultipartCount == 0 {
			if num != 1 {
				return 0, 0, 0, errInvalidPartNumber
			}
			return 0, o.Size, http.StatusOK, nil
		}
		if num > len(o.Parts) {
			return 0, 0, 0, errInvalidPartNumber
		}
		for _, p := range o.Parts[:num-1] {
			off += p.Size
		}
		q.w.Header().Set("x-amz-mp-parts-count", strconv.Itoa(o.MultipartCount))
		return off, o.Parts[num-1].Size, http.StatusPartialContent, nil
	}
	rh := q.r.Header.Get("Range")
	if rh == "" {
		return 0, o.Size, http.StatusOK, nil
	}
	off, n, ok := parseRange(rh, o.Size)
	if !ok {
		return 0, o.Size, http.StatusOK, nil // S3 ignores a malformed Range
	}
	if n <= 0 {
		q.w.Header().Set("Content-Range", fmt.Sprintf("bytes */%d", o.Size))
		return 0, 0, 0, errInvalidRange
	}
	return off, n, http.StatusPartialContent, nil
}

var errInvalidPartNumber = newErr(416, "InvalidPartNumber", "The requested partnumber is not satisfiable")

// parseRange parses one "bytes=a-b", "bytes=a-" or "bytes=-n" range. ok is
// false for syntax S3 ignores; n <= 0 means unsatisfiable.
func parseRange(h string, size int64) (off, n int64, ok bool) {
	spec, found := strings.CutPrefix(h, "bytes=")
	if !found || strings.Contains(spec, ",") {
		return 0, 0, false
	}
	a, b, found := strings.Cut(strings.TrimSpace(spec), "-")
	if !found {
		return 0, 0, false
	}
	if a == "" {
		suffix, err := strconv.ParseInt(b, 10, 64)
		if err != nil || suffix < 0 {
			return 0, 0, false
		}
		if suffix == 0 {
			return 0, 0, true
		}
		suffix = min(suffix, size)
		return size - suffix, suffix, true
	}
	start, err := strconv.ParseInt(a, 10, 64)
	if err != nil || start < 0 {
		return 0, 0, false
	}
	end := size - 1
	if b != "" {
		e, err := strconv.ParseInt(b, 10, 64)
		if err != nil || e < start {
			return 0, 0, false
		}
		end = min(e, size-1)
	}
	if start >= size {
		return 0, 0, true
	}
	return start, end - start + 1, true
}

// checkConditions applies If-Match, If-None-Match, If-Modified-Since and
// If-Unmodified-Since.
func checkConditions(r *http.Request, o store.Object) error {
	if v := r.Header.Get("If-Match"); v != "" && strings.Trim(v, `"`) != strings.Trim(o.ETag, `"`) && v != "*" {
		return errPreconditionFailed
	}
	if v := r.Header.Get("If-None-Match"); v != "" && (strings.Trim(v, `"`) == strings.Trim(o.ETag, `"`) || v == "*") {
		return errNotModified
	}
	if v := r.Header.Get("If-Unmodified-Since"); v != "" {
		if t, err := http.ParseTime(v); err == nil && o.LastModified.Truncate(time.Second).After(t) {
			return errPreconditionFailed
		}
	}
	if v := r.Header.Get("If-Modified-Since"); v != "" && r.Header.Get("If-None-Match") == "" {
		if t, err := http.ParseTime(v); err == nil && !o.LastModified.Truncate(time.Second).After(t) {
			return errNotModified
		}
	}
	return nil
}

var errNotModified = newErr(304, "NotModified", "Not Modified")

func (s *Server) deleteObject(q *request) error {
	if _, err := s.opt.Store.GetBucket(q.bucket); err != nil {
		return err
	}
	deleted, garbage, err := s.opt.Store.DeleteObject(q.bucket, q.key, q.q.Get("versionId"))
	if err != nil && !errors.Is(err, store.ErrNoSuchKey) {
		if errors.Is(err, store.ErrNoSuchVersion) {
			return argErr("InvalidArgument", "Invalid version id specified", "versionId", q.q.Get("versionId"))
		}
		return err
	}
	s.opt.Store.RemoveBlobs(garbage...)
	h := q.w.Header()
	if deleted.DeleteMarker {
		h.Set("x-amz-delete-marker", "true")
	}
	if deleted.VersionID != "" && deleted.VersionID != store.NullVersion {
		h.Set("x-amz-version-id", deleted.VersionID)
	}
	q.w.WriteHeader(http.StatusNoContent)
	return nil
}
