// Command s3crypt makes Amazon S3 encryption visible and usable: a terminal
// UI, CLI verbs, and a local sandbox region (an S3 + KMS that speaks the
// real protocols) to run them against without an AWS account.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/alecthomas/kong"

	"github.com/s3crypt/s3crypt/sandbox"
)

// cli is the command line: global flags and sub-commands.
type cli struct {
	Data string `help:"Sandbox data directory (default: $XDG_DATA_HOME/s3crypt/sandbox)." placeholder:"DIR" type:"path"`

	Serve serveCmd `cmd:"" help:"Serve the sandbox region (S3 + KMS over HTTPS on loopback) for the AWS CLI and SDKs."`
	Help  helpCmd  `cmd:"" default:"1" hidden:""`
}

// helpCmd runs when no verb is given. Until the TUI lands it prints help.
type helpCmd struct{}

func (helpCmd) Run(k *kong.Context) error {
	_, err := k.Parse([]string{"--help"})
	return err
}

// serveCmd is `s3crypt serve`.
type serveCmd struct {
	Addr     string `help:"HTTPS listen address (loopback only; port 0 picks a free port)." default:"127.0.0.1:0"`
	HTTPAddr string `name:"http-addr" help:"Also serve plain HTTP on this loopback address (SSE-C is refused there, as on AWS)." placeholder:"127.0.0.1:PORT"`
	Region   string `help:"Region the sandbox answers as." default:"us-east-1"`
}

func (c *serveCmd) Run(g *cli) error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	sb, err := sandbox.Start(ctx, sandbox.Options{Dir: g.Data, Addr: c.Addr, HTTPAddr: c.HTTPAddr, Region: c.Region, NoAttach: true})
	if err != nil {
		return err
	}
	for _, line := range sb.Env() {
		fmt.Println(line)
	}
	if sb.HTTPEndpoint() != "" {
		fmt.Println("# plain HTTP (no SSE-C): " + sb.HTTPEndpoint())
	}
	fmt.Println("# data: " + sb.Dir() + " · Ctrl+C stops the sandbox")
	<-ctx.Done()
	fmt.Fprintln(os.Stderr, "s3crypt: stopping the sandbox")
	return sb.Close()
}

func main() {
	var c cli
	k := kong.Parse(&c,
		kong.Name("s3crypt"),
		kong.Description("See and apply Amazon S3 encryption: SSE-S3, SSE-KMS, DSSE-KMS, SSE-C, bucket keys, client-side."),
		kong.UsageOnError(),
		kong.Bind(&c),
	)
	if err := k.Run(&c); err != nil {
		fmt.Fprintln(os.Stderr, "s3crypt: "+err.Error())
		os.Exit(1)
	}
}
