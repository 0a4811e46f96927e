package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/alecthomas/kong"
)

// Root is the whole command line.
type Root struct {
	Globals

	Serve            ServeCmd            `cmd:"" help:"Serve the sandbox region (S3 + KMS over HTTPS on loopback) for the AWS CLI and SDKs."`
	KMS              KMSCmd              `cmd:"" name:"kms" help:"KMS keys: create, list, describe, enable/disable, schedule deletion, aliases, data keys, encrypt/decrypt."`
	Mb               MbCmd               `cmd:"" help:"Make a bucket."`
	Rb               RbCmd               `cmd:"" help:"Remove an empty bucket."`
	Ls               LsCmd               `cmd:"" help:"List buckets, or objects with how each is encrypted."`
	Put              PutCmd              `cmd:"" help:"Upload a file with a chosen encryption."`
	Get              GetCmd              `cmd:"" help:"Download an object (SSE-C objects need their key)."`
	Head             HeadCmd             `cmd:"" help:"Everything about how an object is encrypted (on the sandbox, also what lies on disk)."`
	Rm               RmCmd               `cmd:"" help:"Delete an object (or one version of it)."`
	BucketEncryption BucketEncryptionCmd `cmd:"" name:"bucket-encryption" help:"Get, put or delete a bucket's default encryption and SSE-C blocking."`
	BucketPolicy     BucketPolicyCmd     `cmd:"" name:"bucket-policy" help:"Get, put or delete a bucket's policy (e.g. deny uploads that are not SSE-KMS, require TLS)."`
	Cost             CostCmd             `cmd:"" help:"A month's KMS requests and their price, bucket key off and on; --measure counts real uploads on the sandbox."`
	Audit            AuditCmd            `cmd:"" help:"Each bucket's encryption posture (and with --objects every object's): findings with severity, reason and fix; --fail-on for CI."`
	Endpoint         EndpointCmd         `cmd:"" help:"What an S3-compatible endpoint supports: endpoint check tries each encryption mode and setting."`
	Versioning       VersioningCmd       `cmd:"" help:"Get or set a bucket's versioning (each version keeps its own encryption)."`
	Reencrypt        ReencryptCmd        `cmd:"" help:"Change how an object (or, with --recursive, every object under a prefix) is encrypted: UpdateObjectEncryption where AWS allows it, else a copy in place."`
	Learn            LearnCmd            `cmd:"" help:"Guided lessons on S3 encryption, each step checked against its own sandbox."`
	Tape             TapeCmd             `cmd:"" help:"Demo tapes (vhs/*.tape): render one to a GIF without a browser."`
	UI               UICmd               `cmd:"" default:"1" hidden:"" help:"Open the terminal UI."`
	Worker           WorkerCmd           `cmd:"" hidden:"" help:"Run the terminal UI's transfers (reads jobs on standard input)."`
}

// Main parses args, runs the verb and returns the exit code. Interrupt,
// SIGTERM and SIGHUP (a closed terminal or SSH session) cancel the verb's
// context, so a get stops and removes its pending plaintext (the hidden
// .s3crypt-partial-* file where O_TMPFILE is missing) before exiting.
// SIGQUIT is left to the Go runtime (it dumps goroutines on purpose) and
// SIGKILL cannot be caught: after those only the fallback file can remain;
// the Linux anonymous file never does.
func Main(args []string) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
	defer stop()
	return Run(ctx, args, os.Stdout, os.Stderr)
}

// exited is how kong's exit (after --help) unwinds Run.
type exited struct{ code int }

// Run parses args and runs the verb under ctx, writing to stdout and
// stderr, and returns the exit code: 0 ok, 1 failed, 2 usage.
func Run(ctx context.Context, args []string, stdout, stderr io.Writer) (code int) {
	var root Root
	root.Out, root.Err = stdout, stderr
	parser, err := newParser(&root, stdout, stderr)
	if err != nil {
		fmt.Fprintln(stderr, "s3crypt: "+err.Error())
		return 2
	}
	defer func() {
		if r := recover(); r != nil {
			e, ok := r.(exited)
			if !ok {
				panic(r)
			}
			code = e.code
		}
	}()
	kctx, err := parser.Parse(args)
	if err != nil {
		// Parsing may stop before --json is read: look for it in args too.
		if root.JSON || jsonFlagIn(args) {
			writeError(stderr, &UsageError{Msg: err.Error()})
		} else {
			fmt.Fprintln(stderr, "s3crypt: "+err.Error())
		}
		return 2
	}
	kctx.BindTo(ctx, (*context.Context)(nil))
	err = kctx.Run(&root.Globals)
	switch {
	case err == nil:
	case root.JSON:
		writeError(stderr, err)
	case errors.Is(err, context.Canceled):
		fmt.Fprintln(stderr, "s3crypt: cancelled")
	default:
		fmt.Fprintln(stderr, "s3crypt: "+err.Error())
	}
	if errors.Is(err, context.Canceled) {
		return 130
	}
	return ExitCode(err)
}

// newParser builds the command line's parser for root.
func newParser(root *Root, stdout, stderr io.Writer) (*kong.Kong, error) {
	opts := append([]kong.Option{
		kong.Name("s3crypt"),
		kong.Description("See and apply Amazon S3 encryption: SSE-S3, SSE-KMS, DSSE-KMS, SSE-C, bucket keys, client-side.\n\nWithout --endpoint-url, --aws or --profile, s3crypt runs against its embedded sandbox region."),
		kong.UsageOnError(),
		modeVars(),
		kong.Writers(stdout, stderr),
		kong.Exit(func(code int) { panic(exited{code}) }),
	}, awsMappers()...)
	parser, err := kong.New(root, opts...)
	if err != nil {
		return nil, err
	}
	noteAliases(parser.Model.Node)
	return parser, nil
}

// jsonFlagIn reports whether args ask for --json before any "--".
func jsonFlagIn(args []string) bool {
	for _, a := range args {
		if a == "--" {
			return false
		}
		if a == "--json" || a == "--json=true" {
			return true
		}
	}
	return false
}
