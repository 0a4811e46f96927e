package cli

import (
	"context"
	"fmt"
	"io"
	"log"
	"os"

	"github.com/s3crypt/s3crypt/sandbox"
)

// ServeCmd is `s3crypt serve`.
type ServeCmd struct {
	Addr     string `help:"HTTPS listen address (loopback only; port 0 picks a free port)." default:"127.0.0.1:0"`
	HTTPAddr string `name:"http-addr" help:"Also serve plain HTTP on this loopback address (SSE-C is refused there, as on AWS)." placeholder:"127.0.0.1:PORT"`
	// StopWithStdin is how the terminal UI's child sandbox follows the UI
	// on every platform: the UI holds the other end of the pipe.
	StopWithStdin bool `name:"stop-with-stdin" hidden:"" help:"Stop when standard input ends."`
	// after are lines printed after the export lines (`learn serve`'s).
	after []string `kong:"-"`
}

// Run implements the verb: it serves until ctx ends (SIGINT/SIGTERM).
func (c *ServeCmd) Run(ctx context.Context, g *Globals) error {
	if c.StopWithStdin {
		var cancel context.CancelFunc
		ctx, cancel = context.WithCancel(ctx)
		defer cancel()
		go func() {
			_, _ = io.Copy(io.Discard, os.Stdin)
			cancel()
		}()
	}
	region := g.Region
	sb, err := sandbox.Start(ctx, sandbox.Options{Dir: g.Data, Addr: c.Addr, HTTPAddr: c.HTTPAddr, Region: region, NoAttach: true,
		ErrorLog: log.New(g.errw(), "s3crypt serve: ", log.LstdFlags)})
	if err != nil {
		return err
	}
	w := g.out()
	for _, line := range sb.Env() {
		fmt.Fprintln(w, line)
	}
	if sb.HTTPEndpoint() != "" {
		fmt.Fprintln(w, "# plain HTTP (no SSE-C): "+sb.HTTPEndpoint())
	}
	for _, line := range c.after {
		fmt.Fprintln(w, line)
	}
	fmt.Fprintln(w, "# data: "+sb.Dir()+" · Ctrl+C stops the sandbox")
	<-ctx.Done()
	fmt.Fprintln(g.errw(), "s3crypt: stopping the sandbox")
	return sb.Close()
}
