package actions

import (
	"strings"

	"github.com/s3crypt/s3crypt/awsclient"
)

// String renders the command for a shell, without the global options.
func (c Command) String() string { return shellJoin(c.Args) }

// Full returns the argv to run, global options included (after "aws").
func (c Command) Full() []string {
	if len(c.Args) == 0 {
		return nil
	}
	out := append([]string{c.Args[0]}, c.Global...)
	return append(out, c.Args[1:]...)
}

// FullString renders Full for a shell.
func (c Command) FullString() string { return shellJoin(c.Full()) }

// AWSCommand builds an aws CLI command for env's backend: args after
// "aws", with the options that point the CLI at it in Global.
func AWSCommand(env *Env, args ...string) Command {
	c := Command{Args: append([]string{"aws"}, args...)}
	if env == nil || env.Backend == nil {
		return c
	}
	b := env.Backend
	if b.Kind != awsclient.KindAWS && b.Endpoint != "" {
		c.Global = append(c.Global, "--endpoint-url", b.Endpoint)
		if b.CAFile != "" {
			c.Global = append(c.Global, "--ca-bundle", b.CAFile)
		}
	}
	if b.Region != "" {
		c.Global = append(c.Global, "--region", b.Region)
	}
	return c
}

// shellJoin quotes args for a POSIX shell where needed.
func shellJoin(args []string) string {
	q := make([]string, len(args))
	for i, a := range args {
		q[i] = shellQuote(a)
	}
	return strings.Join(q, " ")
}

func shellQuote(s string) string {
	if s == "" {
		return "''"
	}
	safe := true
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_./:=@,+%", r)) {
			safe = false
			break
		}
	}
	if safe {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
