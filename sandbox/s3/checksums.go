package s3

import (
	"fmt"
	"strings"

	"github.com/s3crypt/s3crypt/sandbox/sigv4"
)

// fullObjectAlgorithms are the algorithms whose part checksums S3 can
// linearise into a checksum of the whole object, so only they may be
// uploaded with x-amz-checksum-type FULL_OBJECT. SHA1, SHA256 and the 2026
// algorithms (MD5, SHA512, XXHASH3, XXHASH64, XXHASH128) are COMPOSITE only:
// the object's checksum is the checksum of the part checksums, "-N".
var fullObjectAlgorithms = map[string]bool{sigv4.CRC32: true, sigv4.CRC32C: true, sigv4.CRC64NVME: true}

// checkUploadChecksum applies CreateMultipartUpload's rules for
// x-amz-checksum-algorithm (alg, upper case) and x-amz-checksum-type (typ).
// The texts are S3's as recorded against AWS by floci-io/floci#3093
// (2026-09); the list of valid types in the unsupported-algorithm text is
// the 2025 one with the 2026 algorithms appended (UNVERIFIED order).
func checkUploadChecksum(alg, typ string) error {
	if alg != "" {
		if _, err := sigv4.NewChecksum(alg); err != nil {
			return argErr("InvalidRequest", "Checksum algorithm provided is unsupported. Please try again with any of the valid types: ["+
				strings.Join([]string{"CRC32", "CRC32C", "CRC64NVME", "SHA1", "SHA256", "SHA512", "MD5", "XXHASH3", "XXHASH64", "XXHASH128"}, ", ")+"]",
				"x-amz-checksum-algorithm", alg)
		}
	}
	switch strings.ToUpper(typ) {
	case "":
		return nil
	case "COMPOSITE", "FULL_OBJECT":
	default:
		return newErr(400, "InvalidRequest", "Value for x-amz-checksum-type header is invalid.")
	}
	if alg == "" {
		return newErr(400, "InvalidRequest", "The x-amz-checksum-type header can only be used with the x-amz-checksum-algorithm header.")
	}
	if strings.EqualFold(typ, "FULL_OBJECT") && !fullObjectAlgorithms[alg] {
		return newErr(400, "InvalidRequest", fmt.Sprintf("The FULL_OBJECT checksum type cannot be used with the %s checksum algorithm.", strings.ToLower(alg)))
	}
	return nil
}
