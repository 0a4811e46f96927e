package cli

// MbCmd is `s3crypt mb s3://BUCKET` (being written).
type MbCmd struct{}

// RbCmd is `s3crypt rb s3://BUCKET` (being written).
type RbCmd struct{}

// LsCmd is `s3crypt ls [s3://BUCKET[/PREFIX]]` (being written).
type LsCmd struct{}

// HeadCmd is `s3crypt head s3://BUCKET/KEY` (being written).
type HeadCmd struct{}

// BucketEncryptionCmd is `s3crypt bucket-encryption get|put|delete` (being written).
type BucketEncryptionCmd struct{}
