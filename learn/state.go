package learn

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/s3crypt/s3crypt/awsclient"
	"github.com/s3crypt/s3crypt/keyflow"
)

// state is what one Check run reads from the lesson sandbox, each part
// fetched once and only when a step needs it.
type state struct {
	b *awsclient.Backend

	keysRead bool
	keys     []keyInfo
	keysErr  error

	eventsRead bool
	events     []keyflow.Event
	eventsErr  error
}

// keyInfo is one KMS key as checks see it.
type keyInfo struct {
	ID, ARN, Spec, Usage, Manager, State string
	Aliases                              []string
}

func (k keyInfo) hasAlias(a string) bool {
	for _, x := range k.Aliases {
		if x == a {
			return true
		}
	}
	return false
}

// name is how a Why names the key: its first alias, else its id.
func (k keyInfo) name() string {
	if len(k.Aliases) > 0 {
		return k.Aliases[0]
	}
	return k.ID
}

// maxKeys bounds what a check reads: a lesson sandbox has a handful.
const maxKeys = 200

func (s *state) loadKeys(ctx context.Context) ([]keyInfo, error) {
	if s.keysRead {
		return s.keys, s.keysErr
	}
	s.keysRead = true
	if kl, ok := s.b.Local.(keyflow.KeyLister); ok {
		// The sandbox lists its keys without a KMS request: a check that
		// polls never moves the KMS counter the lessons teach with.
		ks, err := kl.Keys(ctx)
		for _, k := range ks {
			s.keys = append(s.keys, keyInfo{ID: k.KeyID, ARN: k.Arn, Spec: k.KeySpec, Usage: k.KeyUsage,
				Manager: k.KeyManager, State: k.KeyState, Aliases: k.Aliases})
		}
		s.keysErr = err
		return s.keys, s.keysErr
	}
	s.keys, s.keysErr = readKeys(ctx, s.b.KMS)
	return s.keys, s.keysErr
}

func readKeys(ctx context.Context, c *kms.Client) ([]keyInfo, error) {
	aliases := map[string][]string{}
	ap := kms.NewListAliasesPaginator(c, &kms.ListAliasesInput{})
	for ap.HasMorePages() {
		out, err := ap.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("list KMS aliases: %w", err)
		}
		for _, a := range out.Aliases {
			if a.TargetKeyId != nil {
				aliases[*a.TargetKeyId] = append(aliases[*a.TargetKeyId], aws.ToString(a.AliasName))
			}
		}
	}
	var keys []keyInfo
	kp := kms.NewListKeysPaginator(c, &kms.ListKeysInput{})
	for kp.HasMorePages() && len(keys) < maxKeys {
		out, err := kp.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("list KMS keys: %w", err)
		}
		for _, k := range out.Keys {
			d, err := c.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: k.KeyId})
			if err != nil {
				return nil, fmt.Errorf("describe KMS key %s: %w", aws.ToString(k.KeyId), err)
			}
			m := d.KeyMetadata
			id := aws.ToString(m.KeyId)
			keys = append(keys, keyInfo{ID: id, ARN: aws.ToString(m.Arn), Spec: string(m.KeySpec), Usage: string(m.KeyUsage),
				Manager: string(m.KeyManager), State: string(m.KeyState), Aliases: aliases[id]})
		}
	}
	return keys, nil
}

// keyByARN finds a key by ARN or id.
func (s *state) keyByARN(ctx context.Context, arn string) (keyInfo, bool, error) {
	keys, err := s.loadKeys(ctx)
	if err != nil {
		return keyInfo{}, false, err
	}
	for _, k := range keys {
		if k.ARN == arn || k.ID == arn {
			return k, true, nil
		}
	}
	return keyInfo{}, false, nil
}

// keyByAlias finds the key an alias names.
func (s *state) keyByAlias(ctx context.Context, alias string) (keyInfo, bool, error) {
	keys, err := s.loadKeys(ctx)
	if err != nil {
		return keyInfo{}, false, err
	}
	for _, k := range keys {
		if k.hasAlias(alias) {
			return k, true, nil
		}
	}
	return keyInfo{}, false, nil
}

// maxEvents bounds the events one Check keeps in memory; the journal
// itself is bounded (trace.DefaultJournalLimit), this is a second guard.
const maxEvents = 200_000

// loadEvents reads the sandbox's journaled trace, with the bucket and key
// of the S3 request filled in on the KMS steps S3 took for it.
func (s *state) loadEvents(ctx context.Context) ([]keyflow.Event, error) {
	if s.eventsRead {
		return s.events, s.eventsErr
	}
	s.eventsRead = true
	j, ok := s.b.Local.(keyflow.Journaled)
	if !ok {
		s.eventsErr = errors.New("this backend keeps no trace of key operations: lessons run on the sandbox")
		return nil, s.eventsErr
	}
	var evs []keyflow.Event
	err := j.Journal(ctx, func(e keyflow.Event) bool {
		evs = append(evs, e)
		return len(evs) < maxEvents
	})
	if err != nil {
		s.eventsErr = err
		return nil, err
	}
	type obj struct{ bucket, key string }
	byReq := map[string]obj{}
	for _, e := range evs {
		if e.Actor == keyflow.S3 && e.RequestID != "" && e.Bucket != "" {
			byReq[e.RequestID] = obj{e.Bucket, e.Key}
		}
	}
	for i, e := range evs {
		if e.Actor == keyflow.KMS && e.Caller == "S3" && e.Bucket == "" {
			// The encryption context names the object (or, with a bucket
			// key, the bucket), even when S3 refused the request before
			// it said anything of its own.
			if arn, ok := strings.CutPrefix(e.Context["aws:s3:arn"], "arn:aws:s3:::"); ok {
				evs[i].Bucket, evs[i].Key, _ = strings.Cut(arn, "/")
			}
			if o, ok := byReq[e.RequestID]; ok {
				evs[i].Bucket, evs[i].Key = o.bucket, o.key
			}
		}
	}
	s.events = evs
	return evs, nil
}

// head is an object's encryption as HeadObject tells it.
type head struct {
	exists     bool
	sse        string // AES256, aws:kms, aws:kms:dsse, SSE-C, or ""
	kmsKey     string // ARN
	bucketKey  bool
	clientSide bool
}

func (s *state) head(ctx context.Context, bucket, key string) (head, error) {
	out, err := s.b.S3.HeadObject(ctx, &s3.HeadObjectInput{Bucket: &bucket, Key: &key})
	if err != nil {
		switch status(err) {
		case http.StatusNotFound:
			return head{}, nil
		case http.StatusBadRequest: // an SSE-C object answers a HEAD without its key so
			return head{exists: true, sse: "SSE-C"}, nil
		}
		return head{}, fmt.Errorf("head s3://%s/%s: %w", bucket, key, err)
	}
	h := head{exists: true, sse: string(out.ServerSideEncryption), kmsKey: aws.ToString(out.SSEKMSKeyId),
		bucketKey: aws.ToBool(out.BucketKeyEnabled)}
	if aws.ToString(out.SSECustomerAlgorithm) != "" {
		h.sse = "SSE-C"
	}
	for k := range out.Metadata {
		switch strings.ToLower(k) {
		case "x-amz-key", "x-amz-key-v2", "x-amz-3":
			h.clientSide = true
		}
	}
	return h, nil
}

// status is an error's HTTP status code (0 when none).
func status(err error) int {
	var re *smithyhttp.ResponseError
	if errors.As(err, &re) {
		return re.HTTPStatusCode()
	}
	return 0
}

// code is an error's AWS error code ("" when none).
func code(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return ""
}
