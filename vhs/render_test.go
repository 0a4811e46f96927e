package vhs

import (
	"bytes"
	"context"
	"errors"
	"image/gif"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/s3crypt/s3crypt/internal/tape"
	"github.com/s3crypt/s3crypt/internal/testtool"
)

// The tour's terminal: 120×36 cells of Go Mono at 15 px (9×18) inside a
// 12 px padding.
const (
	tourWidth  = 120*9 + 2*12
	tourHeight = 36*18 + 2*12
)

// TestTourRendersToGIF replays the tour into a film, checks its frames
// show the flow panel lighting up, renders the GIF and decodes it.
func TestTourRendersToGIF(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("replays the tour against the built binary")
	}
	bin := testtool.BuildBinary(t)
	tp, err := tape.Load("tour.tape")
	if err != nil {
		t.Fatal(err)
	}
	film := &tape.Film{}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	if err := tape.Replay(ctx, tp, tape.Options{Binary: bin, Recorder: film, TimeoutScale: 2}); err != nil {
		t.Fatal(err)
	}
	frames := film.Frames(3 * time.Second)
	var flow, stored bool
	for _, f := range frames {
		s := f.Snap.Text()
		flow = flow || strings.Contains(s, "Flow · SSE-KMS + bucket key upload")
		stored = stored || strings.Contains(s, "S3 stored the object")
	}
	if !flow || !stored {
		t.Errorf("no frame shows the flow panel of the upload (flow %v, stored %v) in %d frames", flow, stored, len(frames))
	}
	rd, err := tape.NewRenderer(15)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := rd.GIF(&buf, frames); err != nil {
		t.Fatal(err)
	}
	checkGIF(t, "the rendered tour", buf.Bytes())
}

// TestCommittedTourGIF checks the GIF the README shows: it decodes, has
// the tour's size and frames, stays small, and the README shows it.
func TestCommittedTourGIF(t *testing.T) {
	t.Parallel()
	b, err := os.ReadFile("../docs/tour.gif")
	if err != nil {
		t.Fatal(err)
	}
	if len(b) > 2<<20 {
		t.Errorf("docs/tour.gif is %d KiB; keep it under 2 MiB", len(b)>>10)
	}
	checkGIF(t, "docs/tour.gif", b)
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(readme), "](docs/tour.gif)") {
		t.Error("README.md does not show docs/tour.gif")
	}
}

// checkGIF decodes an animated GIF of the tour and checks its size,
// frame count and length.
func checkGIF(t *testing.T, what string, b []byte) {
	t.Helper()
	g, err := gif.DecodeAll(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("%s does not decode: %v", what, err)
	}
	if g.Config.Width != tourWidth || g.Config.Height != tourHeight {
		t.Errorf("%s is %dx%d, want %dx%d", what, g.Config.Width, g.Config.Height, tourWidth, tourHeight)
	}
	if n := len(g.Image); n < 40 {
		t.Errorf("%s has %d frames, want at least 40 (typing, dialogs, the flow lighting up)", what, n)
	}
	if r := g.Image[0].Bounds(); r.Dx() != tourWidth || r.Dy() != tourHeight {
		t.Errorf("%s: the first frame is %v, want the whole picture", what, r)
	}
	total := 0
	for _, d := range g.Delay {
		total += d
	}
	if s := float64(total) / 100; s < 15 || s > 60 {
		t.Errorf("%s plays %.1f s, want a tour of 15–60 s", what, s)
	}
}

// TestTapeRenderVerb runs `s3crypt tape render` on a small tape: it
// writes the GIF and the Screenshot's PNG; without a GIF to write it is a
// usage error; a tape whose Wait fails writes nothing.
func TestTapeRenderVerb(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("runs the built binary")
	}
	bin := testtool.BuildBinary(t)
	dir := t.TempDir()
	shot := filepath.Join(dir, "shots", "ls.png")
	src := `Require s3crypt
Set Shell bash
Set FontSize 15
Set Width 840
Set Height 420
Type 'D="$(mktemp -d)" && s3crypt mb s3://demo --data "$D"'
Enter
Wait
Screenshot "` + shot + "\"\n"
	write := func(name, s string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(s), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	ok := write("ok.tape", src)
	out := filepath.Join(dir, "ok.gif")
	run := func(args ...string) (int, string) {
		cmd := exec.Command(bin, args...)
		b, err := cmd.CombinedOutput()
		var ee *exec.ExitError
		if err != nil && !errors.As(err, &ee) {
			t.Fatal(err)
		}
		return cmd.ProcessState.ExitCode(), string(b)
	}
	if code, msg := run("tape", "render", ok, "-o", out); code != 0 {
		t.Fatalf("tape render: exit %d: %s", code, msg)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	g, err := gif.DecodeAll(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("the GIF does not decode: %v", err)
	}
	if w, h := 80*9+24, 20*18+24; g.Config.Width != w || g.Config.Height != h || len(g.Image) < 2 {
		t.Errorf("GIF %dx%d with %d frames, want %dx%d and frames", g.Config.Width, g.Config.Height, len(g.Image), w, h)
	}
	f, err := os.Open(shot)
	if err != nil {
		t.Fatalf("no screenshot: %v", err)
	}
	defer f.Close()
	if _, err := png.Decode(f); err != nil {
		t.Errorf("the screenshot does not decode: %v", err)
	}
	if code, msg := run("tape", "render", ok); code != 2 || !strings.Contains(msg, "-o FILE.gif") {
		t.Errorf("no GIF to write: exit %d, %q; want a usage error", code, msg)
	}
	bad := write("bad.tape", strings.Replace(src, "Wait\n", "Wait+Screen@1s /never shown/\n", 1))
	badOut := filepath.Join(dir, "bad.gif")
	if code, msg := run("tape", "render", bad, "-o", badOut); code != 1 || !strings.Contains(msg, "never shown") {
		t.Errorf("a failing Wait: exit %d, %q; want exit 1 naming the pattern", code, msg)
	}
	if _, err := os.Stat(badOut); err == nil {
		t.Error("a failed replay wrote a GIF")
	}
}
