package tape

import (
	"fmt"
	"strings"

	"github.com/charmbracelet/vhs/parser"
	"github.com/charmbracelet/vhs/token"
)

// House rules of s3crypt's tapes, so that each replays the same way every
// time and in real VHS:
//
//  1. `Require s3crypt` is the first command (Output aside).
//  2. The tape states its terminal: Set FontSize, Width and Height (see
//     Geometry for the mapping to columns and rows), and runs bash.
//  3. Every s3crypt it types runs on a fresh data directory: `--data`
//     with `$(mktemp -d)` or a variable an earlier Type set from it.
//  4. Wait, never a bare Sleep, after input that changes the screen: once
//     a key was pressed, a Sleep or Screenshot must follow a Wait; and
//     the tape ends with a Wait after its last input.
//  5. A tape that types an aws command Requires aws.
//  6. Lessons keep their sandbox under $XDG_DATA_HOME and their progress
//     under $XDG_STATE_HOME: a lesson tape (lesson-NN-….tape), and any
//     tape that runs `s3crypt learn`, first exports both from
//     `$(mktemp -d)` (VHS's Env takes no command, so a Type does it), so
//     that it never touches (nor depends on) the lessons of whoever runs
//     it. `s3crypt learn serve` then exports S3CRYPT_DATA, the lesson's
//     fresh data directory: an s3crypt verb after sourcing those exports
//     may run without --data (it defaults to $S3CRYPT_DATA).
var (
	runsS3crypt = lazyRegexp(`(^|[\s;&|(])s3crypt(\s|$)`)
	dataFlag    = lazyRegexp(`--data[ =]("?\$\(mktemp -d\)"?|"?\$\{?(\w+)\}?"?)`)
	mktempVar   = lazyRegexp(`(\w+)="?\$\(mktemp -d\)`)
	runsAWS     = lazyRegexp(`(^|[\s;&|(])aws\s`)
	freshXDG    = lazyRegexp(`(XDG_DATA_HOME|XDG_STATE_HOME)="?\$\(mktemp -d\)`)
	runsLearn   = lazyRegexp(`(^|[\s;&|(])s3crypt\s+learn(\s|$)`)
	learnServe  = lazyRegexp(`(^|[\s;&|(])s3crypt\s+learn\s+serve\s`)
	// cmdSep splits a typed line into its commands (near enough: no
	// quoting), so that each s3crypt in it is checked on its own.
	cmdSep = lazyRegexp(`&&|\|\||[;&|]`)
)

// IsLessonTape reports whether the tape solves a lesson: lesson-<ID>.tape,
// where <ID> is the lesson's id (e.g. lesson-04-kms-encrypt-decrypt.tape).
func (t *Tape) IsLessonTape() bool { return strings.HasPrefix(t.Name, "lesson-") }

// LessonID is the id of the lesson a lesson tape solves ("" for another
// tape).
func (t *Tape) LessonID() string {
	id, _ := strings.CutPrefix(t.Name, "lesson-")
	if !t.IsLessonTape() {
		return ""
	}
	return id
}

// CheckRules returns every house rule the tape breaks, with the command.
func CheckRules(t *Tape) []error {
	var errs []error
	bad := func(i int, c *parser.Command, format string, args ...any) {
		where := t.Path
		if c != nil {
			where = fmt.Sprintf("%s: command %d (%s)", t.Path, i+1, describe(*c))
		}
		errs = append(errs, fmt.Errorf("%s: %s", where, fmt.Sprintf(format, args...)))
	}
	first := -1
	for i, c := range t.Commands {
		if c.Type != token.OUTPUT {
			first = i
			break
		}
	}
	if first < 0 || t.Commands[first].Type != token.REQUIRE || t.Commands[first].Args != "s3crypt" {
		bad(0, nil, "the first command must be `Require s3crypt`")
	}
	for _, s := range []string{"FontSize", "Width", "Height"} {
		if _, ok := t.Settings[s]; !ok {
			bad(0, nil, "Set %s is missing: the replayer sizes its terminal from FontSize, Width and Height", s)
		}
	}
	if sh := t.Settings["Shell"]; sh != "bash" {
		bad(0, nil, "Set Shell bash is missing (the replayer runs bash)")
	}
	if _, err := t.Geometry(); err != nil {
		bad(0, nil, "%v", err)
	}
	requires := map[string]bool{}
	for _, r := range t.Requires() {
		requires[r] = true
	}
	fresh := map[string]bool{} // variables set from mktemp -d
	xdgWarned := false
	pending := false // input since the last Wait
	lastInput, lastWait := -1, -1
	for i := range t.Commands {
		c := &t.Commands[i]
		switch {
		case c.Type == token.TYPE:
			for _, m := range mktempVar().FindAllStringSubmatch(c.Args, -1) {
				fresh[m[1]] = true
			}
			for _, m := range freshXDG().FindAllStringSubmatch(c.Args, -1) {
				fresh[m[1]] = true
			}
			xdg := fresh["XDG_DATA_HOME"] && fresh["XDG_STATE_HOME"]
			if runsS3crypt().MatchString(c.Args) && (t.IsLessonTape() || runsLearn().MatchString(c.Args)) && !xdg && !xdgWarned {
				xdgWarned = true
				bad(i, c, "lessons live under XDG_DATA_HOME and XDG_STATE_HOME: export both from \"$(mktemp -d)\" before the first s3crypt")
			}
			for _, part := range cmdSep().Split(c.Args, -1) {
				if learnServe().MatchString(part+" ") && xdg {
					fresh["S3CRYPT_DATA"] = true
				}
				if !runsS3crypt().MatchString(part) || runsLearn().MatchString(part) {
					continue // s3crypt learn runs on the lesson's directory under the (fresh) XDG_DATA_HOME
				}
				m := dataFlag().FindStringSubmatch(part)
				if m == nil && fresh["S3CRYPT_DATA"] {
					continue // --data defaults to $S3CRYPT_DATA, which `s3crypt learn serve` exported
				}
				if m == nil || (m[2] != "" && !fresh[m[2]]) {
					bad(i, c, "s3crypt must run on a fresh data directory: --data \"$(mktemp -d)\" or a variable set from it earlier")
					break
				}
			}
			if runsAWS().MatchString(c.Args) && !requires["aws"] {
				bad(i, c, "the tape runs aws without `Require aws`")
			}
			pending, lastInput = true, i
		case isInput(c.Type):
			pending, lastInput = true, i
		case c.Type == token.WAIT:
			pending, lastWait = false, i
		case c.Type == token.SLEEP, c.Type == token.SCREENSHOT:
			if pending && (c.Type == token.SCREENSHOT || t.Commands[lastInput].Type != token.TYPE) {
				bad(i, c, "the screen changed after command %d: Wait for what it shows first (never a bare Sleep)", lastInput+1)
			}
		}
	}
	if lastInput > lastWait {
		bad(lastInput, &t.Commands[lastInput], "the tape must end with a Wait after its last input")
	}
	return errs
}

// isInput reports whether commands of type ct send input.
func isInput(ct parser.CommandType) bool {
	if ct == token.CTRL || ct == token.ALT || ct == token.SHIFT || ct == token.PASTE {
		return true
	}
	_, ok := namedKeys[ct]
	return ok
}
