// Command s3crypt makes Amazon S3 encryption visible and usable: a terminal
// UI, CLI verbs, and a local sandbox region (an S3 + KMS that speaks the
// real protocols) to run them against without an AWS account.
package main

import (
	"os"

	"github.com/s3crypt/s3crypt/cli"
)

func main() {
	os.Exit(cli.Main(os.Args[1:]))
}
