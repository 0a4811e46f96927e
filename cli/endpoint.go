package cli

import (
	"context"
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/s3crypt/s3crypt/actions"
)

// EndpointCmd is `s3crypt endpoint …`: what an S3-compatible endpoint does.
type EndpointCmd struct {
	Check EndpointCheckCmd `cmd:"" help:"Try each encryption mode and setting on the endpoint and say which it supports, ignores or refuses, in its own words."`
}

// EndpointCheckCmd is `s3crypt endpoint check [--bucket B]`.
type EndpointCheckCmd struct {
	Bucket    string `help:"Write under a scratch prefix of this bucket (and delete what was written) instead of a scratch bucket; bucket settings are then left alone and not tried." placeholder:"B"`
	KMSKey    string `name:"kms-key" help:"The KMS key for the given-key rows and UpdateObjectEncryption (default: the first enabled symmetric customer managed key the KMS API lists)." placeholder:"KEY"`
	PlainHTTP string `name:"plain-http-endpoint" help:"The same endpoint over http://, to try SSE-C over plain HTTP (AWS refuses it)." placeholder:"URL"`
}

// Run implements the verb.
func (c *EndpointCheckCmd) Run(ctx context.Context, g *Globals) error {
	if c.Bucket != "" {
		b, err := bucketOnly("s3://" + c.Bucket)
		if err != nil {
			return err
		}
		c.Bucket = b
	}
	a := &actions.EndpointCheck{Bucket: c.Bucket, KMSKey: c.KMSKey, PlainHTTPEndpoint: c.PlainHTTP}
	return g.run(ctx, a, func(w io.Writer, res any) { printEndpointCheck(w, res.(actions.EndpointCheckResult)) })
}

// printEndpointCheck prints the capability table: one row a capability,
// what the endpoint did, what AWS does, and the endpoint's own words.
func printEndpointCheck(w io.Writer, r actions.EndpointCheckResult) {
	where := "scratch bucket " + r.Bucket + " (removed)"
	if !r.Scratch {
		where = "bucket " + r.Bucket + " (objects removed)"
	}
	fmt.Fprintf(w, "endpoint %s, in %s\n", r.Endpoint, where)
	if r.KMSKey != "" {
		fmt.Fprintf(w, "KMS key for the given-key rows: %s\n", r.KMSKey)
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "CAPABILITY\tENDPOINT\tAWS\tWHAT IT SAID OR DID")
	for _, row := range r.Rows {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", row.Capability, row.Support, row.AWS, row.Detail)
	}
	_ = tw.Flush()
	for _, l := range r.Leftovers {
		fmt.Fprintln(w, "not cleaned up: "+l)
	}
}
