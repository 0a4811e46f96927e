package modes

import "github.com/s3crypt/s3crypt/keyflow"

// Shorthands for the steps below.
var (
	request  = Step{Actor: keyflow.You, To: keyflow.S3, Op: keyflow.OpRequest, Title: "request"}
	response = Step{Actor: keyflow.S3, To: keyflow.You, Op: keyflow.OpResponse, Title: "response"}
)

func s3step(op keyflow.Op, title, detail string) Step {
	return Step{Actor: keyflow.S3, Op: op, Title: title, Detail: detail}
}

func kmsForS3(op keyflow.Op, detail string) Step {
	return Step{Actor: keyflow.KMS, To: keyflow.S3, Op: op, Title: string(op), Detail: detail}
}

func kmsForYou(op keyflow.Op, detail string) Step {
	return Step{Actor: keyflow.KMS, To: keyflow.You, Op: op, Title: string(op), Detail: detail}
}

func yours(op keyflow.Op, title, detail string) Step {
	return Step{Actor: keyflow.You, Op: op, Title: title, Detail: detail}
}

// Steps several modes share.
var (
	stepEncrypt = s3step(keyflow.OpEncryptData, "AES-256-GCM", "S3 encrypts the object with the plaintext data key")
	stepDecrypt = s3step(keyflow.OpDecryptData, "decrypt", "S3 decrypts and streams the plaintext to you over TLS")
	stepWipe    = s3step(keyflow.OpDataKeyWiped, "wipe", "S3 wipes the plaintext data key from memory")
)

// builtin is the table of S3's modes, in display order.
func builtin() []*Mode {
	return []*Mode{
		{
			ID: SSES3, Name: "SSE-S3", Short: "SSE-S3", API: APIAES256, Key: KeyNone, Offered: true, Tone: ToneS3,
			Headers:  []string{"x-amz-server-side-encryption: AES256"},
			AWSFlags: "--server-side-encryption AES256", CLIFlags: "--sse AES256",
			Upload: []Step{request,
				s3step(keyflow.OpDataKeyGenerated, "data key", "S3 generates a data key itself; no KMS call"),
				s3step(keyflow.OpDataKeyWrapped, "wrap", "S3 wraps the data key under an AWS owned key you never see"),
				s3step(keyflow.OpEncryptData, "AES-256-GCM", "S3 encrypts the object with the data key"),
				stepWipe,
				s3step(keyflow.OpStored, "stored", "S3 stores the ciphertext and the wrapped data key"),
				response},
			Download: []Step{request,
				s3step(keyflow.OpDataKeyUnwrapped, "unwrap", "S3 unwraps the data key with its own key"),
				stepDecrypt, stepWipe, response},
			Chips:       []Chip{ChipS3RootKey, ChipDataKey, ChipWrappedKey, ChipCiphertext, ChipPlaintextOut},
			Explain:     "S3 makes and keeps every key; AES-256-GCM at rest, nothing to manage, nothing to see in KMS",
			Hint:        "SSE-S3: S3 generates the data key and wraps it under an AWS owned key; no KMS calls, no key policy",
			Holder:      "S3: an AWS owned key you never see wraps each data key",
			Protects:    "the disks and the data centre; anyone S3 lets read the object reads plaintext",
			KMSRequests: "none on PUT or GET",
			Cost:        "free: no KMS key, no KMS request",
		},
		{
			ID: SSEKMS, Name: "SSE-KMS", Short: "SSE-KMS", API: APIKMS, Key: KeyKMS, Offered: true, Tone: ToneKMS,
			Headers: []string{"x-amz-server-side-encryption: aws:kms", "x-amz-server-side-encryption-aws-kms-key-id: KEY",
				"x-amz-server-side-encryption-bucket-key-enabled: false"},
			AWSFlags: "--server-side-encryption aws:kms --ssekms-key-id KEY --no-bucket-key-enabled",
			CLIFlags: "--sse aws:kms --kms-key KEY --no-bucket-key",
			Upload: []Step{request,
				kmsForS3(keyflow.OpGenerateDataKey, "S3 asks KMS for a data key under the KMS key, with encryption context aws:s3:arn = the object's ARN; KMS returns it in plaintext and encrypted"),
				stepEncrypt, stepWipe,
				s3step(keyflow.OpStored, "stored", "S3 stores the ciphertext, the encrypted data key and the key ARN"),
				response},
			Download: []Step{request,
				kmsForS3(keyflow.OpDecrypt, "S3 sends the encrypted data key to KMS with the same context; KMS returns it in plaintext"),
				stepDecrypt, stepWipe, response},
			Chips:       []Chip{ChipKMSKey, ChipDataKey, ChipWrappedKey, ChipCiphertext, ChipPlaintextOut},
			Explain:     "S3 asks KMS for a data key per object under a KMS key you control; every use is a logged, billed KMS request",
			Hint:        "SSE-KMS: one KMS GenerateDataKey per upload and one Decrypt per download, each in CloudTrail; readers need kms:Decrypt",
			Holder:      "KMS: your KMS key (or aws/s3) never leaves it; S3 asks it for a data key per object",
			Protects:    "reads by anyone the KMS key policy does not allow, even if S3 lets them; disabling the key locks every object",
			KMSRequests: "1 per upload (GenerateDataKey), 1 per download (Decrypt)",
			Cost:        "$0.03 per 10,000 KMS requests (20,000 a month free); a customer managed key $1/month, aws/s3 free",
		},
		{
			ID: SSEKMSBucketKey, Name: "SSE-KMS + bucket key", Short: "SSE-KMS", API: APIKMS, BucketKey: true, Key: KeyKMS, Offered: true, Tone: ToneKMS,
			Headers: []string{"x-amz-server-side-encryption: aws:kms", "x-amz-server-side-encryption-aws-kms-key-id: KEY",
				"x-amz-server-side-encryption-bucket-key-enabled: true"},
			AWSFlags: "--server-side-encryption aws:kms --ssekms-key-id KEY --bucket-key-enabled",
			CLIFlags: "--sse aws:kms --kms-key KEY --bucket-key",
			Upload: []Step{request,
				kmsForS3(keyflow.OpGenerateDataKey, "only when S3 has no bucket key cached: KMS returns a bucket key for context aws:s3:arn = the bucket's ARN"),
				s3step(keyflow.OpBucketKeyCreated, "bucket key", "S3 caches the bucket key for a while"),
				s3step(keyflow.OpDataKeyGenerated, "data key", "S3 derives a data key from the bucket key; no KMS call"),
				stepEncrypt, stepWipe,
				s3step(keyflow.OpStored, "stored", "S3 stores the ciphertext, the data key wrapped by the bucket key, and the bucket key wrapped by KMS"),
				response},
			Download: []Step{request,
				kmsForS3(keyflow.OpDecrypt, "only when S3 has not cached the bucket key: KMS decrypts the bucket key"),
				s3step(keyflow.OpBucketKeyReused, "bucket key", "S3 uses the cached bucket key; no KMS call"),
				s3step(keyflow.OpDataKeyUnwrapped, "unwrap", "S3 unwraps the object's data key with the bucket key"),
				stepDecrypt, stepWipe, response},
			Chips:       []Chip{ChipKMSKey, ChipBucketKey, ChipDataKey, ChipWrappedKey, ChipCiphertext, ChipPlaintextOut},
			Explain:     "SSE-KMS where S3 gets a bucket-level key from KMS and derives each object's data key from it: far fewer KMS requests",
			Hint:        "SSE-KMS + bucket key: one KMS request per bucket key S3 caches, not per object; CloudTrail shows the bucket ARN as context",
			Holder:      "KMS holds your KMS key; S3 caches a bucket key from it for a while",
			Protects:    "as SSE-KMS: the KMS key policy decides who reads",
			KMSRequests: "1 per bucket key S3 caches (per requester), then none per PUT or GET",
			Cost:        "AWS: bucket keys cut KMS request costs by up to 99%; a customer managed key $1/month",
		},
		{
			ID: DSSEKMS, Name: "DSSE-KMS", Short: "DSSE-KMS", API: APIKMSDSSE, Key: KeyKMS, Offered: true, Tone: ToneDSSE,
			Headers:  []string{"x-amz-server-side-encryption: aws:kms:dsse", "x-amz-server-side-encryption-aws-kms-key-id: KEY"},
			AWSFlags: "--server-side-encryption aws:kms:dsse --ssekms-key-id KEY", CLIFlags: "--sse aws:kms:dsse --kms-key KEY",
			Upload: []Step{request,
				kmsForS3(keyflow.OpGenerateDataKey, "layer 1: S3 asks KMS for a data key (context aws:s3:arn = the object's ARN)"),
				kmsForS3(keyflow.OpGenerateDataKey, "layer 2: a second, independent data key from KMS"),
				s3step(keyflow.OpEncryptData, "two layers", "S3 encrypts the object twice, once with each data key"),
				stepWipe,
				s3step(keyflow.OpStored, "stored", "S3 stores the twice-encrypted data and both encrypted data keys"),
				response},
			Download: []Step{request,
				kmsForS3(keyflow.OpDecrypt, "layer 2: KMS decrypts the second data key"),
				kmsForS3(keyflow.OpDecrypt, "layer 1: KMS decrypts the first data key"),
				s3step(keyflow.OpDecryptData, "two layers", "S3 removes both layers and streams the plaintext to you over TLS"),
				stepWipe, response},
			Chips:       []Chip{ChipKMSKey, ChipDataKey, ChipSecondDataKey, ChipWrappedKey, ChipCiphertext, ChipPlaintextOut},
			Explain:     "dual-layer SSE-KMS: two independent data keys from KMS, two layers of AES-256-GCM (for rules that demand two layers)",
			Hint:        "DSSE-KMS: two KMS GenerateDataKey calls per upload and two Decrypts per download; no bucket keys",
			Holder:      "KMS: two data keys per object under your KMS key (or aws/s3)",
			Protects:    "as SSE-KMS, with a second independent layer for compliance rules (CNSSP 15)",
			KMSRequests: "2 per upload, 2 per download (no bucket keys)",
			Cost:        "twice SSE-KMS's requests at $0.03 per 10,000, plus a DSSE fee per GB encrypted",
		},
		{
			ID: SSEC, Name: "SSE-C", Short: "SSE-C", Key: KeyCustomer, Offered: true, Tone: ToneCustomer,
			Headers: []string{"x-amz-server-side-encryption-customer-algorithm: AES256",
				"x-amz-server-side-encryption-customer-key: base64 of the 32-byte key",
				"x-amz-server-side-encryption-customer-key-MD5: base64 of its MD5"},
			AWSFlags: "--sse-customer-algorithm AES256 --sse-customer-key fileb://FILE",
			CLIFlags: "--sse-c-key FILE (or --sse-c-generate FILE)",
			Upload: []Step{
				yours(keyflow.OpKeyChecked, "key MD5", "you compute the MD5 of your 32-byte key so S3 can check it arrived intact"),
				request,
				s3step(keyflow.OpSSECKeyChecked, "check key", "S3 checks the key's MD5"),
				s3step(keyflow.OpDataKeyGenerated, "data key", "S3 derives the object's encryption from your key"),
				s3step(keyflow.OpEncryptData, "AES-256", "S3 encrypts the object with your key"),
				stepWipe,
				s3step(keyflow.OpSSECKeyForgotten, "forget", "S3 drops your key from memory; on AWS it keeps only a salted HMAC to check the next request's key"),
				s3step(keyflow.OpStored, "stored", "S3 stores the ciphertext, never your key"),
				response},
			Download: []Step{request,
				s3step(keyflow.OpSSECKeyChecked, "check key", "S3 checks the key's MD5 and compares it with what it kept"),
				s3step(keyflow.OpDataKeyUnwrapped, "unwrap", "S3 recovers the object's encryption from your key"),
				stepDecrypt, stepWipe, response},
			Chips:       []Chip{ChipCustomerKey, ChipDataKey, ChipCiphertext, ChipPlaintextOut},
			Explain:     "you send your own 256-bit key with every request; S3 encrypts with it and forgets it",
			Hint:        "SSE-C: keep the key safe, S3 cannot read the object without it; HTTPS only; blocked by default on buckets made since April 2026",
			Holder:      "you: the key travels with every request; S3 forgets it, keeping a salted HMAC",
			Protects:    "reads by anyone without your key, S3 included once it forgot it; lose the key and the object is lost",
			KMSRequests: "none (unless your key is itself a KMS data key)",
			Cost:        "free in S3; you store and guard the keys",
		},
		{
			ID: ClientSide, Name: "client-side", Short: "client-side", Key: KeyCustomerKMS, Offered: true, Tone: ToneClient,
			Headers: []string{"x-amz-meta-x-amz-c / x-amz-3 / x-amz-w … (S3EC format V3 envelope)",
				"or x-amz-meta-x-amz-key-v2 / x-amz-cek-alg / x-amz-matdesc … (format V2)"},
			AWSFlags: "(the aws CLI cannot encrypt client-side: it can only send the ciphertext s3crypt made, with the envelope as --metadata)",
			CLIFlags: "--client-side --kms-key KEY (or a raw keyring: --wrapping-key FILE, --rsa-key FILE.pem) [--cse-format v3|v2]",
			Upload: []Step{
				kmsForYou(keyflow.OpGenerateDataKey, "you ask KMS for a data key under your customer managed key; it returns it in plaintext and encrypted"),
				yours(keyflow.OpLocalEncrypt, "encrypt locally", "you encrypt the file with AES-256-GCM before it leaves your machine"),
				yours(keyflow.OpLocalWipe, "wipe", "you wipe the plaintext data key"),
				request,
				s3step(keyflow.OpEncryptData, "S3's layer", "S3 adds its own server-side encryption on top of your ciphertext"),
				s3step(keyflow.OpStored, "stored", "S3 stores your ciphertext and the envelope in the object's metadata"),
				response},
			Download: []Step{request,
				s3step(keyflow.OpDecryptData, "S3's layer", "S3 removes its own layer and sends your ciphertext and envelope"),
				response,
				kmsForYou(keyflow.OpDecrypt, "you send the encrypted data key from the envelope to KMS; it returns it in plaintext"),
				yours(keyflow.OpLocalDecrypt, "decrypt locally", "you decrypt and check the tag; nothing is written unless it verifies"),
				yours(keyflow.OpLocalWipe, "wipe", "you wipe the plaintext data key")},
			Chips:       []Chip{ChipKMSKey, ChipDataKey, ChipWrappedKey, ChipCiphertext, ChipPlaintextOut},
			Explain:     "you encrypt before upload (the S3 Encryption Client's format, a data key wrapped by KMS or a key of your own); S3 only ever sees ciphertext",
			Hint:        "client-side: you encrypt in S3EC format V3 (key-committing) or V2 under a data key that KMS or your own key wraps; S3 adds its own layer on top",
			Holder:      "you encrypt; KMS holds the key that wraps your data keys",
			Protects:    "everything on the server side, S3 included: only holders of kms:Decrypt on your key read it",
			KMSRequests: "1 per upload and 1 per download, made by you",
			Cost:        "$0.03 per 10,000 KMS requests, made by you; your key $1/month; your CPU encrypts",
		},
		{
			ID: None, Name: "no encryption", Short: "none", Tone: ToneNone,
			Explain:  "stored as it was sent: AWS never does this since January 2023 (it applies SSE-S3), some other endpoints do",
			Holder:   "nobody: the bytes are stored as sent",
			Protects: "nothing",
			Chips:    []Chip{ChipPlaintextOut},
			Upload:   []Step{request, s3step(keyflow.OpStored, "stored", "the endpoint stores the bytes as they came"), response},
			Download: []Step{request, response},
		},
	}
}
