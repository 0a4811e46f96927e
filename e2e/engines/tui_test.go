package engines

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/s3crypt/s3crypt/internal/tape"
	"github.com/s3crypt/s3crypt/internal/testtool"
)

// tuiTape drives the terminal UI against SeaweedFS (AWS_ENDPOINT_URL and
// the engine's CA and credentials exported in the shell): the buckets
// view, C (the endpoint check's table, DSSE-KMS refused), the bucket's
// objects with their encryption, and an upload whose form marks DSSE-KMS
// as refused before anything is sent, then uploads with SSE-S3.
const tuiTape = `Require s3crypt
Set Shell bash
Set FontSize 15
Set Width 1200
Set Height 660
Set Padding 60
Set WaitTimeout 180s

Hide
Type 'export AWS_ENDPOINT_URL=%[1]s AWS_CA_BUNDLE=%[2]s AWS_ACCESS_KEY_ID=%[3]s AWS_SECRET_ACCESS_KEY=%[4]s AWS_REGION=us-east-1 AWS_EC2_METADATA_DISABLED=true && clear'
Enter
Wait
Show

Type 's3crypt'
Enter
Wait+Screen /q quit/
Type "2"
Wait+Screen /▸ tui /
Type "C"
Wait+Screen /What https:\S+ supports/
Wait+Screen /DSSE-KMS +✗ refused/
Wait+Screen /SSE-S3 +✓ supported/
Escape
Wait+Screen /q quit/
Wait+Screen /▸ tui /
Enter
Wait+Screen /first\.txt .*SSE-S3/
Type "u"
Wait+Screen /Upload to s3:\/\/tui\//
Wait+Screen /DSSE-KMS ✗ refused here/
Type "%[5]s"
Down 2
Right 1
Wait+Screen /◉ SSE-S3 /
Ctrl+S
Wait+Screen /✓ upload from-tui\.bin/
Type "q"
Wait
`

// TestSeaweedFSTerminalUI replays tuiTape in a virtual terminal against
// SeaweedFS, then reads the uploaded object back with the CLI, byte for
// byte.
func TestSeaweedFSTerminalUI(t *testing.T) {
	sw := sharedSeaweed(t)
	c := cliFor(t, sw)
	c.must("mb", "s3://tui")
	c.must("put", c.file("first.txt", []byte("an object made by the CLI\n")), "s3://tui/first.txt", "--sse", "AES256")
	data := randomBytes(200 << 10)
	src := c.file("from-tui.bin", data)
	tp, err := tape.Parse("engine-tui.tape", fmt.Sprintf(tuiTape, sw.HTTPS, sw.CAFile, sw.AccessKey, sw.SecretKey, src))
	if err != nil {
		t.Fatal(err)
	}
	var last string
	opts := tape.Options{Binary: testtool.BuildBinary(t), Tools: map[string]string{}, TimeoutScale: 2,
		Screenshot: func(_ context.Context, r *tape.Run, _ string) error {
			last = r.Snapshot().Text()
			return nil
		},
		Log: func(format string, args ...any) { t.Logf(format, args...) }}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	if err := tape.Replay(ctx, tp, opts); err != nil {
		t.Fatalf("replay: %v\nlast screen:\n%s", err, last)
	}
	var h headJSON
	jsonField(t, c.must("head", "s3://tui/from-tui.bin", "--json"), &h)
	if h.ServerSideEncryption != "AES256" {
		t.Errorf("the TUI's SSE-S3 upload: head says %+v", h)
	}
	out := filepath.Join(c.home, "from-tui.out")
	c.must("get", "s3://tui/from-tui.bin", out)
	sameFile(t, out, data)
	if strings.Contains(c.must("ls"), "s3crypt-check-") {
		t.Errorf("the TUI's endpoint check left its scratch bucket")
	}
}
