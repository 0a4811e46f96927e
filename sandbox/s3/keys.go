package s3

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"maps"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/s3crypt/s3crypt/keyflow"
	"github.com/s3crypt/s3crypt/sandbox/store"
)

// dataKeys are the plaintext data keys of one object, one per layer. They
// exist only in memory, for one request, and are wiped when it ends.
type dataKeys [][]byte

func (d dataKeys) wipe() {
	for _, k := range d {
		clear(k)
	}
}

// writeKeys resolves a new object's encryption from the request headers
// and the bucket default, and makes its data keys: the start shared by
// PutObject, POST and CreateMultipartUpload. A refusal is published as
// rejected. On success the caller wipes choice.ssec and keys.
func (s *Server) writeKeys(q *request, b store.Bucket) (writeChoice, store.Encryption, dataKeys, error) {
	choice, err := resolveWrite(q, b, q.r.Header)
	if err != nil {
		s.rejected(q, err)
		return writeChoice{}, store.Encryption{}, nil, err
	}
	enc, keys, err := s.newDataKeys(q, q.bucket, q.key, choice)
	if err != nil {
		choice.ssec.wipe()
		s.rejected(q, err)
		return writeChoice{}, store.Encryption{}, nil, err
	}
	return choice, enc, keys, nil
}

// newDataKeys makes the data key(s) for a new object under choice c and
// returns them with the encryption record that stores them wrapped.
func (s *Server) newDataKeys(q *request, bucket, key string, c writeChoice) (store.Encryption, dataKeys, error) {
	enc := store.Encryption{Mode: c.mode, UserContext: c.userCtx}
	switch c.mode {
	case ModeSSEC:
		dk := randomKey()
		wrapped, err := seal(c.ssec.key, dk, []byte("s3crypt sse-c data key"))
		if err != nil {
			return enc, nil, err
		}
		salt := randomKey()[:16]
		enc.SSECKeyMD5, enc.SSECSalt, enc.SSECHMAC = c.ssec.md5, salt, ssecHMAC(c.ssec.key, salt)
		enc.Layers = []store.KeyLayer{{Wrapping: store.WrappedBySSECKey, WrappedKey: wrapped}}
		s.publish(q, keyflow.Event{Op: keyflow.OpSSECKeyChecked, Mode: ModeSSEC,
			Detail: "S3 checked the customer key against its MD5 " + c.ssec.md5 + " and keeps only a salted HMAC of it"})
		s.publish(q, keyflow.Event{Op: keyflow.OpDataKeyGenerated, Mode: ModeSSEC,
			Detail: "S3 generated a 256-bit data key and wrapped it under the customer key"})
		return enc, dataKeys{dk}, nil
	case ModeSSES3:
		dk := randomKey()
		wrapped, err := seal(s.opt.OwnedKey, dk, []byte("s3crypt sse-s3 data key"))
		if err != nil {
			return enc, nil, err
		}
		enc.Layers = []store.KeyLayer{{Wrapping: store.WrappedByOwnedKey, WrappedKey: wrapped}}
		s.publish(q, keyflow.Event{Op: keyflow.OpDataKeyGenerated, Mode: ModeSSES3,
			Detail: "S3 generated a 256-bit data key; no KMS call"})
		s.publish(q, keyflow.Event{Op: keyflow.OpDataKeyWrapped, Mode: ModeSSES3,
			Detail: "S3 wrapped the data key under its own root key (an AWS owned key, never shown by KMS)"})
		return enc, dataKeys{dk}, nil
	}
	meta, err := s.opt.KMS.ResolveForS3(s.kmsCall(q), c.kmsKey)
	if err != nil {
		return enc, nil, err
	}
	enc.KMSKeyARN = meta.Arn
	if c.bucketKey {
		return s.newBucketKeyedDataKey(q, bucket, enc, c)
	}
	layers := 1
	if c.mode == ModeDSSEKMS {
		layers = 2
	}
	ctx := kmsContext(s.objectARN(bucket, key), c.userCtx)
	var keys dataKeys
	for i := 1; i <= layers; i++ {
		pt, blob, arn, err := s.opt.KMS.GenerateDataKey(s.kmsCall(q), meta.Arn, "AES_256", 0, ctx)
		if err != nil {
			keys.wipe()
			return enc, nil, err
		}
		keys = append(keys, pt)
		enc.Layers = append(enc.Layers, store.KeyLayer{Wrapping: store.WrappedByKMS, WrappedKey: blob, KMSKeyARN: arn, Context: ctx})
	}
	return enc, keys, nil
}

// kmsContext is the encryption context S3 sends to KMS: the caller's pairs
// plus aws:s3:arn (the object ARN, or the bucket ARN with a bucket key).
func kmsContext(arn string, user map[string]string) map[string]string {
	ctx := maps.Clone(user)
	if ctx == nil {
		ctx = map[string]string{}
	}
	ctx["aws:s3:arn"] = arn
	return ctx
}

// newBucketKeyedDataKey makes an SSE-KMS data key protected by a bucket
// key.
func (s *Server) newBucketKeyedDataKey(q *request, bucket string, enc store.Encryption, c writeChoice) (store.Encryption, dataKeys, error) {
	dk := randomKey()
	enc, err := s.wrapUnderBucketKey(q, bucket, enc, c.userCtx, dk)
	if err != nil {
		clear(dk)
		return enc, nil, err
	}
	s.publish(q, keyflow.Event{Op: keyflow.OpDataKeyGenerated, Mode: ModeSSEKMS, KeyARN: enc.KMSKeyARN,
		Detail: "S3 derived a fresh data key inside S3 and wrapped it under the bucket key"})
	return enc, dataKeys{dk}, nil
}

// wrapUnderBucketKey protects dk with the bucket key for (requester, KMS
// key enc.KMSKeyARN, bucket, context). S3 asks KMS for a bucket key only
// when it has none cached; later objects reuse it.
func (s *Server) wrapUnderBucketKey(q *request, bucket string, enc store.Encryption, userCtx map[string]string, dk []byte) (store.Encryption, error) {
	enc.BucketKey = true
	ctx := kmsContext(s.bucketARN(bucket), userCtx)
	id := bucketKeyID{caller: q.caller, keyARN: enc.KMSKeyARN, bucket: bucket, ctx: canonicalContext(ctx)}
	bk, blob, ok := s.bucketKeys.get(id)
	if ok {
		s.publish(q, keyflow.Event{Op: keyflow.OpBucketKeyReused, Mode: ModeSSEKMS, KeyARN: enc.KMSKeyARN, Context: ctx,
			Detail: "S3 reused its cached bucket key: no KMS call"})
	} else {
		pt, b, _, err := s.opt.KMS.GenerateDataKey(s.kmsCall(q), enc.KMSKeyARN, "AES_256", 0, ctx)
		if err != nil {
			return enc, err
		}
		bk, blob = s.bucketKeys.put(id, pt, b)
		clear(pt)
		s.publish(q, keyflow.Event{Op: keyflow.OpBucketKeyCreated, Mode: ModeSSEKMS, KeyARN: enc.KMSKeyARN, Context: ctx,
			Detail: "S3 obtained a bucket key from KMS for context aws:s3:arn=" + s.bucketARN(bucket) + " and will reuse it"})
	}
	defer clear(bk)
	wrapped, err := seal(bk, dk, []byte("s3crypt bucket-key data key"))
	if err != nil {
		return enc, err
	}
	enc.Layers = []store.KeyLayer{{Wrapping: store.WrappedByBucketKey, WrappedKey: wrapped, KMSKeyARN: enc.KMSKeyARN,
		BucketKeyBlob: blob, Context: ctx}}
	return enc, nil
}

// openDataKeys unwraps an object's data keys for reading (or for writing
// more parts of a multipart upload). ck is the request's customer key for
// SSE-C objects, already checked.
func (s *Server) openDataKeys(q *request, enc store.Encryption, ck *customerKey) (dataKeys, error) {
	var keys dataKeys
	for i, l := range enc.Layers {
		k, err := s.unwrapLayer(q, enc, l, i+1, ck)
		if err != nil {
			keys.wipe()
			return nil, err
		}
		keys = append(keys, k)
	}
	return keys, nil
}

func (s *Server) unwrapLayer(q *request, enc store.Encryption, l store.KeyLayer, layer int, ck *customerKey) ([]byte, error) {
	switch l.Wrapping {
	case store.WrappedBySSECKey:
		if ck == nil {
			return nil, errSSECMissing
		}
		dk, err := open(ck.key, l.WrappedKey, []byte("s3crypt sse-c data key"))
		if err != nil {
			return nil, errSSECWrongKey
		}
		s.publish(q, keyflow.Event{Op: keyflow.OpDataKeyUnwrapped, Mode: ModeSSEC, Detail: "S3 unwrapped the data key with the customer key"})
		return dk, nil
	case store.WrappedByOwnedKey:
		dk, err := open(s.opt.OwnedKey, l.WrappedKey, []byte("s3crypt sse-s3 data key"))
		if err != nil {
			return nil, fmt.Errorf("unwrap SSE-S3 data key: %w", err)
		}
		s.publish(q, keyflow.Event{Op: keyflow.OpDataKeyUnwrapped, Mode: ModeSSES3, Detail: "S3 unwrapped the data key with its own root key; no KMS call"})
		return dk, nil
	case store.WrappedByKMS:
		pt, _, err := s.opt.KMS.Decrypt(s.kmsCall(q), l.WrappedKey, l.Context, l.KMSKeyARN, "")
		if err != nil {
			return nil, err
		}
		return pt, nil
	case store.WrappedByBucketKey:
		bk, err := s.openBucketKey(q, l)
		if err != nil {
			return nil, err
		}
		defer clear(bk)
		dk, err := open(bk, l.WrappedKey, []byte("s3crypt bucket-key data key"))
		if err != nil {
			return nil, fmt.Errorf("unwrap data key under bucket key: %w", err)
		}
		s.publish(q, keyflow.Event{Op: keyflow.OpDataKeyUnwrapped, Mode: enc.Mode, KeyARN: l.KMSKeyARN, Detail: "S3 unwrapped the data key with the bucket key"})
		return dk, nil
	}
	return nil, fmt.Errorf("unknown key wrapping %q", l.Wrapping)
}

// openBucketKey returns the plaintext bucket key of layer l, from the
// cache or through one KMS Decrypt. The KMS key's state is checked on every
// read, as AWS does, even when the bucket key is cached.
func (s *Server) openBucketKey(q *request, l store.KeyLayer) ([]byte, error) {
	if bk, ok := s.bucketKeys.getByBlob(q.caller, l.BucketKeyBlob); ok {
		if _, err := s.opt.KMS.ResolveForS3(s.kmsCall(q), l.KMSKeyARN); err != nil {
			clear(bk)
			return nil, err
		}
		s.publish(q, keyflow.Event{Op: keyflow.OpBucketKeyReused, KeyARN: l.KMSKeyARN, Context: l.Context, Detail: "S3 reused its cached bucket key: no KMS call"})
		return bk, nil
	}
	pt, _, err := s.opt.KMS.Decrypt(s.kmsCall(q), l.BucketKeyBlob, l.Context, l.KMSKeyARN, "")
	if err != nil {
		return nil, err
	}
	bk := s.bucketKeys.putBlob(q.caller, l.BucketKeyBlob, pt)
	clear(pt)
	return bk, nil
}

// ssecHMAC is the salted HMAC S3 keeps instead of a customer key.
func ssecHMAC(key, salt []byte) []byte {
	m := hmac.New(sha256.New, salt)
	m.Write([]byte("s3crypt sse-c key check\x00"))
	m.Write(key)
	return m.Sum(nil)
}

// randomKey returns 32 random bytes.
func randomKey() []byte {
	k := make([]byte, 32)
	if _, err := rand.Read(k); err != nil {
		panic(err) // crypto/rand never fails on supported platforms
	}
	return k
}

// seal wraps a small secret with AES-256-GCM: nonce ‖ ciphertext ‖ tag.
func seal(key, plaintext, aad []byte) ([]byte, error) {
	g, err := newGCM(key)
	if err != nil {
		return nil, err
	}
	nonce := make([]byte, g.NonceSize())
	_, _ = rand.Read(nonce)
	return g.Seal(nonce, nonce, plaintext, aad), nil
}

// open reverses seal.
func open(key, sealed, aad []byte) ([]byte, error) {
	g, err := newGCM(key)
	if err != nil {
		return nil, err
	}
	if len(sealed) < g.NonceSize()+g.Overhead() {
		return nil, errors.New("wrapped key too short")
	}
	return g.Open(nil, sealed[:g.NonceSize()], sealed[g.NonceSize():], aad)
}

func newGCM(key []byte) (cipher.AEAD, error) {
	b, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(b)
}

// canonicalContext renders a context map in a stable order.
func canonicalContext(m map[string]string) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for _, k := range keys {
		b.WriteString(k + "\x00" + m[k] + "\x00")
	}
	return b.String()
}

// bucketKeyID names a bucket key as AWS scopes it: per requester, KMS key,
// bucket (and, here, encryption context).
type bucketKeyID struct {
	caller, keyARN, bucket, ctx string
}

type cachedBucketKey struct {
	key     []byte
	blob    []byte
	expires time.Time
}

// bucketKeyCache keeps plaintext bucket keys in memory for a while, as S3
// does, so that objects written or read in that window need no KMS call.
type bucketKeyCache struct {
	mu     sync.Mutex
	ttl    time.Duration
	now    func() time.Time
	byID   map[bucketKeyID]*cachedBucketKey
	byBlob map[string]*cachedBucketKey // caller + blob hash → key, for reads
}

func newBucketKeyCache(ttl time.Duration, now func() time.Time) *bucketKeyCache {
	return &bucketKeyCache{ttl: ttl, now: now, byID: map[bucketKeyID]*cachedBucketKey{}, byBlob: map[string]*cachedBucketKey{}}
}

func blobID(caller string, blob []byte) string {
	sum := sha256.Sum256(blob)
	return caller + "\x00" + hex.EncodeToString(sum[:])
}

// get returns a copy of a live bucket key and its KMS blob.
func (c *bucketKeyCache) get(id bucketKeyID) (key, blob []byte, ok bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e := c.byID[id]
	if e == nil || c.now().After(e.expires) {
		return nil, nil, false
	}
	return append([]byte(nil), e.key...), e.blob, true
}

// put caches a new bucket key and returns a copy of it with its blob.
func (c *bucketKeyCache) put(id bucketKeyID, key, blob []byte) ([]byte, []byte) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.expireLocked()
	e := &cachedBucketKey{key: append([]byte(nil), key...), blob: blob, expires: c.now().Add(c.ttl)}
	c.byID[id] = e
	c.byBlob[blobID(id.caller, blob)] = e
	return append([]byte(nil), key...), blob
}

func (c *bucketKeyCache) getByBlob(caller string, blob []byte) ([]byte, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e := c.byBlob[blobID(caller, blob)]
	if e == nil || c.now().After(e.expires) {
		return nil, false
	}
	return append([]byte(nil), e.key...), true
}

func (c *bucketKeyCache) putBlob(caller string, blob, key []byte) []byte {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.expireLocked()
	id := blobID(caller, blob)
	old := c.byBlob[id]
	c.byBlob[id] = &cachedBucketKey{key: append([]byte(nil), key...), blob: blob, expires: c.now().Add(c.ttl)}
	if old != nil && !c.sharedLocked(old) {
		clear(old.key)
	}
	return append([]byte(nil), key...)
}

// expireLocked wipes and drops expired entries. An entry may sit in both
// maps; its key is wiped once it is in neither.
func (c *bucketKeyCache) expireLocked() {
	now := c.now()
	var gone []*cachedBucketKey
	for id, e := range c.byID {
		if now.After(e.expires) {
			delete(c.byID, id)
			gone = append(gone, e)
		}
	}
	for id, e := range c.byBlob {
		if now.After(e.expires) {
			delete(c.byBlob, id)
			gone = append(gone, e)
		}
	}
	for _, e := range gone {
		if !c.sharedLocked(e) {
			clear(e.key)
		}
	}
}

// sharedLocked reports whether e is still held by either map.
func (c *bucketKeyCache) sharedLocked(e *cachedBucketKey) bool {
	for _, x := range c.byID {
		if x == e {
			return true
		}
	}
	for _, x := range c.byBlob {
		if x == e {
			return true
		}
	}
	return false
}
