package e2e

import (
	"bytes"
	"context"
	"crypto/md5"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	mrand "math/rand/v2"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/s3crypt/s3crypt/internal/testtool"
)

const (
	crashBucket  = "crash"
	crashRounds  = 3
	crashWorkers = 8
	maxObject    = 3 << 20
	minPart      = 5 << 20 // S3's smallest non-final part
)

// Encryption modes an object key is written with (fixed per key, so a
// reader knows which headers to send whatever attempt landed).
const (
	modeNone = iota
	modeSSES3
	modeKMSManaged
	modeKMSKey
	modeKMSBucketKey
	modeDSSE
	modeSSEC
	modeCount
)

// attempt is one upload of a key: what was sent and whether S3 said 200.
type attempt struct {
	sum   [32]byte
	size  int
	acked bool
}

// entry is every attempt ever made on one key, in order.
type entry struct {
	mode     int
	attempts []attempt
}

// ledger records uploads so what survives a crash can be judged.
type ledger struct {
	mu   sync.Mutex
	keys map[string]*entry
}

// begin records an attempt before it is sent and returns its index.
func (l *ledger) begin(key string, mode int, data []byte) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	e := l.keys[key]
	if e == nil {
		e = &entry{mode: mode}
		l.keys[key] = e
	}
	e.attempts = append(e.attempts, attempt{sum: sha256.Sum256(data), size: len(data)})
	return len(e.attempts) - 1
}

func (l *ledger) ack(key string, i int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.keys[key].attempts[i].acked = true
}

// crashEnv is the state shared by every round.
type crashEnv struct {
	t      *testing.T
	bin    string
	dir    string
	kmsKey string
	ssecK  string // base64 SSE-C key
	ssecM  string // base64 MD5 of the raw key
	ledger ledger
}

// TestCrashMidUpload SIGKILLs `serve` at a random moment while 8 clients
// upload objects (single PUT and multipart, every SSE mode), restarts it on
// the same directory and checks: every listed object reads back whole with
// the hash of one of its uploads (no older than the last acknowledged
// one), every acknowledged upload is there, the tmp area is empty, and no
// blob file is left that no object refers to.
func TestCrashMidUpload(t *testing.T) {
	raw := make([]byte, 32)
	_, _ = rand.Read(raw)
	sum := md5.Sum(raw)
	e := &crashEnv{t: t, bin: testtool.BuildBinary(t), dir: t.TempDir(), ledger: ledger{keys: map[string]*entry{}},
		ssecK: base64.StdEncoding.EncodeToString(raw), ssecM: base64.StdEncoding.EncodeToString(sum[:])}
	for round := range crashRounds {
		srv := testtool.StartServe(t, e.bin, e.dir)
		s3c, kmsc, err := srv.Clients()
		if err != nil {
			t.Fatal(err)
		}
		if round == 0 {
			e.setup(s3c, kmsc)
		} else {
			e.verify(srv, s3c, round)
		}
		e.uploadAndKill(srv, s3c, round)
	}
	srv := testtool.StartServe(t, e.bin, e.dir)
	s3c, _, err := srv.Clients()
	if err != nil {
		t.Fatal(err)
	}
	e.verify(srv, s3c, crashRounds)
}

func crashCtx() (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), 30*time.Second)
}

// setup makes the bucket (SSE-C allowed) and a customer managed key.
func (e *crashEnv) setup(s3c *s3.Client, kmsc *kms.Client) {
	ctx, cancel := crashCtx()
	defer cancel()
	if _, err := s3c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(crashBucket)}); err != nil {
		e.t.Fatalf("create bucket: %v", err)
	}
	_, err := s3c.PutBucketEncryption(ctx, &s3.PutBucketEncryptionInput{Bucket: aws.String(crashBucket),
		ServerSideEncryptionConfiguration: &s3types.ServerSideEncryptionConfiguration{Rules: []s3types.ServerSideEncryptionRule{{
			ApplyServerSideEncryptionByDefault: &s3types.ServerSideEncryptionByDefault{SSEAlgorithm: s3types.ServerSideEncryptionAes256},
			BlockedEncryptionTypes:             &s3types.BlockedEncryptionTypes{EncryptionType: []s3types.EncryptionType{s3types.EncryptionTypeNone}},
		}}}})
	if err != nil {
		e.t.Fatalf("allow SSE-C: %v", err)
	}
	out, err := kmsc.CreateKey(ctx, &kms.CreateKeyInput{})
	if err != nil {
		e.t.Fatalf("create KMS key: %v", err)
	}
	e.kmsKey = aws.ToString(out.KeyMetadata.KeyId)
}

// uploadAndKill runs the workers and SIGKILLs the server mid-flight.
func (e *crashEnv) uploadAndKill(srv *testtool.Serve, s3c *s3.Client, round int) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var killed atomic.Bool
	var acked, failed atomic.Int64
	var wg sync.WaitGroup
	for w := range crashWorkers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			wk := &worker{env: e, s3: s3c, round: round, id: w, rng: mrand.New(mrand.NewPCG(uint64(round), uint64(w)))}
			for n := 0; ctx.Err() == nil; n++ {
				err := wk.uploadOne(ctx, n)
				if err != nil {
					if !killed.Load() {
						e.t.Errorf("round %d worker %d: upload failed before the kill: %v", round, w, err)
					}
					failed.Add(1)
					return
				}
				acked.Add(1)
			}
		}()
	}
	time.Sleep(300*time.Millisecond + mrand.N(1200*time.Millisecond))
	killed.Store(true)
	srv.Kill()
	cancel()
	wg.Wait()
	e.t.Logf("round %d: killed the server after %d acknowledged uploads, %d cut off", round, acked.Load(), failed.Load())
}

// worker uploads objects under its own keys, one at a time.
type worker struct {
	env   *crashEnv
	s3    *s3.Client
	round int
	id    int
	rng   *mrand.Rand
	keys  []string
}

// uploadOne writes a new key, or rewrites one of the worker's earlier keys.
func (w *worker) uploadOne(ctx context.Context, n int) error {
	var key string
	mode := w.rng.IntN(modeCount)
	if len(w.keys) > 0 && w.rng.IntN(4) == 0 {
		key = w.keys[w.rng.IntN(len(w.keys))]
		w.env.ledger.mu.Lock()
		mode = w.env.ledger.keys[key].mode
		w.env.ledger.mu.Unlock()
	} else {
		key = fmt.Sprintf("r%d/w%d/%03d", w.round, w.id, n)
		w.keys = append(w.keys, key)
	}
	size := w.rng.IntN(maxObject + 1)
	if w.rng.IntN(5) == 0 {
		size = w.rng.IntN(64<<10 + 2)
	}
	multipart := w.rng.IntN(4) == 0
	if multipart && w.rng.IntN(3) == 0 {
		size = minPart + w.rng.IntN(1<<20)
	}
	data := make([]byte, size)
	fillRandom(w.rng, data)
	i := w.env.ledger.begin(key, mode, data)
	var err error
	if multipart {
		err = w.putMultipart(ctx, key, mode, data)
	} else {
		err = w.put(ctx, key, mode, data)
	}
	if err == nil {
		w.env.ledger.ack(key, i)
	}
	return err
}

func fillRandom(rng *mrand.Rand, b []byte) {
	for i := 0; i+8 <= len(b); i += 8 {
		v := rng.Uint64()
		for j := range 8 {
			b[i+j] = byte(v >> (8 * j))
		}
	}
	for i := len(b) &^ 7; i < len(b); i++ {
		b[i] = byte(rng.Uint32())
	}
}

// sse returns the write headers of a mode as the SDK's fields.
func (e *crashEnv) sse(mode int) (alg s3types.ServerSideEncryption, keyID *string, bucketKey *bool, ssec bool) {
	switch mode {
	case modeSSES3:
		return s3types.ServerSideEncryptionAes256, nil, nil, false
	case modeKMSManaged:
		return s3types.ServerSideEncryptionAwsKms, nil, nil, false
	case modeKMSKey:
		return s3types.ServerSideEncryptionAwsKms, aws.String(e.kmsKey), nil, false
	case modeKMSBucketKey:
		return s3types.ServerSideEncryptionAwsKms, aws.String(e.kmsKey), aws.Bool(true), false
	case modeDSSE:
		return s3types.ServerSideEncryptionAwsKmsDsse, aws.String(e.kmsKey), nil, false
	case modeSSEC:
		return "", nil, nil, true
	}
	return "", nil, nil, false
}

// ssecHeaders returns the SSE-C trio, or nils.
func (e *crashEnv) ssecHeaders(on bool) (alg, key, md5 *string) {
	if !on {
		return nil, nil, nil
	}
	return aws.String("AES256"), aws.String(e.ssecK), aws.String(e.ssecM)
}

func (w *worker) put(ctx context.Context, key string, mode int, data []byte) error {
	alg, kmsID, bk, ssec := w.env.sse(mode)
	in := &s3.PutObjectInput{Bucket: aws.String(crashBucket), Key: aws.String(key), Body: bytes.NewReader(data),
		ContentLength: aws.Int64(int64(len(data))), ServerSideEncryption: alg, SSEKMSKeyId: kmsID, BucketKeyEnabled: bk}
	in.SSECustomerAlgorithm, in.SSECustomerKey, in.SSECustomerKeyMD5 = w.env.ssecHeaders(ssec)
	_, err := w.s3.PutObject(ctx, in)
	return err
}

func (w *worker) putMultipart(ctx context.Context, key string, mode int, data []byte) error {
	alg, kmsID, bk, ssec := w.env.sse(mode)
	ca, ck, cm := w.env.ssecHeaders(ssec)
	up, err := w.s3.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: aws.String(crashBucket), Key: aws.String(key),
		ServerSideEncryption: alg, SSEKMSKeyId: kmsID, BucketKeyEnabled: bk, SSECustomerAlgorithm: ca, SSECustomerKey: ck, SSECustomerKeyMD5: cm})
	if err != nil {
		return err
	}
	var parts []s3types.CompletedPart
	for n, off := int32(1), 0; off < len(data) || n == 1; n++ {
		end := min(off+minPart, len(data))
		out, err := w.s3.UploadPart(ctx, &s3.UploadPartInput{Bucket: aws.String(crashBucket), Key: aws.String(key), UploadId: up.UploadId,
			PartNumber: aws.Int32(n), Body: bytes.NewReader(data[off:end]), ContentLength: aws.Int64(int64(end - off)),
			SSECustomerAlgorithm: ca, SSECustomerKey: ck, SSECustomerKeyMD5: cm})
		if err != nil {
			return err
		}
		parts = append(parts, s3types.CompletedPart{PartNumber: aws.Int32(n), ETag: out.ETag, ChecksumCRC32: out.ChecksumCRC32})
		off = end
	}
	_, err = w.s3.CompleteMultipartUpload(ctx, &s3.CompleteMultipartUploadInput{Bucket: aws.String(crashBucket), Key: aws.String(key),
		UploadId: up.UploadId, MultipartUpload: &s3types.CompletedMultipartUpload{Parts: parts},
		SSECustomerAlgorithm: ca, SSECustomerKey: ck, SSECustomerKeyMD5: cm})
	return err
}

// tmpEntries lists what is left in the store's tmp area.
func (e *crashEnv) tmpEntries() []string {
	entries, err := os.ReadDir(filepath.Join(e.dir, "data", "tmp"))
	if err != nil {
		e.t.Fatalf("read the tmp area: %v", err)
	}
	var names []string
	for _, x := range entries {
		names = append(names, x.Name())
	}
	return names
}
