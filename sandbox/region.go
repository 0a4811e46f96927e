package sandbox

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"

	"github.com/s3crypt/s3crypt/keyflow"
	"github.com/s3crypt/s3crypt/sandbox/trace"
)

// The sandbox is the one local region s3crypt knows.
var _ keyflow.Region = (*Sandbox)(nil)

// The sandbox keeps its trace on disk too.
var _ keyflow.Journaled = (*Sandbox)(nil)

// Journal calls fn with every key-operation event the sandbox journaled in
// its data directory (trace.ndjson, bounded), oldest first, whichever
// process served it and whether it still runs: it reads the files.
func (sb *Sandbox) Journal(ctx context.Context, fn func(keyflow.Event) bool) error {
	return trace.ReadJournal(ctx, sb.dir, fn)
}

// Follow streams the sandbox's trace events. In-process the feed is the
// bus itself, delivered before each response (Sync); attached, it follows
// the serving process's trace stream, which lags a little.
func (sb *Sandbox) Follow(ctx context.Context) (keyflow.Feed, error) {
	if sb.bus != nil {
		sub := sb.bus.Subscribe(8192)
		return keyflow.Feed{C: sub.C, Sync: true, Stop: sub.Close}, nil
	}
	ctx, cancel := context.WithCancel(ctx)
	ch, err := sb.Subscribe(ctx)
	if err != nil {
		cancel()
		return keyflow.Feed{}, err
	}
	return keyflow.Feed{C: ch, Stop: cancel}, nil
}

// KMSCalls returns how many KMS requests the sandbox has served since it
// started, by every caller (S3 on your behalf included).
func (sb *Sandbox) KMSCalls(ctx context.Context) (int, error) {
	if sb.s3 != nil { // in-process: the bus that counts is this one (an attached one's mirror counts nothing)
		return sb.bus.Total(""), nil
	}
	resp, err := sb.signedGet(ctx, "kms-calls")
	if err != nil {
		return 0, fmt.Errorf("read the sandbox's KMS call count: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return 0, fmt.Errorf("read the sandbox's KMS call count: %s", resp.Status)
	}
	var counts []trace.Count
	if err := json.NewDecoder(resp.Body).Decode(&counts); err != nil {
		return 0, fmt.Errorf("read the sandbox's KMS call count: %w", err)
	}
	n := 0
	for _, c := range counts {
		n += c.N
	}
	return n, nil
}
