package tape

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// header is a tape prelude that keeps every house rule.
const header = `Require s3crypt
Set Shell bash
Set FontSize 15
Set Width 1200
Set Height 660
`

func TestGeometryFollowsVHSCellSize(t *testing.T) {
	tp, err := Parse("x.tape", header)
	if err != nil {
		t.Fatal(err)
	}
	g, err := tp.Geometry()
	if err != nil {
		t.Fatal(err)
	}
	if g.Cols != 120 || g.Rows != 36 {
		t.Errorf("FontSize 15, 1200×660, padding 60: got %dx%d, want 120x36", g.Cols, g.Rows)
	}
	tp, _ = Parse("x.tape", "Set FontSize 22\nSet Padding 20\nSet LineHeight 1.5")
	if g, _ := tp.Geometry(); g.Cols != 87 || g.Rows != 16 {
		t.Errorf("VHS defaults with FontSize 22, padding 20, line height 1.5: got %dx%d, want 87x16", g.Cols, g.Rows)
	}
}

func TestParseReportsVHSErrors(t *testing.T) {
	if _, err := Parse("bad.tape", header+"Wait+Sideways /x/\n"); err == nil || !strings.Contains(err.Error(), "Wait+ expects Line or Screen") {
		t.Fatalf("got %v, want VHS's parse error", err)
	}
}

// freshXDGLine exports fresh lesson directories, as lesson tapes do.
const freshXDGLine = `Type 'export XDG_DATA_HOME="$(mktemp -d)" XDG_STATE_HOME="$(mktemp -d)"'` + "\nEnter\nWait\n"

func TestCheckRules(t *testing.T) {
	fresh := `Type 'D="$(mktemp -d)"'` + "\nEnter\nWait\n"
	cases := []struct {
		name, src, want string
	}{
		{"ok", header + fresh + `Type 's3crypt --data "$D"'` + "\nEnter\nWait+Screen /q quit/\nSleep 1s\nScreenshot a.png\n", ""},
		{"require first", "Set Shell bash\nRequire s3crypt\nSet FontSize 15\nSet Width 1200\nSet Height 660\n", "first command must be `Require s3crypt`"},
		{"no size", "Require s3crypt\nSet Shell bash\n", "Set FontSize is missing"},
		{"no bash", "Require s3crypt\nSet FontSize 15\nSet Width 1200\nSet Height 660\n", "Set Shell bash"},
		{"no data dir", header + "Type 's3crypt ls'\nEnter\nWait\n", "fresh data directory"},
		{"data dir not fresh", header + `Type 's3crypt ls --data "$HOME/x"'` + "\nEnter\nWait\n", "fresh data directory"},
		{"bare sleep", header + fresh + `Type 's3crypt --data "$D"'` + "\nEnter\nSleep 2s\nWait\n", "never a bare Sleep"},
		{"screenshot before wait", header + fresh + "Type 'ls'\nScreenshot a.png\nEnter\nWait\n", "never a bare Sleep"},
		{"no final wait", header + fresh + "Type 'ls'\nEnter\n", "must end with a Wait"},
		{"aws without require", header + fresh + "Type 'aws s3 ls'\nEnter\nWait\n", "Require aws"},
		{"learn without fresh xdg", header + "Type 's3crypt learn check 1'\nEnter\nWait\n", "export both"},
		{"lesson tape without fresh xdg", header + fresh + `Type 's3crypt --data "$D"'` + "\nEnter\nWait\n", "export both"},
		{"lesson tape with half the xdg", header + fresh + `Type 'export XDG_DATA_HOME="$(mktemp -d)"'` + "\nEnter\nWait\n" + `Type 's3crypt --data "$D"'` + "\nEnter\nWait\n", "export both"},
		{"lesson tape ok", header + freshXDGLine + `Type 's3crypt learn serve 1 > l.env & sleep 1; source l.env; s3crypt mb s3://lesson && s3crypt learn check 1'` + "\nEnter\nWait\n", ""},
		{"verb before learn serve", header + freshXDGLine + `Type 's3crypt mb s3://lesson'` + "\nEnter\nWait\n", "fresh data directory"},
		{"one of two commands without data", header + fresh + `Type 's3crypt mb s3://a --data "$D" && s3crypt ls'` + "\nEnter\nWait\n", "fresh data directory"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			name := c.name + ".tape"
			if strings.HasPrefix(c.name, "lesson tape") {
				name = "lesson-01-why-encrypt.tape"
			}
			tp, err := Parse(name, c.src)
			if err != nil {
				t.Fatal(err)
			}
			errs := CheckRules(tp)
			if c.want == "" {
				if len(errs) > 0 {
					t.Fatalf("a tape that keeps the rules: %v", errs)
				}
				return
			}
			for _, e := range errs {
				if strings.Contains(e.Error(), c.want) {
					return
				}
			}
			t.Fatalf("got %v, want an error saying %q", errs, c.want)
		})
	}
}

func TestNormalize(t *testing.T) {
	in := strings.Join([]string{
		"created      2026-12-07 21:11 UTC · modified 21:03 · 21:11:34.293 you → S3",
		"key/e32d24b6-e134-4fa6-a58a-5bf93a50b18a and key/83060538-",
		"4fa6-a58a-5bf93a50b18a then key/e32d24b6-e1… and 00000000… account",
		`etag "bbf0065421a09f2b738388792aa49efa" md5 Jm7HqC… MD5 of your key`,
		"SSE-C md5 wK8d/3f… and md5 Qz+7a01…",
		"22 B in 3ms (0.0 XX/s)",
		"https://127.0.0.1:41305 in 22ms (15.9 MB/s) bytes 20 00 ff ff 7c 4e 9e af",
		`"ServerSideEncryption": "aws:kms", blob qkxN/A+9Zx8fLw0aB1c2d3e4==   `,
		`"SSECustomerKeyMD5": "nT/xnpnRBmseR/WaSYuwVA==" under key/e32d24b6-e134-4fa6-a58a-5bf93a50b`,
		"18a, bucket key blob 109 bytes in tmp.XXXXXXXXXX/credentials.json key/e32d24b6-e134-4fa6-a58a-5bf93a50b18a",
		"21:59:03.984 S3",
		"  part 1       /d/blobs/3f/0a9b8c7d6e5f4a3b2c1d0e9f8a7b6c",
		"5 (41 bytes stored for 9)",
		"", "",
	}, "\n")
	want := strings.Join([]string{
		"created      <time> · modified <hh:mm> · <clock> you → S3",
		"key/<id> and key/<id>",
		"<id> then key/<id>… and <id>… account",
		`etag "<md5>" md5 <md5> MD5 of your key`,
		"SSE-C md5 <md5> and md5 <md5>",
		"22 B in <dur> (<rate>)",
		"https://127.0.0.1:<port> in <dur> (<rate>) bytes <bytes>",
		`"ServerSideEncryption": "aws:kms", blob <base64>`,
		`"SSECustomerKeyMD5": "<base64>" under key/<id>`,
		"<id>, bucket key blob 109 bytes in tmp.XXXXXXXXXX/credentials.json key/<id>",
		"<clock> S3",
		"  part 1       /d/blobs/<blob>",
		"<blob> (41 bytes stored for 9)",
	}, "\n") + "\n"
	if got := Normalize(in); got != want {
		t.Errorf("Normalize:\n%s\nwant:\n%s", got, want)
	}
}

// shellTape is a tape that needs only bash (Binary is a stand-in).
func shellTape(t *testing.T, body string) *Tape {
	t.Helper()
	tp, err := Parse(filepath.Join(t.TempDir(), "shell.tape"), header+body)
	if err != nil {
		t.Fatal(err)
	}
	return tp
}

func TestReplayComparesAndUpdatesGoldens(t *testing.T) {
	tp := shellTape(t, "Type 'echo hello from $((40+2))'\nEnter\nWait\nScreenshot shots/hello.png\n")
	dir := t.TempDir()
	g := Golden{Dir: dir, Settle: time.Second, Quiet: 200 * time.Millisecond}
	opts := Options{Binary: "/bin/true", Screenshot: g.Check}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := Replay(ctx, tp, opts); err == nil || !strings.Contains(err.Error(), "-update") {
		t.Fatalf("a replay without goldens: %v, want a hint to run -update", err)
	}
	g.Update = true
	opts.Screenshot = g.Check
	if err := Replay(ctx, tp, opts); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(dir, "shell", "hello.txt"))
	if err != nil {
		t.Fatal(err)
	}
	if want := "> echo hello from $((40+2))\nhello from 42\n>\n"; string(b) != want {
		t.Fatalf("golden %q, want %q", b, want)
	}
	g.Update = false
	opts.Screenshot = g.Check
	if err := Replay(ctx, tp, opts); err != nil {
		t.Fatalf("a replay against its own goldens: %v", err)
	}
	if err := os.WriteFile(filepath.Join(dir, "shell", "hello.txt"), []byte("> echo hello\nhello from 41\n>\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	err = Replay(ctx, tp, opts)
	if err == nil || !strings.Contains(err.Error(), "-hello from 41") || !strings.Contains(err.Error(), "+hello from 42") {
		t.Fatalf("a changed screen: %v, want a diff", err)
	}
}

func TestReplayWaitTimesOutWithTheScreen(t *testing.T) {
	tp := shellTape(t, "Type 'echo nothing'\nEnter\nWait+Screen@300ms /never/\n")
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	err := Replay(ctx, tp, Options{Binary: "/bin/true"})
	if err == nil || !strings.Contains(err.Error(), "no /never/ on the screen after 300ms") || !strings.Contains(err.Error(), "nothing") {
		t.Fatalf("got %v, want a timeout that shows the screen", err)
	}
}

func TestReplayKeysReachTheProgram(t *testing.T) {
	// read -n reads raw bytes: Ctrl+A, Tab, Escape, an arrow (legacy
	// encodings), shown by od.
	tp := shellTape(t, "Type 'read -rsn 6 k; printf %s \"$k\" | od -An -c'\nEnter\nCtrl+A\nTab\nUp\nBackspace\nWait /^>$/\n")
	var screen string
	opts := Options{Binary: "/bin/true", Screenshot: func(_ context.Context, r *Run, _ string) error {
		screen = r.Snapshot().Text()
		return nil
	}}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := Replay(ctx, tp, opts); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(screen, `001  \t 033   [   A 177`) {
		t.Fatalf("the keys arrived as:\n%s", screen)
	}
}

// TestScrubCutsOnlyPieces: Scrub replaces the random part of the replay's
// root where a wrapped line or a border cut it, never the end of a whole
// name that happens to end like it (lesson 8's "08-sse-c/" under a root
// whose random part ends in "c").
func TestScrubCutsOnlyPieces(t *testing.T) {
	r := &Run{Root: "/tmp/s3t-1234abcc", ids: map[string]bool{}, ports: map[string]bool{}}
	in := "part 1  /tmp/s3t-1234abcc/t/lessons/08-sse-c/data/blobs/ab\nbcc/t/x │abcc/t/y"
	want := "part 1  /tmp/s3t-XXXXXXXX/t/lessons/08-sse-c/data/blobs/ab\nXXX/t/x │XXXX/t/y"
	if got := r.Scrub(in); got != want {
		t.Errorf("Scrub:\n%s\nwant:\n%s", got, want)
	}
}
