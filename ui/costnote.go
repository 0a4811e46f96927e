package ui

import (
	"fmt"

	"github.com/s3crypt/s3crypt/actions"
	"github.com/s3crypt/s3crypt/modes"
)

// costPerMillion is what the bucket view shows under the bucket key
// setting: the KMS requests (and their price, from modes.Prices) of a
// million uploads with the bucket key off, and on (one requester, one
// bucket-key period); "" when the default calls no KMS. s3crypt cost
// works out any other workload.
func costPerMillion(e BucketEncryption) string {
	mode := modes.SSEKMS
	switch e.SSE {
	case modes.APIKMS:
	case modes.APIKMSDSSE:
		mode = modes.DSSEKMS
	default:
		return ""
	}
	res, err := actions.EstimateCost(actions.CostInput{Mode: mode, Puts: 1_000_000})
	if err != nil {
		return ""
	}
	if res.With == nil {
		return fmt.Sprintf("1M puts: %d req (%s), no bucket key", res.Without.Requests, actions.USD(res.Without.RequestUSD))
	}
	return fmt.Sprintf("1M puts: off %d req (%s), on %d/requester", res.Without.Requests, actions.USD(res.Without.RequestUSD), res.With.Requests)
}
