// Package crypto is the pure cryptography of s3crypt's client side: key
// material that can be wiped and never prints itself, SSE-C key handling
// (raw/base64/hex key files, the base64 key and MD5 headers), safe key-file
// writing, and the Amazon S3 Encryption Client (S3EC) object formats V2
// (AES/GCM/NoPadding) and V3 (suite 115, HKDF-SHA512 key commitment).
//
// It imports nothing from AWS. Callers do the KMS calls (GenerateDataKey,
// Decrypt) and the S3 requests; this package turns a plaintext data key,
// a wrapped key and an encryption context into an object body and its
// metadata, and back.
//
// # Why some of this is written by hand
//
// S3EC V2 and V3 bodies are a single AES-GCM message over the whole object.
// Go's crypto/cipher GCM is one-shot (Seal/Open over a byte slice), so using
// it directly would need the whole object in memory, as the official Go S3EC
// does. s3crypt must stream multi-GiB objects in bounded memory, and no
// well-kept library offers a streaming GCM, so this package builds one from
// stdlib parts (gcmstream.go): the keystream is crypto/cipher's AES-CTR
// (hardware AES) started at GCM's counter block inc32(J0) (identical to
// GCM's inc32 for every message length GCM allows), and GHASH is taken
// from crypto/cipher's own GCM (hardware carry-less multiply): a Seal with
// the ciphertext as additional data and no plaintext yields each 64 KiB
// segment's GHASH, and segments are chained by linearity with a few
// constant-time software multiplications in GF(2^128) (ghash.go, the
// carry-less multiply of BearSSL's ghash_ctmul64) per segment. The result
// is checked byte for byte against crypto/cipher's GCM on random sizes up to
// 3 MiB and on the Wycheproof AES-GCM vectors in the tests.
//
// Sealing goes faster still: for whole blocks, a 16-byte GCM nonce is
// derived (N' = (J0 ⊕ L·H)·H^-2, with H^-1 by exponentiation) whose hashed
// counter block continues this message's own counter, so one call of the
// standard library's fused AES-GCM Seal gives a span's ciphertext and its
// GHASH. Opening cannot do that (GCM hashes the ciphertext, and a Seal over
// ciphertext hashes the plaintext it makes): it takes AES-CTR and GHASH in
// two passes.
//
// GCM's keystream is addressed by block and GHASH is linear, so a message
// can also be handled in pieces (Encrypter.Piece, Decrypter.Piece): spans
// starting at block edges, each sealed or opened on its own goroutine with
// its GHASH state from zero, joined in order afterwards by one
// multiplication by H^(blocks) each. Multipart uploads and parallel ranged
// downloads use them, so parts need not be encrypted or decrypted in order
// and each byte is handled once, where it arrives. The legacy keyrings' RFC 3394 unwrap (cse_legacy_keys.go) is
// by hand too: neither the standard library nor golang.org/x/crypto has
// AES key wrap.
//
// Constant time: the claim covers this package's glue code (the GF(2^128)
// multiplications chaining segments, the tag and key-commitment
// comparisons). The bulk AES and GHASH are the standard library's: constant
// time where the CPU has AES and carry-less multiply instructions (AES-NI
// and PCLMULQDQ on amd64, the ARMv8 crypto extensions on arm64), while
// builds without them (purego, or other CPUs) use Go's software fallbacks,
// whose GHASH is table-based.
//
// Streaming decryption necessarily releases plaintext before the tag at the
// end of the object has been checked. [DecryptTo] therefore writes to a
// destination the caller must treat as uncommitted until DecryptTo returns
// nil (for example a temporary file that is removed on error);
// [DecryptToFile] does that for files, with a pending file that has no name
// (Linux O_TMPFILE) until the tag verifies, and [DecryptVerifiedTo] for
// streams such as standard output.
package crypto
