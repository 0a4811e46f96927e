package sandbox

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"

	"github.com/s3crypt/s3crypt/keyflow"
	"github.com/s3crypt/s3crypt/sandbox/kms"
)

// The sandbox lists its keys for its own views.
var _ keyflow.KeyLister = (*Sandbox)(nil)

// maxListedKeys bounds Keys: a sandbox for learning holds a handful.
const maxListedKeys = 1000

// Keys lists the sandbox's KMS keys with their aliases, reading KMS's
// store directly (in-process) or GET /_s3crypt/keys (attached): no KMS
// request is made, so the KMS counters do not move. A lesson's checks poll
// it; the Keys view and the CLI keep using KMS's own API.
func (sb *Sandbox) Keys(ctx context.Context) ([]keyflow.KeyInfo, error) {
	if sb.kms != nil {
		return listKeys(sb.kms)
	}
	resp, err := sb.signedGet(ctx, "keys")
	if err != nil {
		return nil, fmt.Errorf("list the sandbox's keys: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("list the sandbox's keys: %s", resp.Status)
	}
	var keys []keyflow.KeyInfo
	if err := json.NewDecoder(io.LimitReader(resp.Body, 4<<20)).Decode(&keys); err != nil {
		return nil, fmt.Errorf("list the sandbox's keys: %w", err)
	}
	return keys, nil
}

// ownCall is the sandbox reading its own KMS (not a request anyone made).
var ownCall = kms.Call{Caller: kms.CallerSandbox}

func listKeys(k *kms.KMS) ([]keyflow.KeyInfo, error) {
	aliases := map[string][]string{}
	marker := ""
	for {
		out, err := k.ListAliases(ownCall, "", 100, marker)
		if err != nil {
			return nil, err
		}
		for _, a := range out.Aliases {
			if a.TargetKeyID != "" {
				aliases[a.TargetKeyID] = append(aliases[a.TargetKeyID], a.AliasName)
			}
		}
		if !out.Truncated {
			break
		}
		marker = out.NextMarker
	}
	var keys []keyflow.KeyInfo
	marker = ""
	for len(keys) < maxListedKeys {
		out, err := k.ListKeys(ownCall, 100, marker)
		if err != nil {
			return nil, err
		}
		for _, e := range out.Keys {
			m, err := k.DescribeKey(ownCall, e.KeyID)
			if err != nil {
				return nil, err
			}
			keys = append(keys, keyflow.KeyInfo{KeyID: m.KeyID, Arn: m.Arn, KeySpec: m.KeySpec, KeyUsage: m.KeyUsage,
				KeyManager: m.KeyManager, KeyState: m.KeyState, Aliases: aliases[m.KeyID]})
		}
		if !out.Truncated {
			break
		}
		marker = out.NextMarker
	}
	return keys, nil
}
