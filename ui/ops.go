package ui

import "github.com/s3crypt/s3crypt/actions"

// The upload and download dialogs' SSE-C choices (a fresh key, a key
// file, or a KMS data key as in the blog post) are the actions package's
// PutSSEC and GetSSEC, which the CLI shares; they run on the worker like
// the other actions. The names below are what the forms use.
type (
	sseCSource = actions.SSECSource
	sseCPut    = actions.PutSSEC
	sseCGet    = actions.GetSSEC
)

// The SSE-C key sources.
const (
	sseCFromFile = actions.SSECFromFile // an existing key file (raw, base64 or hex)
	sseCGenerate = actions.SSECGenerate // a fresh random key written to a new file
	sseCFromKMS  = actions.SSECFromKMS  // a KMS data key, kept only encrypted
)
