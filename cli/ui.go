package cli

import (
	"context"
	"fmt"
	"os"

	"github.com/s3crypt/s3crypt/awsclient"
	"github.com/s3crypt/s3crypt/sandbox"
	"github.com/s3crypt/s3crypt/ui"
)

// UICmd runs when no verb is given: the terminal UI on the backend the
// global flags select.
type UICmd struct{}

// UISandboxEnv chooses where the terminal UI runs the embedded sandbox:
// "process" (the default) in a child `s3crypt serve` at a lower priority,
// "in-process" in the UI's own process.
const UISandboxEnv = "S3CRYPT_UI_SANDBOX"

// uiSandboxNice is how much lower the child sandbox's priority is than the
// UI's. The server's work (TLS, encryption, disk) then waits for the UI's
// while a key press is drawn; when the UI is idle, which is nearly always,
// the server has the cores (bench/tui.sh).
const uiSandboxNice = 10

// Run implements the verb.
func (UICmd) Run(ctx context.Context, g *Globals) error {
	child, err := uiSandboxChild(g, os.Getenv)
	if err != nil {
		return err
	}
	opt := g.backendOptions()
	opt.SandboxChild = child
	b, err := awsclient.Open(ctx, opt)
	if err != nil {
		return err
	}
	defer b.Close()
	return ui.Run(ctx, b, func(ctx context.Context, dir string) (*awsclient.Backend, error) {
		// A lesson's own sandbox: the same region and child process as the
		// main one, but always the sandbox, whatever the main backend is.
		return awsclient.Open(ctx, awsclient.Options{DataDir: dir, Region: opt.Region, SandboxChild: child,
			Getenv: func(k string) string {
				if k == "AWS_ENDPOINT_URL" {
					return ""
				}
				return os.Getenv(k)
			}})
	})
}

// uiSandboxChild is how the UI starts its child sandbox: this binary's
// `serve` on the same data directory, which stops when the UI does. Nil
// means in-process (UISandboxEnv=in-process, or no path to this binary).
func uiSandboxChild(g *Globals, getenv func(string) string) (*sandbox.ChildOptions, error) {
	switch v := getenv(UISandboxEnv); v {
	case "", "process":
	case "in-process":
		return nil, nil
	default:
		return nil, fmt.Errorf("%s=%q: use process (a child s3crypt serve, the default) or in-process", UISandboxEnv, v)
	}
	exe, err := os.Executable()
	if err != nil {
		return nil, nil //nolint:nilerr // no path to re-run: the sandbox runs in-process, as it can anywhere
	}
	return &sandbox.ChildOptions{Nice: uiSandboxNice, Command: func(dir string) []string {
		argv := []string{exe, "serve", "--data", dir, "--stop-with-stdin"}
		if g.Region != "" {
			argv = append(argv, "--region", g.Region)
		}
		return argv
	}}, nil
}
