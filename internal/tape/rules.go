package tape

import (
	"fmt"
	"regexp"

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
var (
	runsS3crypt = regexp.MustCompile(`(^|[\s;&|(])s3crypt(\s|$)`)
	dataFlag    = regexp.MustCompile(`--data[ =]("?\$\(mktemp -d\)"?|"?\$\{?(\w+)\}?"?)`)
	mktempVar   = regexp.MustCompile(`(\w+)="?\$\(mktemp -d\)`)
	runsAWS     = regexp.MustCompile(`(^|[\s;&|(])aws\s`)
)

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
	pending := false           // input since the last Wait
	lastInput, lastWait := -1, -1
	for i := range t.Commands {
		c := &t.Commands[i]
		switch {
		case c.Type == token.TYPE:
			for _, m := range mktempVar.FindAllStringSubmatch(c.Args, -1) {
				fresh[m[1]] = true
			}
			if runsS3crypt.MatchString(c.Args) {
				m := dataFlag.FindStringSubmatch(c.Args)
				if m == nil || (m[2] != "" && !fresh[m[2]]) {
					bad(i, c, "s3crypt must run on a fresh data directory: --data \"$(mktemp -d)\" or a variable set from it earlier")
				}
			}
			if runsAWS.MatchString(c.Args) && !requires["aws"] {
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
