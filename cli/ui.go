package cli

import (
	"context"
	"fmt"
	"log"
	"os"
	"strconv"
	"strings"

	"github.com/s3crypt/s3crypt/actions"
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
	remote, logw, err := uiTransferHelper(g, b, os.Getenv)
	if err != nil {
		return err
	}
	if logw != nil {
		defer logw.Close()
	}
	if remote != nil {
		defer func() {
			if err := remote.Close(); err != nil {
				log.Printf("ui: %v", err)
			}
		}()
	}
	return ui.Run(ctx, b, func(ctx context.Context, dir string) (*awsclient.Backend, error) {
		// A lesson's own sandbox: the same region and child process as the
		// main one, but always the sandbox, whatever the main backend is.
		return awsclient.Open(ctx, awsclient.Options{DataDir: dir, Region: opt.Region, SandboxChild: child,
			Getenv: func(k string) string {
				if strings.HasPrefix(k, "AWS_ENDPOINT_URL") { // _S3, _KMS too
					return ""
				}
				return os.Getenv(k)
			}})
	}, remote)
}

// UIJobsEnv chooses where the terminal UI runs uploads and downloads on
// the sandbox: "process" (the default) in a helper `s3crypt worker` at a
// lower priority, "in-process" in the UI's own process.
const UIJobsEnv = "S3CRYPT_UI_JOBS"

// uiTransferHelper is the UI's transfer helper when the sandbox is served
// by another process (the UI's child `serve`, or one it attached to),
// which the helper then attaches to as well: the reading, checksums and
// TLS of a large transfer run at the helper's lower priority, and the UI
// process only draws (bench/tui.sh). It starts with the first transfer
// and logs to the UI's log (the file returned, for the caller to close).
// Nil means the UI's process runs them: UIJobsEnv=in-process, another
// backend or an in-process sandbox (or, later, a helper that did not
// start: logged).
func uiTransferHelper(g *Globals, b *awsclient.Backend, getenv func(string) string) (*actions.Remote, *os.File, error) {
	switch v := getenv(UIJobsEnv); v {
	case "", "process":
	case "in-process":
		return nil, nil, nil
	default:
		return nil, nil, fmt.Errorf("%s=%q: use process (a helper s3crypt worker, the default) or in-process", UIJobsEnv, v)
	}
	if b.Sandbox == nil || (b.Sandbox.ChildPID() == 0 && !b.Sandbox.Attached()) {
		return nil, nil, nil
	}
	exe, err := os.Executable()
	if err != nil {
		return nil, nil, nil //nolint:nilerr // no path to re-run: the UI's process runs its transfers, as it can anywhere
	}
	argv := []string{exe, "--data", b.Sandbox.Dir()}
	if g.Region != "" {
		argv = append(argv, "--region", g.Region)
	}
	argv = append(argv, "worker", "--concurrency", strconv.Itoa(ui.TransferConcurrency()))
	// The UI's log, opened now: the helper's standard error, and where
	// its start is said (it starts with the first transfer, not before
	// the first frame).
	logw := ui.OpenLogFile()
	started := func(pid int, err error) {
		if logw == nil {
			return
		}
		l := log.New(logw, "", log.LstdFlags)
		if err != nil {
			l.Printf("s3crypt: %v; the UI's process runs its transfers instead", err)
			return
		}
		l.Printf("s3crypt: transfer helper process %d runs the UI's uploads and downloads for process %d, niced by %d",
			pid, os.Getpid(), uiSandboxNice)
	}
	return actions.NewRemote(actions.RemoteOptions{Command: argv, Nice: uiSandboxNice, Stderr: logw, Started: started}), logw, nil
}

// WorkerCmd is the terminal UI's transfer helper (hidden): it runs the
// uploads and downloads the UI sends on standard input against the
// sandbox that serves --data, and writes their events to standard output
// (actions.ServeRemote), until standard input ends.
type WorkerCmd struct {
	Concurrency int `help:"Parts of a transfer sent at once." default:"2"`
	Parallel    int `help:"Jobs run at once." default:"4"`
}

// Run implements the verb.
func (c *WorkerCmd) Run(ctx context.Context, g *Globals) error {
	opt := g.backendOptions()
	opt.SandboxMirror = true // the steps of each request arrive in order, as in the UI's own process
	b, err := awsclient.Open(ctx, opt)
	if err != nil {
		return err
	}
	defer b.Close()
	if b.Sandbox != nil && !b.Sandbox.Attached() {
		// It would have started a sandbox of its own, which nobody sees.
		return fmt.Errorf("no process serves the sandbox in %s: the worker runs beside the UI's sandbox", b.Sandbox.Dir())
	}
	env := g.Tuning
	env.Backend, env.Concurrency = b, c.Concurrency
	return actions.ServeRemote(ctx, &env, c.Parallel, os.Stdin, g.out())
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
