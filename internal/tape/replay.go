package tape

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/charmbracelet/vhs/parser"
	"github.com/charmbracelet/vhs/token"
	"github.com/charmbracelet/x/vt"
)

// Prompt is the shell prompt of a replay, VHS's own ("> ", which the
// virtual screen shows as ">" once trailing spaces are trimmed).
const Prompt = "> "

// escapeGap is how long nothing follows an Escape key: a terminal program
// can only tell a lone Escape from the start of an Alt+key or an escape
// sequence by the silence after it (VHS types keys TypingSpeed apart, so
// it always leaves one).
const escapeGap = 120 * time.Millisecond

// ErrMissingTool is wrapped by the error of a Require whose program is
// not on the replay's PATH.
var ErrMissingTool = errors.New("required program not found")

// Options configure a replay.
type Options struct {
	// Binary is the s3crypt binary the tape runs as `s3crypt`.
	Binary string
	// Tools maps a program name to the file to run for it (e.g. "aws" to
	// Debian's /usr/bin/aws, whatever else is first on PATH); each gets a
	// link in the replay's bin directory.
	Tools map[string]string
	// Screenshot is called at each Screenshot command with its path and
	// at the end of the tape with "" (after the last command). It may
	// poll r.Snapshot until the screen is what it expects.
	Screenshot func(ctx context.Context, r *Run, path string) error
	// Recorder, when set, receives frames (rendering): typing then
	// follows the tape's TypingSpeed and Sleep adds to the frame's
	// delay instead of sleeping. Without it, Type sends a whole string at
	// once and Sleep does nothing.
	Recorder Recorder
	// TimeoutScale multiplies every Wait timeout (a slow machine); 0 is 1.
	TimeoutScale float64
	// Log, when set, gets one line per command.
	Log func(format string, args ...any)
}

// Recorder receives the screens of a replay as frames, from more than
// one goroutine.
type Recorder interface {
	// Frame is the screen now; hidden tells a frame between Hide and
	// Show.
	Frame(s *Snapshot, hidden bool)
	// Pause holds the current frame d longer (a Sleep).
	Pause(d time.Duration)
}

// Run is one replay in progress.
type Run struct {
	tape *Tape
	opts Options
	term *term
	// Root is the replay's directory: HOME, TMPDIR, the bin directory.
	Root string

	typingSpeed time.Duration
	waitTimeout time.Duration
	waitPattern *regexp.Regexp
	ids         map[string]bool // key ids seen on screen (Scrub)
	ports       map[string]bool // loopback ports seen on screen (Scrub)
	hidden      atomic.Bool     // between Hide and Show; read by the frame sampler
	clipboard   string
	// inputGen is the screen's generation when input was last sent: a
	// Wait+Line only reads screens written after it, or a prompt still
	// showing before the shell echoed a command typed at once would
	// match at once.
	inputGen uint64
}

// Scrub replaces in text the random parts of the replay's own paths
// (the root's suffix, the names mktemp made in TMPDIR) with as many X's:
// whole, and the pieces of them a wrapped line or an overlapping dialog
// leaves (the tail of a name just before its "/", the head of one after
// "s3t-" or "tmp."). It also tags key ids and the pieces of ones the
// screen showed whole.
func (r *Run) Scrub(text string) string {
	rands := []string{strings.TrimPrefix(filepath.Base(r.Root), "s3t-")}
	if entries, err := os.ReadDir(filepath.Join(r.Root, "t")); err == nil {
		for _, e := range entries {
			if rnd, ok := strings.CutPrefix(e.Name(), "tmp."); ok && len(rnd) >= 6 {
				rands = append(rands, rnd)
			}
		}
	}
	pairs := make([]string, 0, 2*len(rands))
	for _, rnd := range rands {
		pairs = append(pairs, rnd, strings.Repeat("X", len(rnd)))
	}
	text = strings.NewReplacer(pairs...).Replace(text)
	xs := func(s string) string { return strings.Repeat("X", len(s)) }
	text = pathTail().ReplaceAllStringFunc(text, func(m string) string {
		tok := strings.TrimSuffix(m, "/")
		i := len(tok)
		for i > 0 && isAlnum(tok[i-1]) {
			i--
		}
		lead, tok := tok[:i], tok[i:]
		for _, rnd := range rands {
			if strings.HasSuffix(rnd, tok) {
				return lead + xs(tok) + "/"
			}
		}
		return m
	})
	text = pathHead().ReplaceAllStringFunc(text, func(m string) string {
		i := strings.IndexAny(m, "-.") + 1
		for _, rnd := range rands {
			if strings.HasPrefix(rnd, m[i:]) {
				return m[:i] + xs(m[i:])
			}
		}
		return m
	})
	// Ports: the tail of one cut off by a dialog, before its " --flag".
	for _, m := range portRe().FindAllStringSubmatch(text, -1) {
		r.ports[m[1]] = true
	}
	text = portTail().ReplaceAllStringFunc(text, func(m string) string {
		i := strings.IndexAny(m, "0123456789")
		digits := strings.TrimSuffix(m[i:], " --")
		for p := range r.ports {
			if strings.HasSuffix(p, digits) {
				return m[:i] + "<port> --"
			}
		}
		return m
	})
	// Key ids: remember every whole one the screen showed, then tag the
	// pieces of them a wrapped line or an overlapping dialog left.
	for _, id := range uuidRe().FindAllString(text, -1) {
		r.ids[id] = true
	}
	return idPiece().ReplaceAllStringFunc(text, func(m string) string {
		s := strings.Trim(m, boxChars)
		if len(strings.Trim(s, "-")) < 3 {
			return m
		}
		for id := range r.ids {
			if strings.Contains(id, s) {
				return strings.Replace(m, s, "<id>", 1)
			}
		}
		return m
	})
}

// boxChars are the box-drawing characters a dialog's or pane's border is
// drawn with; idPiece is a run of hex and hyphens touching one: what a
// border leaves visible of a key id (a number elsewhere is no id piece).
const boxChars = "─━│┃┄┅┆┇┈┉┊┋┌┍┎┏┐┑┒┓└┕┖┗┘┙┚┛├┝┞┟┠┡┢┣┤┥┦┧┨┩┪┫┬┭┮┯┰┱┲┳┴┵┶┷┸┹┺┻┼╋═║╔╗╚╝╭╮╯╰"

var idPiece = lazyRegexp(`[\x{2500}-\x{257F}][0-9a-f-]{3,}|[0-9a-f-]{3,}[\x{2500}-\x{257F}]`)

// pathTail is a path element's tail before its "/", where a wrapped line
// or a dialog's border cut it: at the start of a line, or after a space
// or a box-drawing character (inside a path, "08-sse-c/" is a whole name,
// whatever random name ends in "c"); pathHead the start of a random name
// after its fixed prefix.
var (
	pathTail = lazyRegexp(`(^|[\s\x{2500}-\x{257F}])[A-Za-z0-9]{1,10}/`)
	pathHead = lazyRegexp(`(s3t-|tmp\.)[A-Za-z0-9]{1,10}`)
)

// isAlnum reports whether c is an ASCII letter or digit.
func isAlnum(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

// portRe is a loopback port; portTail digits before " --" that follow
// neither a digit, a dot nor a colon (a port's tail, cut at its left).
var (
	portRe   = lazyRegexp(`(?:127\.0\.0\.1|localhost):(\d{2,5})\b`)
	portTail = lazyRegexp(`(^|[^0-9.:])\d{1,4} --`)
)

// uuidRe is a whole UUID (KMS key ids).
var uuidRe = lazyRegexp(`[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}`)

// Snapshot is the screen now.
func (r *Run) Snapshot() *Snapshot { return r.term.snapshot() }

// Changed returns a channel poked after the program wrote to the screen.
func (r *Run) Changed() <-chan struct{} { return r.term.changed }

// Replay runs tape's commands in a fresh shell and returns when the tape
// ends, a Wait times out, Screenshot fails or ctx ends.
func Replay(ctx context.Context, t *Tape, opts Options) (err error) {
	g, err := t.Geometry()
	if err != nil {
		return err
	}
	root, err := makeRoot()
	if err != nil {
		return err
	}
	defer func() {
		if rerr := os.RemoveAll(root); rerr != nil && err == nil {
			err = fmt.Errorf("remove the replay directory: %w", rerr)
		}
	}()
	env, err := setupRoot(root, t, opts)
	if err != nil {
		return err
	}
	r := &Run{tape: t, opts: opts, Root: root, ids: map[string]bool{}, ports: map[string]bool{}, typingSpeed: defaultTypingSpeed,
		waitTimeout: defaultWaitTimeout, waitPattern: regexp.MustCompile(defaultWaitPattern)}
	shell := []string{"/bin/bash", "--norc", "--noprofile", "-i"}
	r.term, err = startTerm(shell, filepath.Join(root, "home"), env, g.Cols, g.Rows)
	if err != nil {
		return err
	}
	defer func() {
		if cerr := r.term.close(); cerr != nil && err == nil {
			err = cerr
		}
	}()
	stopFrames := r.startFrames()
	defer stopFrames()
	// The first prompt, before any input (VHS waits for its terminal too).
	if err := r.wait(ctx, "Line", regexp.MustCompile(">$"), r.scaled(defaultWaitTimeout)); err != nil {
		return fmt.Errorf("the shell did not start: %w", err)
	}
	for _, c := range t.Commands {
		if opts.Log != nil {
			opts.Log("%s: %s", t.Name, describe(c))
		}
		if err := r.exec(ctx, c); err != nil {
			return fmt.Errorf("%s: %s: %w", t.Name, describe(c), err)
		}
	}
	if opts.Screenshot != nil {
		if err := opts.Screenshot(ctx, r, ""); err != nil {
			return fmt.Errorf("%s: at the end: %w", t.Name, err)
		}
	}
	return nil
}

// describe is a command as the tape spells it, near enough for a log.
func describe(c parser.Command) string {
	s := c.Type.String()
	if c.Options != "" {
		s += " " + c.Options
	}
	if c.Args != "" {
		s += " " + strconv.Quote(c.Args)
	}
	return s
}

// makeRoot makes the replay's directory. Its path has one length on
// every run (/tmp/s3t-<8 hex>), so that paths shown on screen, which the
// goldens normalise, never change a layout.
func makeRoot() (string, error) {
	var b [4]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("random name: %w", err)
	}
	base := "/tmp"
	if fi, err := os.Stat(base); err != nil || !fi.IsDir() {
		base = os.TempDir()
	}
	root := filepath.Join(base, "s3t-"+hex.EncodeToString(b[:]))
	if err := os.Mkdir(root, 0o700); err != nil {
		return "", fmt.Errorf("make the replay directory: %w", err)
	}
	return root, nil
}

// setupRoot makes HOME, TMPDIR and the bin directory under root and
// returns the shell's environment: nothing of the caller's but what a
// shell needs, so no AWS setting or colour preference leaks in.
func setupRoot(root string, t *Tape, opts Options) ([]string, error) {
	home, tmp, bin := filepath.Join(root, "home"), filepath.Join(root, "t"), filepath.Join(root, "bin")
	for _, d := range []string{home, tmp, bin, filepath.Join(home, ".config"), filepath.Join(home, ".cache"), filepath.Join(home, ".local", "share")} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			return nil, fmt.Errorf("make %s: %w", d, err)
		}
	}
	links := map[string]string{}
	if opts.Binary != "" {
		links["s3crypt"] = opts.Binary
	}
	for name, path := range opts.Tools {
		links[name] = path
	}
	for name, path := range links {
		if err := os.Symlink(path, filepath.Join(bin, name)); err != nil {
			return nil, fmt.Errorf("link %s: %w", name, err)
		}
	}
	env := []string{
		"PATH=" + bin + ":/usr/bin:/bin:/usr/sbin:/sbin:/usr/local/bin",
		"HOME=" + home, "TMPDIR=" + tmp,
		"XDG_CONFIG_HOME=" + filepath.Join(home, ".config"),
		"XDG_CACHE_HOME=" + filepath.Join(home, ".cache"),
		"XDG_DATA_HOME=" + filepath.Join(home, ".local", "share"),
		"PS1=" + Prompt, "PS2=", "HISTFILE=/dev/null",
		"TERM=xterm-256color", "COLORTERM=truecolor",
		"LANG=C.UTF-8", "LC_ALL=C.UTF-8",
	}
	for _, c := range t.Commands {
		if c.Type == token.ENV {
			env = append(env, c.Options+"="+c.Args)
		}
	}
	return env, nil
}

// scaled is d times the TimeoutScale.
func (r *Run) scaled(d time.Duration) time.Duration {
	if r.opts.TimeoutScale > 0 {
		return time.Duration(float64(d) * r.opts.TimeoutScale)
	}
	return d
}

// exec runs one command.
func (r *Run) exec(ctx context.Context, c parser.Command) error {
	switch c.Type {
	case token.SET:
		return r.set(c)
	case token.REQUIRE:
		return r.require(c.Args)
	case token.TYPE:
		return r.typeText(ctx, c.Args, c.Options)
	case token.SLEEP:
		d, err := time.ParseDuration(c.Args)
		if err != nil {
			return fmt.Errorf("bad duration: %w", err)
		}
		if r.opts.Recorder != nil {
			r.frame()
			r.opts.Recorder.Pause(d)
		}
		return nil
	case token.WAIT:
		scope, rx, _ := strings.Cut(c.Args, " ")
		re := r.waitPattern
		if rx != "" {
			var err error
			if re, err = regexp.Compile(rx); err != nil {
				return fmt.Errorf("bad pattern: %w", err)
			}
		}
		timeout := r.waitTimeout
		if c.Options != "" {
			d, err := time.ParseDuration(c.Options)
			if err != nil {
				return fmt.Errorf("bad timeout: %w", err)
			}
			timeout = d
		}
		return r.wait(ctx, scope, re, r.scaled(timeout))
	case token.HIDE, token.SHOW:
		r.frame()
		r.hidden.Store(c.Type == token.HIDE)
		return nil
	case token.SCREENSHOT:
		if r.opts.Screenshot == nil {
			return nil
		}
		return r.opts.Screenshot(ctx, r, c.Args)
	case token.COPY:
		r.clipboard = c.Args
		return nil
	case token.PASTE:
		return r.typeText(ctx, r.clipboard, "")
	case token.CTRL, token.ALT, token.SHIFT:
		k, err := modifiedKey(c)
		if err != nil {
			return err
		}
		return r.press(ctx, k, 1, c.Options)
	case token.OUTPUT, token.ENV, token.SOURCE:
		return nil // outputs are the renderer's; Env went into the shell's environment; Source is inlined by the parser
	}
	if k, ok := namedKeys[c.Type]; ok {
		n := 1
		if c.Args != "" {
			var err error
			if n, err = strconv.Atoi(c.Args); err != nil {
				return fmt.Errorf("bad repeat count %q", c.Args)
			}
		}
		return r.press(ctx, vt.KeyPressEvent{Code: k}, n, c.Options)
	}
	return fmt.Errorf("the replayer does not support %s", c.Type)
}

// namedKeys are VHS's key commands and the keys they press.
var namedKeys = map[parser.CommandType]rune{
	token.ENTER: vt.KeyEnter, token.BACKSPACE: vt.KeyBackspace, token.TAB: vt.KeyTab,
	token.ESCAPE: vt.KeyEscape, token.SPACE: vt.KeySpace, token.DELETE: vt.KeyDelete,
	token.INSERT: vt.KeyInsert, token.UP: vt.KeyUp, token.DOWN: vt.KeyDown,
	token.LEFT: vt.KeyLeft, token.RIGHT: vt.KeyRight, token.PAGE_UP: vt.KeyPgUp,
	token.PAGE_DOWN: vt.KeyPgDown,
}

// modifiedKey is the key of a Ctrl+…, Alt+… or Shift+… command.
func modifiedKey(c parser.Command) (vt.KeyPressEvent, error) {
	var k vt.KeyPressEvent
	switch c.Type {
	case token.ALT:
		k.Mod = vt.ModAlt
	case token.SHIFT:
		k.Mod = vt.ModShift
	default:
		k.Mod = vt.ModCtrl
	}
	for _, a := range strings.Fields(c.Args) {
		switch a {
		case "Alt":
			k.Mod |= vt.ModAlt
		case "Shift":
			k.Mod |= vt.ModShift
		case "Enter":
			k.Code = vt.KeyEnter
		case "Tab":
			k.Code = vt.KeyTab
		case "Space":
			k.Code = vt.KeySpace
		case "Backspace":
			k.Code = vt.KeyBackspace
		case "Up", "Down", "Left", "Right":
			k.Code = map[string]rune{"Up": vt.KeyUp, "Down": vt.KeyDown, "Left": vt.KeyLeft, "Right": vt.KeyRight}[a]
		default:
			r := []rune(a)
			if len(r) != 1 {
				return k, fmt.Errorf("the replayer cannot press %q", c.Args)
			}
			k.Code = r[0]
			if k.Mod&vt.ModCtrl != 0 && r[0] >= 'A' && r[0] <= 'Z' {
				k.Code = r[0] + ('a' - 'A') // Ctrl+S is Ctrl+s: a terminal sends one byte for both
			}
		}
	}
	if k.Code == 0 {
		return k, fmt.Errorf("no key in %q", c.Args)
	}
	return k, nil
}

// set applies the settings the replay follows; the others (fonts,
// theme, sizes) are read from the tape by Geometry or the renderer.
func (r *Run) set(c parser.Command) error {
	switch c.Options {
	case "TypingSpeed":
		d, err := time.ParseDuration(c.Args)
		if err != nil {
			return fmt.Errorf("bad TypingSpeed: %w", err)
		}
		r.typingSpeed = d
	case "WaitTimeout":
		d, err := time.ParseDuration(c.Args)
		if err != nil {
			return fmt.Errorf("bad WaitTimeout: %w", err)
		}
		r.waitTimeout = d
	case "WaitPattern":
		re, err := regexp.Compile(c.Args)
		if err != nil {
			return fmt.Errorf("bad WaitPattern: %w", err)
		}
		r.waitPattern = re
	case "Shell":
		if c.Args != "bash" {
			return fmt.Errorf("the replayer runs bash, not %q", c.Args)
		}
	}
	return nil
}

// require checks name is on the replay's PATH, as VHS checks its own.
func (r *Run) require(name string) error {
	bin := filepath.Join(r.Root, "bin")
	for _, dir := range []string{bin, "/usr/bin", "/bin", "/usr/sbin", "/sbin", "/usr/local/bin"} {
		p := filepath.Join(dir, name)
		if fi, err := os.Stat(p); err == nil && !fi.IsDir() && fi.Mode()&0o111 != 0 {
			return nil
		}
	}
	if _, err := exec.LookPath(name); err != nil || name == "s3crypt" {
		return fmt.Errorf("%w: %s", ErrMissingTool, name)
	}
	return fmt.Errorf("%w: %s (not on the replay's PATH)", ErrMissingTool, name)
}

// speed is the typing speed of a command with options opt.
func (r *Run) speed(opt string) time.Duration {
	if opt != "" {
		if d, err := time.ParseDuration(opt); err == nil {
			return d
		}
	}
	return r.typingSpeed
}

// typeText types s: at once when replaying, one character each typing
// interval when recording.
func (r *Run) typeText(ctx context.Context, s, opt string) error {
	r.inputGen = r.term.generation()
	if r.opts.Recorder == nil {
		r.term.sendText(s)
		return nil
	}
	d := r.speed(opt)
	for _, ch := range s {
		r.term.sendText(string(ch))
		if err := r.pace(ctx, d); err != nil {
			return err
		}
	}
	return nil
}

// press sends k n times.
func (r *Run) press(ctx context.Context, k vt.KeyPressEvent, n int, opt string) error {
	r.inputGen = r.term.generation()
	for range n {
		r.term.sendKey(k)
		d := time.Duration(0)
		if r.opts.Recorder != nil {
			d = r.speed(opt)
		}
		if k.Code == vt.KeyEscape && k.Mod == 0 {
			d = max(d, escapeGap)
		}
		if err := r.pace(ctx, d); err != nil {
			return err
		}
	}
	return nil
}

// pace waits d between keystrokes (the typing speed; the silence after
// Escape), and records the frame.
func (r *Run) pace(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
	}
	r.frame()
	return nil
}

// wait polls the screen (scope "Screen") or the cursor's line ("Line")
// until re matches, as VHS's Wait does, on every change and every 50 ms.
func (r *Run) wait(ctx context.Context, scope string, re *regexp.Regexp, timeout time.Duration) error {
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		s := r.term.snapshot()
		last := s.CurrentLine()
		if scope == "Screen" {
			last = s.Text()
		}
		if re.MatchString(last) && (scope == "Screen" || s.Gen > r.inputGen) {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-r.term.exited:
			return fmt.Errorf("the shell exited while waiting for /%s/; screen:\n%s", re, s.Text())
		case <-deadline.C:
			return fmt.Errorf("no /%s/ on the %s after %v; screen:\n%s", re, strings.ToLower(scope), timeout, s.Text())
		case <-r.term.changed:
		case <-tick.C:
		}
	}
}

// frame hands the recorder the screen now.
func (r *Run) frame() {
	if r.opts.Recorder != nil {
		r.opts.Recorder.Frame(r.term.snapshot(), r.hidden.Load())
	}
}

// startFrames, when recording, samples the screen at 20 frames a second
// whenever it changed, and returns the function that stops it.
func (r *Run) startFrames() func() {
	if r.opts.Recorder == nil {
		return func() {}
	}
	done, stopped := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(stopped)
		tick := time.NewTicker(50 * time.Millisecond)
		defer tick.Stop()
		var seen uint64
		for {
			select {
			case <-done:
				return
			case <-tick.C:
				if g := r.term.generation(); g != seen {
					seen = g
					r.frame()
				}
			}
		}
	}()
	return func() { close(done); <-stopped }
}
