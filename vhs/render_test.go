package vhs

import (
	"bytes"
	"context"
	"image/gif"
	"os"
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
