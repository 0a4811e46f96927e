package actions

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	s3c "github.com/s3crypt/s3crypt/crypto"
)

// probe HEADs the object: a download to a file needs its size and ETag,
// and its user metadata says whether it is client-side encrypted. cse is
// nil for an object without S3 Encryption Client metadata.
func (g *Get) probe(ctx context.Context, env *Env, r *Reporter) (*s3.HeadObjectOutput, *ClientSideResult, error) {
	head, err := env.Backend.S3.HeadObject(ctx, g.headInput(), withJob(r))
	if err != nil {
		if _, _, st := apiError(err); isSSECHeadRefusal(err) || (g.SSEC != nil && st == 403) {
			// A HEAD refused for the customer key (none, or a wrong one)
			// has no error body: ask for the object itself, so S3 refuses
			// the download's GetObject and says why.
			if out, gerr := env.Backend.S3.GetObject(ctx, g.input(), withJob(r)); gerr != nil {
				err = gerr
			} else {
				out.Body.Close()
			}
		}
		return nil, nil, refineHeadError(ctx, env, g.Describe(), g.Bucket, err)
	}
	f := clientSideFormat(head.Metadata)
	if f == 0 {
		return head, nil, nil
	}
	cse := &ClientSideResult{Format: f, CiphertextSize: aws.ToInt64(head.ContentLength)}
	if e, err := s3c.ParseEnvelope(head.Metadata); err == nil {
		cse.Context = e.MatDesc
	}
	return head, cse, nil
}

// runClientSide is Get.Run for a client-side encrypted object: GET the
// ciphertext and its envelope, ask KMS to unwrap the data key, decrypt
// locally into a temporary file renamed into place only once the GCM tag
// verifies, and wipe the key.
func (g *Get) runClientSide(ctx context.Context, env *Env, r *Reporter, head *s3.HeadObjectOutput, start time.Time) (any, error) {
	in := g.input()
	in.IfMatch = head.ETag // the object the HEAD saw, not one written since
	out, err := env.Backend.S3.GetObject(ctx, in, withJob(r))
	if err != nil {
		return nil, g.fail(ctx, err)
	}
	defer out.Body.Close()
	obj := fmt.Sprintf("s3://%s/%s", g.Bucket, g.Key)
	e, err := g.envelope(obj, out.Metadata)
	if err != nil {
		return nil, err
	}
	ctLen := aws.ToInt64(out.ContentLength)
	enc := encryptionOfGet(out)
	if !r.Observing() {
		for _, s := range drawnSteps(modeOf(enc), false) {
			r.Step(s)
		}
	}
	r.Step(Step{Actor: S3, To: You, Op: OpResponse, Title: "ciphertext + envelope", Observed: true, Bytes: ctLen, Context: e.MatDesc,
		Detail: fmt.Sprintf("S3 removed its own %s and streams %d bytes of client-side ciphertext, with the envelope in x-amz-meta-* (%s)",
			enc.Mode(), ctLen, clientSideLabel(e.Format))})
	s3KMS := r.kmsCalls() // S3's, before your own Decrypt
	for _, c := range g.cseCommands(env, e) {
		r.Command(c)
	}
	kmsRequest(r, "Decrypt", fmt.Sprintf("you send KMS the %d-byte encrypted data key with the context stored in the envelope", len(e.WrappedKey)))
	kin := &kms.DecryptInput{CiphertextBlob: e.WrappedKey, EncryptionContext: e.MatDesc}
	if g.KMSKey != "" {
		kin.KeyId = &g.KMSKey
	}
	kout, err := env.Backend.KMS.Decrypt(ctx, kin, withKMSJob(r))
	if err != nil {
		return nil, failed(ctx, g.Describe(), err, keyOrDefault(g.KMSKey, "KEY"), cseKMSRefine(g.KMSKey))
	}
	key := s3c.NewKey(kout.Plaintext)
	clear(kout.Plaintext)
	defer key.Wipe()
	arn := aws.ToString(kout.KeyId)
	kmsResponse(r, "plaintext data key", fmt.Sprintf("KMS unwrapped the data key (%d bytes, kept in memory) under %s", key.Len(), arn), arn)
	var done atomic.Int64
	n, err := g.decrypt(&countingReader{r: out.Body, done: &done, total: ctLen, rep: r}, key, e)
	key.Wipe()
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, cseContentError(g.Describe(), obj, err)
	}
	r.Step(Step{Actor: You, Op: OpLocalDecrypt, Title: fmt.Sprintf("decrypt %d bytes", n), Bytes: n, Observed: true,
		Detail: fmt.Sprintf("you decrypted the body locally and its AES-GCM tag verified%s; only then was %s written",
			map[bool]string{true: " after the key commitment check", false: ""}[e.Format == s3c.FormatV3], g.File)})
	r.Step(Step{Actor: You, Op: OpLocalWipe, Title: "plaintext key wiped", Observed: true, Detail: "you wiped the plaintext data key from memory"})
	res := GetResult{Bucket: g.Bucket, Key: g.Key, File: g.File, VersionID: aws.ToString(out.VersionId), Size: n, Encryption: enc,
		Duration: time.Since(start), KMSCalls: -1,
		ClientSide: &ClientSideResult{Format: e.Format, KMSKeyARN: arn, Context: e.MatDesc, CiphertextSize: ctLen, Decrypted: true}}
	if r.Observing() {
		r.syncTrace(ctx)
		res.KMSCalls = s3KMS
	}
	return res, nil
}

// fail explains a failed request of a client-side download.
func (g *Get) fail(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return ctx.Err()
	}
	return Diagnose(g.Describe(), err, g.hint())
}

// envelope reads and checks the object's S3EC envelope before KMS is asked
// anything: a format s3crypt can decrypt, the KMS keyring, and the context
// (anti-downgrade, and --context when given).
func (g *Get) envelope(obj string, meta map[string]string) (s3c.Envelope, error) {
	noDecrypt := "Download the ciphertext as stored with --no-decrypt"
	e, err := s3c.ParseEnvelope(meta)
	if err != nil {
		why := err.Error()
		if errors.Is(err, s3c.ErrNoEnvelope) {
			why = "part of its envelope is missing: it may be in an instruction file (" + g.Key + ".instruction), which s3crypt does not read"
		}
		return e, &Error{Op: g.Describe(), What: obj + " has S3 Encryption Client metadata s3crypt cannot decrypt", Why: why, Fix: noDecrypt, Err: err}
	}
	if e.WrapAlg != s3c.WrapAlgKMSContext {
		return e, &Error{Op: g.Describe(), What: obj + "'s data key is wrapped with " + e.WrapAlg + ", not a KMS key",
			Why: "s3crypt unwraps data keys with KMS (kms+context) only; raw AES and RSA keyrings keep their key outside KMS", Fix: noDecrypt}
	}
	if err := s3c.CheckContext(e.MatDesc, g.Context, e.Format); err != nil {
		return e, &Error{Op: g.Describe(), What: obj + " was written with another encryption context than --context gives", Why: err.Error(), Err: err,
			Fix: "Pass the context the object was written with (--context K=V, repeatable; s3crypt head shows it), or leave --context out"}
	}
	return e, nil
}

// decrypt writes the plaintext to g.File only once it authenticates; for
// standard output it decrypts into a private temporary file first, so no
// unauthenticated byte is ever released.
func (g *Get) decrypt(body io.Reader, key *s3c.Key, e s3c.Envelope) (int64, error) {
	if g.File != "-" {
		return s3c.DecryptToFile(g.File, body, key, e)
	}
	dir, err := os.MkdirTemp("", "s3crypt-get-")
	if err != nil {
		return 0, fmt.Errorf("decrypt: %w", err)
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "plaintext")
	n, err := s3c.DecryptToFile(path, body, key, e)
	if err != nil {
		return 0, err
	}
	f, err := os.Open(path)
	if err != nil {
		return 0, fmt.Errorf("decrypt: %w", err)
	}
	defer f.Close()
	if _, err := io.CopyBuffer(os.Stdout, f, make([]byte, 1<<20)); err != nil {
		return 0, fmt.Errorf("write standard output: %w", err)
	}
	return n, nil
}
