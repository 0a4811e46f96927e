package actions

import "github.com/s3crypt/s3crypt/keyflow"

// drawnSteps are the steps S3 takes on your behalf in a mode, for
// backends that cannot show them (real AWS, other endpoints). They are
// marked not observed: s3crypt did not see them happen.
func drawnSteps(mode string, bucketKey, upload bool) []Step {
	s3 := func(op keyflow.Op, title, detail string) Step {
		return Step{Actor: S3, Op: op, Title: title, Detail: detail}
	}
	kms := func(op keyflow.Op, detail string) Step {
		return Step{Actor: KMS, To: S3, Op: op, Title: string(op), Detail: detail}
	}
	switch mode {
	case SSEDefault, SSES3:
		if mode == SSEDefault {
			return []Step{s3(keyflow.OpDataKeyGenerated, "bucket default", "S3 applies the bucket's default encryption (SSE-S3 unless the bucket says otherwise)")}
		}
		if upload {
			return []Step{
				s3(keyflow.OpDataKeyGenerated, "data key", "S3 generates a data key; no KMS call"),
				s3(keyflow.OpEncryptData, "AES-256-GCM", "S3 encrypts the object with it"),
				s3(keyflow.OpDataKeyWrapped, "wrap", "S3 wraps the data key under an AWS owned key you never see"),
				s3(keyflow.OpStored, "stored", "S3 stores ciphertext + wrapped data key"),
			}
		}
		return []Step{s3(keyflow.OpDataKeyUnwrapped, "unwrap", "S3 unwraps the data key with its own key"),
			s3(keyflow.OpDecryptData, "decrypt", "S3 decrypts and streams the plaintext over TLS")}
	case SSEKMS, DSSEKMS:
		if upload && bucketKey {
			return []Step{
				kms(keyflow.OpGenerateDataKey, "only when S3 has no bucket key cached: KMS returns a bucket key for context aws:s3:arn = the bucket ARN"),
				s3(keyflow.OpDataKeyGenerated, "data key", "S3 derives a data key from the bucket key; no KMS call"),
				s3(keyflow.OpEncryptData, "AES-256-GCM", "S3 encrypts the object"),
				s3(keyflow.OpDataKeyWiped, "wipe", "S3 wipes the plaintext data key"),
				s3(keyflow.OpStored, "stored", "S3 stores ciphertext + data key wrapped by the bucket key + the bucket key wrapped by KMS"),
			}
		}
		if upload {
			steps := []Step{kms(keyflow.OpGenerateDataKey, "KMS returns a data key twice: plaintext, and encrypted under the KMS key (context aws:s3:arn = the object ARN)")}
			if mode == DSSEKMS {
				steps = append(steps, kms(keyflow.OpGenerateDataKey, "DSSE-KMS: a second, independent data key for the second layer"))
			}
			return append(steps,
				s3(keyflow.OpEncryptData, "AES-256-GCM", "S3 encrypts the object with the plaintext data key"),
				s3(keyflow.OpDataKeyWiped, "wipe", "S3 wipes the plaintext data key"),
				s3(keyflow.OpStored, "stored", "S3 stores ciphertext + encrypted data key + key ARN"))
		}
		return []Step{kms(keyflow.OpDecrypt, "S3 sends the encrypted data key (or bucket key) to KMS with the same context; KMS returns it in plaintext"),
			s3(keyflow.OpDecryptData, "decrypt", "S3 decrypts and streams the plaintext over TLS"),
			s3(keyflow.OpDataKeyWiped, "wipe", "S3 wipes the plaintext data key")}
	case "SSE-C":
		steps := []Step{s3(keyflow.OpSSECKeyChecked, "check key", "S3 checks the key's MD5, then compares it with its salted HMAC")}
		if upload {
			steps = append(steps, s3(keyflow.OpEncryptData, "AES-256-GCM", "S3 encrypts with your key"))
		} else {
			steps = append(steps, s3(keyflow.OpDecryptData, "decrypt", "S3 decrypts with your key"))
		}
		return append(steps, s3(keyflow.OpSSECKeyForgotten, "forget", "S3 removes your key from memory; it keeps only a salted HMAC"))
	}
	return nil
}
