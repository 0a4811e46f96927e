package cli

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/s3crypt/s3crypt/internal/tape"
)

// TapeCmd is `s3crypt tape`: the demo tapes under vhs/.
type TapeCmd struct {
	Render TapeRenderCmd `cmd:"" help:"Replay a VHS tape against this s3crypt in a virtual terminal and render it to an animated GIF (and a PNG at each Screenshot), with no browser."`
}

// TapeRenderCmd is `s3crypt tape render TAPE -o OUT.gif`.
type TapeRenderCmd struct {
	Tape          string `arg:"" help:"The tape (a VHS .tape file, e.g. vhs/tour.tape)." type:"existingfile"`
	Output        string `short:"o" help:"The GIF to write (default: the tape's Output .gif)." placeholder:"FILE.gif"`
	NoScreenshots bool   `name:"no-screenshots" help:"Do not write the PNGs the tape's Screenshot commands name."`
	Verbose       bool   `short:"v" help:"Print each command as it runs (standard error)."`
}

// Run implements the verb. The tape's shell finds this very binary as
// `s3crypt`, and Debian's /usr/bin/aws as `aws` when it exists.
func (c *TapeRenderCmd) Run(ctx context.Context, g *Globals) error {
	t, err := tape.Load(c.Tape)
	if err != nil {
		return err
	}
	out := c.Output
	if out == "" {
		out = tapeOutput(t)
	}
	if out == "" || filepath.Ext(out) != ".gif" {
		return usage("name the GIF to write with -o FILE.gif (the tape has no Output .gif)")
	}
	self, err := os.Executable()
	if err != nil {
		return fmt.Errorf("find this s3crypt binary: %w", err)
	}
	tools := map[string]string{}
	for _, name := range t.Requires() {
		if name == "s3crypt" {
			continue
		}
		path, err := exec.LookPath(name)
		if name == "aws" {
			if _, serr := os.Stat("/usr/bin/aws"); serr == nil {
				path, err = "/usr/bin/aws", nil
			}
		}
		if err != nil {
			return fmt.Errorf("the tape requires %s, which is not installed: %w", name, err)
		}
		tools[name] = path
	}
	var buf bytes.Buffer
	opts := tape.RenderOptions{Binary: self, Tools: tools, GIF: &buf}
	if !c.NoScreenshots {
		opts.Screenshot = func(path string) (io.WriteCloser, error) {
			if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
				return nil, fmt.Errorf("make the screenshot directory: %w", err)
			}
			f, err := os.Create(path) //nolint:gosec // the path the tape names
			if err != nil {
				return nil, fmt.Errorf("create screenshot: %w", err)
			}
			fmt.Fprintln(g.errw(), "screenshot "+path)
			return f, nil
		}
	}
	if c.Verbose {
		opts.Log = func(format string, args ...any) { fmt.Fprintf(g.errw(), format+"\n", args...) }
	}
	if err := tape.Render(ctx, t, opts); err != nil {
		return err
	}
	// Written only once the replay succeeded: a failed tape leaves the
	// previous GIF in place, never half of one.
	if err := writeFileAtomic(out, buf.Bytes()); err != nil {
		return err
	}
	fmt.Fprintf(g.out(), "rendered %s (%d KiB)\n", out, (buf.Len()+1023)/1024)
	return nil
}

// tapeOutput is the tape's last Output with a .gif name.
func tapeOutput(t *tape.Tape) string {
	out := ""
	for _, c := range t.Commands {
		if c.Type == "OUTPUT" && strings.HasSuffix(c.Args, ".gif") {
			out = c.Args
		}
	}
	return out
}

// writeFileAtomic writes b to path through a temporary file renamed over
// it.
func writeFileAtomic(path string, b []byte) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return fmt.Errorf("make %s: %w", dir, err)
	}
	f, err := os.CreateTemp(dir, ".tape-*.gif")
	if err != nil {
		return fmt.Errorf("create the GIF: %w", err)
	}
	_, werr := f.Write(b)
	cerr := f.Close()
	if err := errors.Join(werr, cerr); err != nil {
		_ = os.Remove(f.Name())
		return fmt.Errorf("write the GIF: %w", err)
	}
	if err := os.Chmod(f.Name(), 0o644); err != nil { //nolint:gosec // a picture for the README
		_ = os.Remove(f.Name())
		return fmt.Errorf("write the GIF: %w", err)
	}
	if err := os.Rename(f.Name(), path); err != nil {
		_ = os.Remove(f.Name())
		return fmt.Errorf("write the GIF: %w", err)
	}
	return nil
}
