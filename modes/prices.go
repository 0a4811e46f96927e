package modes

import "github.com/s3crypt/s3crypt/keyflow"

// PriceID names one figure of the cost estimate.
type PriceID string

// The figures the cost estimate uses.
const (
	PriceKMSRequests   PriceID = "kms-requests"     // symmetric KMS requests, per 10,000
	PriceKMSFreeTier   PriceID = "kms-free-tier"    // KMS requests free each month
	PriceCustomerKey   PriceID = "kms-customer-key" // a customer managed key, per month
	PriceAWSManagedKey PriceID = "kms-aws-managed-key"
	PriceBucketKey     PriceID = "s3-bucket-key" // one bucket-key request per requester per period
	PriceDSSE          PriceID = "s3-dsse-kms"   // DSSE-KMS's own charge
)

// Price is one figure of the cost estimate, with where it was read and
// when: the one table every estimate, note and document quotes.
type Price struct {
	ID PriceID
	// USD is the price of Per units (0 with Per 0: a rule, not a price).
	USD  float64
	Per  float64
	Unit string
	// Says is the figure or rule in words, as the source puts it.
	Says string
	// Source is the page it was read on; Read the day it was read there.
	Source, Read string
}

// Prices is every figure the cost estimate uses. The KMS figures are
// us-east-1's (the pricing page's default region); other regions may
// differ. KMS's own page lists the per-request price in a table that its
// stored copy leaves out, so that figure is also checked against a
// third-party copy of the table, named in Says.
var Prices = []Price{
	{ID: PriceKMSRequests, USD: 0.03, Per: 10000, Unit: "requests",
		Says:   "$0.03 per 10,000 requests to symmetric keys (GenerateDataKey, Decrypt, Encrypt…); the table is also quoted at https://www.wring.co/blog/aws-kms-pricing-guide (March 2026)",
		Source: "https://aws.amazon.com/kms/pricing/", Read: "2026-12-08"},
	{ID: PriceKMSFreeTier, USD: 0, Per: 20000, Unit: "requests a month",
		Says:   "AWS Free Tier includes 20,000 free AWS KMS requests each month, calculated across all regions (account-wide, shared with every other use of KMS)",
		Source: "https://aws.amazon.com/kms/pricing/", Read: "2026-12-08"},
	{ID: PriceCustomerKey, USD: 1, Per: 1, Unit: "key-month",
		Says:   "each AWS KMS key that you create costs $1/month (prorated hourly); each rotation's new backing key adds $1/month; no charge while scheduled for deletion",
		Source: "https://aws.amazon.com/kms/pricing/", Read: "2026-12-08"},
	{ID: PriceAWSManagedKey, USD: 0, Per: 1, Unit: "key-month",
		Says:   "no charge for the creation and storage of AWS managed keys (aws/s3); their requests are charged like any",
		Source: "https://aws.amazon.com/kms/pricing/", Read: "2026-12-08"},
	{ID: PriceBucketKey, Unit: "rule",
		Says:   "unique bucket-level keys are fetched at least once per requester; S3 treats callers as different requesters when they use different roles or accounts, or the same role with different scoping policies; bucket keys are used for a limited time period (not published); not supported for DSSE-KMS",
		Source: "https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucket-key.html", Read: "2026-12-08"},
	{ID: PriceDSSE, Unit: "rule",
		Says:   "there are additional charges for using DSSE-KMS (a per-GB charge on the S3 pricing page, not in the sources read here, so not priced by this estimate); S3 Bucket Keys aren't supported for DSSE-KMS",
		Source: "https://docs.aws.amazon.com/AmazonS3/latest/userguide/UsingDSSEncryption.html", Read: "2026-12-08"},
}

// PriceOf returns the figure id names (the zero Price when none does).
func PriceOf(id PriceID) Price {
	for _, p := range Prices {
		if p.ID == id {
			return p
		}
	}
	return Price{}
}

// KMSRequestsPerObject counts the KMS requests S3 makes for one upload
// (or download) in m, read from its flow: the KMS steps S3 asks for. For a
// mode with a bucket key these happen once per bucket key, not per object.
func (m *Mode) KMSRequestsPerObject(upload bool) int {
	steps := m.Download
	if upload {
		steps = m.Upload
	}
	n := 0
	for _, s := range steps {
		if s.Actor == keyflow.KMS && s.To == keyflow.S3 {
			n++
		}
	}
	return n
}
