package cli

// KMSCmd groups the `s3crypt kms …` verbs (being written).
type KMSCmd struct{}
