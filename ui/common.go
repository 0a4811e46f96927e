package ui

import (
	"time"

	"github.com/s3crypt/s3crypt/actions"
	"github.com/s3crypt/s3crypt/ui/styles"
)

// Common is what every child shares: styles, key map, data source and
// clock. Only the root changes it (on a background colour report).
type Common struct {
	Styles  *styles.Styles
	Keys    KeyMap
	Data    Data
	Backend BackendInfo
	// Now is the clock views format times against; tests fix it.
	Now func() time.Time
	// Catalog is what views publish for each other.
	Catalog Catalog
}

// Catalog is what views publish for each other; each field has one
// writer, and the views read it instead of each other.
type Catalog struct {
	Keys    []KeyRow          // by Keys: the key list (forms' key pickers)
	Names   map[string]string // by Keys: each key's first alias, by ARN
	Buckets []BucketRow       // by Buckets: the bucket list (upload defaults)
	Bucket  string            // by Buckets: the selected bucket (Objects opens it)
	// Endpoint is what the last endpoint check found (nil before one):
	// written when the check's job ends (checkEndpointJob).
	Endpoint *actions.EndpointCheckResult
}

// BackendInfo describes where s3crypt is pointed, for the header.
type BackendInfo struct {
	Label   string // "sandbox · us-east-1 · data ~/.local/share/s3crypt/sandbox"
	Sandbox bool   // the embedded sandbox: at-rest view and observed flows
	Region  string
	// OwnKMS reads how many KMS requests s3crypt's clients made this
	// session (an in-memory counter, no I/O); nil in tests without a
	// backend, where the jobs' own counts stand in.
	OwnKMS func() int
	// Credentials says where the aws commands' credentials are (one line,
	// no secret): shown once atop the command log.
	Credentials string
	// Lesson names the lesson whose own sandbox this is ("lesson 2"), for
	// the header's badge; "" on the learner's own backend.
	Lesson string
}
