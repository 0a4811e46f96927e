package actions

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"os"

	s3c "github.com/s3crypt/s3crypt/crypto"
)

// Client step ops of the KMS verbs, beside the Op* constants of events.go.
const (
	OpKeyShown  = "KeyShown"  // a plaintext data key was handed out to be printed
	OpFileSaved = "FileSaved" // a ciphertext or plaintext was written to a file (0600)
)

// maxKMSFile bounds what the KMS verbs read from a file: a little over
// KMS's limits (4096 bytes of plaintext, 6144 of ciphertext) still goes to
// KMS, so that its own refusal is what you see; a file much larger is
// refused before anything is sent.
const maxKMSFile = 64 << 10

// checkNoClobber refuses an existing out unless force.
func checkNoClobber(op, out string, force bool) error {
	if force {
		return nil
	}
	if _, err := os.Lstat(out); err == nil {
		return &Error{Op: op, What: out + " already exists; refusing to overwrite it",
			Fix: "Choose another --out, or pass --force to replace it"}
	}
	return nil
}

// readKMSFile reads a file to send to KMS whole, refusing large ones.
func readKMSFile(op, path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, &Error{Op: op, What: "cannot read " + path, Why: unwrapMsg(err), Err: err}
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxKMSFile+1))
	if err != nil {
		return nil, &Error{Op: op, What: "cannot read " + path, Why: unwrapMsg(err), Err: err}
	}
	if len(data) > maxKMSFile {
		clear(data)
		return nil, &Error{Op: op, What: fmt.Sprintf("%s is larger than %d KiB; s3crypt did not send it", path, maxKMSFile>>10),
			Why: "KMS Encrypt takes at most 4096 bytes (and Decrypt a ciphertext of at most 6144): KMS keys never encrypt data in bulk",
			Fix: "Use envelope encryption: " + envelopeHow}
	}
	return data, nil
}

// envelopeHow says how to encrypt data too large for KMS.
const envelopeHow = "s3crypt put FILE s3://BUCKET/KEY --sse aws:kms --kms-key KEY, " +
	"or s3crypt kms generate-data-key --key-id KEY --out data.key and encrypt the file locally with that data key"

func unwrapMsg(err error) string {
	if u := errors.Unwrap(err); u != nil {
		return u.Error()
	}
	return err.Error()
}

// writePrivateFile writes data to path with mode 0600, refusing to
// overwrite unless force (crypto.WritePrivateFile).
func writePrivateFile(path string, data []byte, force bool) error {
	if err := s3c.WritePrivateFile(path, data, force); err != nil {
		if errors.Is(err, s3c.ErrKeyFileExists) {
			return fmt.Errorf("write %s: already exists, refusing to overwrite it", path)
		}
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

// looksBase64 reports whether data is base64 text rather than binary: what
// a file made by `aws kms encrypt --output text --query CiphertextBlob`
// holds.
func looksBase64(data []byte) bool {
	t := bytes.TrimSpace(data)
	if len(t) < 16 {
		return false
	}
	for _, c := range t {
		if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '+' || c == '/' || c == '=' || c == '\n' || c == '\r') {
			return false
		}
	}
	_, err := base64.StdEncoding.DecodeString(string(bytes.Join(bytes.Fields(t), nil)))
	return err == nil
}
