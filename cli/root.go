// Package cli is s3crypt's command line: every action as a verb named
// after the aws CLI's, so what is learnt here carries over. Each verb builds
// an actions request, runs it against the chosen backend and prints the
// result, or with --json the result under the AWS API's field names
// (json.go) and errors as JSON on standard error (errjson.go). Flags also
// answer to the aws CLI's names (awsflags.go). --trace prints the
// envelope-flow steps as they happen and --show-aws the equivalent aws
// commands, both on standard error. Exit codes: 0 ok, 1 failed, 2 usage.
package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/s3crypt/s3crypt/actions"
	"github.com/s3crypt/s3crypt/awsclient"
)

// Globals are the flags every verb takes.
type Globals struct {
	Data        string `help:"Sandbox data directory (default: $S3CRYPT_DATA, else $XDG_DATA_HOME/s3crypt/sandbox)." placeholder:"DIR" type:"path" env:"S3CRYPT_DATA"`
	EndpointURL string `name:"endpoint-url" help:"Use this S3/KMS endpoint (default: $AWS_ENDPOINT_URL) instead of the sandbox; like the aws CLI's, it beats $AWS_ENDPOINT_URL_S3/_KMS and the profile's services section." placeholder:"URL"`
	AWS         bool   `name:"aws" help:"Use real AWS through the standard credential chain."`
	Profile     string `help:"Use real AWS with this profile." placeholder:"NAME"`
	Region      string `help:"Region (default: the backend's)." placeholder:"R"`
	Trace       bool   `help:"Print the envelope-flow steps as they happen (standard error)."`
	JSON        bool   `name:"json" help:"Print the result as JSON under the AWS API's field names (KeyMetadata, ServerSideEncryption, …); errors, warnings, --trace and --show-aws as JSON on standard error."`
	ShowAWS     bool   `name:"show-aws" help:"Print the equivalent aws CLI command(s) (standard error)."`

	// The per-service endpoints (README: "S3 and KMS at different endpoints").
	S3EndpointURL  string `name:"s3-endpoint-url" help:"Send S3 requests here (default: $AWS_ENDPOINT_URL_S3, else --endpoint-url's)." placeholder:"URL"`
	KMSEndpointURL string `name:"kms-endpoint-url" help:"Send KMS requests here (default: $AWS_ENDPOINT_URL_KMS, else --endpoint-url's), e.g. an s3crypt serve beside an engine that has no KMS API." placeholder:"URL"`

	// Out and Err are where results and reports go (os.Stdout/os.Stderr
	// when nil); tests set them.
	Out io.Writer `kong:"-"`
	Err io.Writer `kong:"-"`
	// Env overrides the transfer tuning (tests).
	Tuning actions.Env `kong:"-"`

	// credentials is where the shown commands' credentials are, printed
	// once before the first command (--show-aws).
	credentials string
	credShown   bool
}

func (g *Globals) out() io.Writer {
	if g.Out != nil {
		return g.Out
	}
	return os.Stdout
}

func (g *Globals) errw() io.Writer {
	if g.Err != nil {
		return g.Err
	}
	return os.Stderr
}

// backend opens the backend the flags select.
func (g *Globals) backend(ctx context.Context) (*awsclient.Backend, error) {
	return awsclient.Open(ctx, g.backendOptions())
}

// backendOptions are the backend the global flags select.
func (g *Globals) backendOptions() awsclient.Options {
	return awsclient.Options{EndpointURL: g.EndpointURL, AWS: g.AWS, Profile: g.Profile, Region: g.Region, DataDir: g.Data,
		S3EndpointURL: g.S3EndpointURL, KMSEndpointURL: g.KMSEndpointURL}
}

// run executes a against the backend, reporting as the flags ask, and
// prints the result with human (unless --json).
func (g *Globals) run(ctx context.Context, a actions.Action, human func(w io.Writer, res any)) error {
	b, err := g.backend(ctx)
	if err != nil {
		return err
	}
	defer b.Close()
	env := g.Tuning
	env.Backend = b
	g.credentials = actions.CredentialsLine(b)
	res, err := actions.RunSync(ctx, &env, a, g.report)
	if err != nil {
		return err
	}
	if g.JSON {
		return writeJSON(g.out(), awsJSON(res))
	}
	human(g.out(), res)
	return nil
}

// writeJSON prints v as indented JSON.
func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false) // "a > b" stays readable, as the aws CLI prints it
	return enc.Encode(v)
}

// warn prints a warning on standard error: "s3crypt: warning: …", or under
// --json {"Warning": "…"}, so that under --json standard error holds JSON
// values only.
func (g *Globals) warn(msg string) { g.say("Warning", "warning: "+msg, msg) }

// notice prints a notice on standard error: "s3crypt: …", or under --json
// {"Notice": "…"}.
func (g *Globals) notice(msg string) { g.say("Notice", msg, msg) }

func (g *Globals) say(field, text, msg string) {
	if g.JSON {
		g.jsonLine(map[string]string{field: msg})
		return
	}
	fmt.Fprintln(g.errw(), "s3crypt: "+text)
}

// report prints steps (--trace) and commands (--show-aws); under --json
// as one JSON object a line ({"Step": …}, {"AWSCommand": …}).
func (g *Globals) report(e actions.Event) {
	switch e := e.(type) {
	case actions.StepEvent:
		switch {
		case !g.Trace:
		case g.JSON:
			g.jsonLine(map[string]any{"Step": stepJSON(e.Step)})
		default:
			fmt.Fprintln(g.errw(), FormatStep(e.Step))
		}
	case actions.CommandEvent:
		switch {
		case !g.ShowAWS:
		case g.JSON:
			line := map[string]any{"AWSCommand": e.Command.String()}
			if note := e.Command.Comment(); note != "" {
				line["Note"] = note
			}
			if !g.credShown && g.credentials != "" {
				line["Credentials"] = g.credentials
				g.credShown = true
			}
			g.jsonLine(line)
		default:
			if !g.credShown && g.credentials != "" {
				fmt.Fprintln(g.errw(), "# "+g.credentials)
				g.credShown = true
			}
			fmt.Fprintln(g.errw(), "$ "+e.Command.String())
			if note := e.Command.Comment(); note != "" {
				fmt.Fprintln(g.errw(), "  # "+note)
			}
		}
	}
}

// jsonLine prints v as one line of JSON on standard error.
func (g *Globals) jsonLine(v any) {
	enc := json.NewEncoder(g.errw())
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		fmt.Fprintln(g.errw(), "s3crypt: "+err.Error())
	}
}

// stepJSON is a step under --json --trace: its fields by their Go names,
// which are PascalCase already, with the AWS spelling where one exists.
func stepJSON(s actions.Step) map[string]any {
	data, _ := json.Marshal(s)
	var m map[string]any
	_ = json.Unmarshal(data, &m)
	for from, to := range map[string]string{"KeyARN": "KeyArn", "Context": "EncryptionContext"} {
		if v, ok := m[from]; ok {
			delete(m, from)
			m[to] = v
		}
	}
	return m
}

// FormatStep renders a step as one line: time, actors, title, detail; a
// step S3 takes that s3crypt could not observe is marked "(not observed)".
func FormatStep(s actions.Step) string {
	who := string(s.Actor)
	if s.To != "" {
		who += " → " + string(s.To)
	}
	line := fmt.Sprintf("%s  %-10s %-22s %s", s.Time.Format("15:04:05.000"), who, s.Title, s.Detail)
	if !s.Observed {
		line += "  (not observed: what S3 does on your behalf)"
	}
	return strings.TrimRight(line, " ")
}

// ExitCode maps an error from Run to s3crypt's exit codes.
func ExitCode(err error) int {
	var ue *UsageError
	var coded interface{ ExitCode() int }
	switch {
	case err == nil:
		return 0
	case errors.As(err, &ue):
		return 2
	case errors.As(err, &coded):
		return coded.ExitCode() // audit --fail-on: findings at or above the threshold
	}
	return 1
}

// UsageError is a command line that cannot be run as given.
type UsageError struct{ Msg string }

func (e *UsageError) Error() string { return e.Msg }

func usage(format string, a ...any) error { return &UsageError{Msg: fmt.Sprintf(format, a...)} }

// humanSize renders a byte count (actions.HumanSize).
func humanSize(n int64) string { return actions.HumanSize(n) }

func rate(n int64, d time.Duration) string {
	if d <= 0 {
		return ""
	}
	return fmt.Sprintf("%.1f MB/s", float64(n)/d.Seconds()/1e6)
}
