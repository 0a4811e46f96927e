package actions

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/s3crypt/s3crypt/awsclient"
)

// RunRead runs a read-only action (a listing, a HEAD) for a screen that
// shows its result rather than its flow: events go to on (nil drops them)
// and the local region's trace is not followed, so it returns as soon as
// the answers are in (RunSync waits for an attached server's trace).
func RunRead(ctx context.Context, env *Env, a Action, on func(Event)) (any, error) {
	if on == nil {
		on = func(Event) {}
	}
	r := &Reporter{job: 1, emit: on, token: newToken()}
	return a.Run(ctx, env, r)
}

// WhoAmI says who requests are signed as: the caller identity STS
// reports, or on the sandbox its account and access key id.
type WhoAmI struct{}

// IdentityResult is the identity requests are signed as.
type IdentityResult struct {
	Account     string `json:"account"`
	ARN         string `json:"arn,omitempty"`
	UserID      string `json:"userId,omitempty"`
	AccessKeyID string `json:"accessKeyId,omitempty"` // sandbox only: its fixed test key
	Sandbox     bool   `json:"sandbox,omitempty"`
}

// Summary is the identity in one line.
func (i IdentityResult) Summary() string {
	if i.Sandbox {
		return "sandbox account " + i.Account + " · access key " + i.AccessKeyID
	}
	return i.ARN
}

// SandboxAccount is the sandbox's account id.
const SandboxAccount = "000000000000"

// Describe implements Action.
func (w *WhoAmI) Describe() string { return "show who requests are signed as" }

// Run implements Action; the result is an IdentityResult.
func (w *WhoAmI) Run(ctx context.Context, env *Env, r *Reporter) (any, error) {
	if env.Backend.Kind == awsclient.KindSandbox {
		// The sandbox has no STS: its one identity is its access key. The
		// key id names it; the secret is never read here.
		c, err := env.Backend.Config.Credentials.Retrieve(ctx)
		if err != nil {
			return nil, fmt.Errorf("read the sandbox credentials: %w", err)
		}
		return IdentityResult{Account: SandboxAccount, AccessKeyID: c.AccessKeyID, Sandbox: true}, nil
	}
	r.Command(AWSCommand(env, "sts", "get-caller-identity"))
	out, err := sts.NewFromConfig(env.Backend.Config).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, Diagnose("get the caller identity", err, Hint{})
	}
	return IdentityResult{Account: aws.ToString(out.Account), ARN: aws.ToString(out.Arn), UserID: aws.ToString(out.UserId)}, nil
}
