// Package kms is the sandbox region's AWS Key Management Service: customer
// managed keys of every KeySpec/KeyUsage pair KMS offers outside China
// (symmetric AES-256-GCM; RSA, ECC, HMAC, ML-DSA and ML-KEM, whose
// non-encryption usages are refused by Encrypt, Decrypt, GenerateDataKey*,
// ReEncrypt and S3 as KMS refuses them; keyspecs.go), the AWS managed key aws/s3 created on first use, aliases,
// enable/disable, scheduled deletion, rotation, and the cryptographic
// operations S3 and the AWS CLI use (GenerateDataKey, Encrypt, Decrypt,
// ReEncrypt, GetPublicKey, GenerateRandom). It speaks the KMS JSON 1.1 wire
// protocol through ServeJSON and offers the same operations as Go methods for
// the in-process sandbox S3 server. Errors carry KMS's exception names and,
// where AWS's text is known (SSE-SPEC.md §2.3, §5), its messages verbatim;
// guesses are marked UNVERIFIED beside the message.
//
// Why it is written here rather than embedding nsmithuk/local-kms: that
// server pulls in aws-sdk-go v1 and logrus writing to stderr (the TUI must not
// print), and it lacks the AWS managed aws/s3 key semantics (created on first
// use, KeyManager AWS, usable only through S3, not disable-able). The parts
// that are cryptography are the standard library's (crypto/aes, crypto/cipher,
// crypto/rsa); only KMS's behaviour is hand-written.
//
// # Storage
//
// Key metadata lives in the bbolt database handed to New, in top-level
// buckets "kms-keys", "kms-aliases" and "kms-meta". Key material never reaches
// the database in the clear: every material version (32 random bytes for a
// symmetric key, the PKCS #8 DER private key for RSA) is sealed with
// AES-256-GCM under Options.RootKey, with the key id and material id as
// additional data.
//
// # Symmetric ciphertext format
//
// Symmetric ciphertext blobs are self-describing, like AWS's (so Decrypt needs
// no KeyId) but in a format of this sandbox:
//
//	offset  size  field
//	0       1     version, 0x01
//	1       16    KMS key id (the UUID's 16 bytes)
//	17      32    key material id (CurrentKeyMaterialId at encryption time)
//	49      12    AES-GCM nonce
//	61      n+16  AES-256-GCM ciphertext and tag under that material
//
// The additional authenticated data is the label "s3crypt-kms-blob-v1", a
// zero byte, the 49-byte header above (which binds key id and material id) and
// the encryption context canonicalised: pairs sorted by key, each as
// uvarint(len(key)) key uvarint(len(value)) value. A different or missing
// context, another key, or any flipped bit fails with InvalidCiphertextException
// and an empty message, as on AWS. Old material versions are kept, so blobs
// made before RotateKeyOnDemand still decrypt.
//
// RSA ciphertext is raw RSAES-OAEP (SHA-1 or SHA-256, MGF1 with the same
// hash, no label) of the modulus length, exactly as AWS returns it; it names
// no key, so Decrypt needs KeyId and EncryptionAlgorithm.
//
// # Deletion
//
// ScheduleKeyDeletion puts a key in PendingDeletion; when DeletionDate passes
// the key and its aliases are deleted the next time any operation runs (the
// check is lazy), after which the key is reported as not existing.
package kms
