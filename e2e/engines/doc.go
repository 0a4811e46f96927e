// Package engines runs s3crypt against real S3-compatible engines that are
// not AWS, on loopback: SeaweedFS (`weed mini`, built from the Go module
// proxy by build-weed.sh and cached by version) with TLS from a CA the
// test makes, an S3 identity, an SSE-S3 key and a KMS (its own local one,
// or `s3crypt serve` through its AWS KMS provider). The tests drive the
// built s3crypt binary: the CLI verbs in every mode the engine has,
// `endpoint check` compared with the engine's expected table, and the
// terminal UI in a virtual terminal. Without a weed binary they skip (fail
// under S3CRYPT_REQUIRE_TOOLS=1). The package has no code outside its tests.
package engines
