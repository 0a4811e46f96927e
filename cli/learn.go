package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/s3crypt/s3crypt/awsclient"
	"github.com/s3crypt/s3crypt/learn"
	"github.com/s3crypt/s3crypt/sandbox"
	"github.com/s3crypt/s3crypt/sandbox/store"
)

// LearnCmd is `s3crypt learn`: the guided lessons, for terminals without
// the TUI and for scripts. Each lesson has its own sandbox data directory
// (learn.DataDir) and its progress under the XDG state home.
type LearnCmd struct {
	List  LearnListCmd  `cmd:"" default:"1" help:"List the lessons with your progress."`
	Show  LearnShowCmd  `cmd:"" help:"Print a lesson: its text and each step with the ways to do it."`
	Check LearnCheckCmd `cmd:"" help:"Check a lesson's steps against its sandbox (exit 0 only when all pass)."`
	Serve LearnServeCmd `cmd:"" help:"Serve a lesson's sandbox for the aws CLI and s3crypt verbs, printing the export lines."`
	Reset LearnResetCmd `cmd:"" help:"Forget a lesson's progress and start its sandbox afresh."`
}

// lessonArg is a lesson named by id or number.
type lessonArg struct {
	ID string `arg:"" name:"lesson" help:"The lesson: its number (3) or id (03-envelope-encryption)."`
}

func (a lessonArg) lesson() (learn.Lesson, error) {
	l, ok := learn.Find(a.ID)
	if !ok {
		return l, usage("no lesson %q: `s3crypt learn` lists them", a.ID)
	}
	return l, nil
}

// LearnListCmd is `s3crypt learn` / `s3crypt learn list`.
type LearnListCmd struct{}

// Run implements the verb.
func (c *LearnListCmd) Run(g *Globals) error {
	type row struct {
		Number      int
		ID, Title   string
		Coming      bool
		Steps       int
		StepsPassed int
		Current     int
	}
	var rows []row
	for _, l := range learn.Lessons() {
		r := row{Number: l.Number, ID: l.ID, Title: l.Title, Coming: l.Coming, Steps: len(l.Steps)}
		p, err := learn.LoadProgress(l.ID)
		if err != nil {
			g.warn(err.Error())
		}
		for i, ok := range p.Passed {
			if ok && i < r.Steps {
				r.StepsPassed++
			}
		}
		r.Current = p.Current + 1
		rows = append(rows, r)
	}
	if g.JSON {
		return writeJSON(g.out(), map[string]any{"Lessons": rows})
	}
	w := g.out()
	for _, r := range rows {
		var state string
		switch {
		case r.Coming:
			state = "coming"
		case r.StepsPassed == r.Steps:
			state = fmt.Sprintf("done (%d steps)", r.Steps)
		case r.StepsPassed == 0:
			state = fmt.Sprintf("%d steps", r.Steps)
		default:
			state = fmt.Sprintf("%d/%d steps", r.StepsPassed, r.Steps)
		}
		fmt.Fprintf(w, "%3d  %-48s %s\n", r.Number, r.Title, state)
	}
	fmt.Fprintln(w, "\nStart with: s3crypt learn show 1")
	return nil
}

// LearnShowCmd is `s3crypt learn show ID`.
type LearnShowCmd struct {
	lessonArg
	Hints   bool `help:"Also print each step's hint."`
	Explain bool `help:"Also print what each step teaches once done (and the blog post's mistakes)."`
}

// Run implements the verb.
func (c *LearnShowCmd) Run(g *Globals) error {
	l, err := c.lesson()
	if err != nil {
		return err
	}
	if g.JSON {
		return writeJSON(g.out(), l)
	}
	w := g.out()
	fmt.Fprintf(w, "Lesson %d · %s\n\n%s\n", l.Number, l.Title, l.Text)
	if l.Coming {
		fmt.Fprintln(w, "\nThis lesson is coming: the capabilities it needs are not in s3crypt yet.")
		return nil
	}
	fmt.Fprintf(w, "\nRun the s3crypt and aws lines in a shell where you pasted the export lines of\n`s3crypt learn serve %d` (it serves this lesson's own sandbox; leave it running).\n", l.Number)
	for i, s := range l.Steps {
		fmt.Fprintf(w, "\nStep %d. %s\n", i+1, s.Goal)
		if s.Setup != "" {
			fmt.Fprintf(w, "  first:   %s\n", s.Setup)
		}
		for _, way := range []struct{ name, line string }{{"TUI", s.Ways.TUI}, {"s3crypt", s.Ways.S3crypt}, {"aws", s.Ways.AWS}} {
			if way.line != "" {
				fmt.Fprintf(w, "  %-8s %s\n", way.name+":", way.line)
			}
		}
		if c.Hints && s.Hint != "" {
			fmt.Fprintf(w, "  hint:    %s\n", indent(s.Hint, "           "))
		}
		if c.Explain {
			fmt.Fprintf(w, "  then:    %s\n", indent(s.Explain, "           "))
			if s.Erratum != "" {
				fmt.Fprintf(w, "  blog:    %s\n", indent(s.Erratum, "           "))
			}
		}
	}
	fmt.Fprintf(w, "\nCheck your work: s3crypt learn check %d\n", l.Number)
	return nil
}

func indent(s, pad string) string {
	return strings.ReplaceAll(strings.TrimSpace(s), "\n", "\n"+pad)
}

// LearnCheckCmd is `s3crypt learn check ID`.
type LearnCheckCmd struct {
	lessonArg
	Step    int           `name:"step" help:"Check only step N (exit 0 when it passes)." placeholder:"N"`
	Timeout time.Duration `name:"timeout" default:"60s" help:"Give up after this long."`
}

// stepJSON is one step of `learn check --json`.
type checkStepJSON struct {
	Step   int
	Goal   string
	Check  string
	Passed bool
	Why    string
}

// Run implements the verb.
func (c *LearnCheckCmd) Run(ctx context.Context, g *Globals) error {
	l, err := c.lesson()
	if err != nil {
		return err
	}
	if l.Coming {
		return fmt.Errorf("lesson %d is coming: it has nothing to check yet", l.Number)
	}
	if c.Step < 0 || c.Step > len(l.Steps) {
		return usage("lesson %d has steps 1 to %d", l.Number, len(l.Steps))
	}
	ctx, cancel := context.WithTimeout(ctx, c.Timeout)
	defer cancel()
	b, err := openLesson(ctx, l.ID)
	if err != nil {
		return err
	}
	defer b.Close()
	rs, err := learn.Check(ctx, b, l)
	if err != nil {
		return fmt.Errorf("check lesson %d: %w", l.Number, err)
	}
	p, perr := learn.LoadProgress(l.ID)
	if perr != nil {
		g.warn(perr.Error())
	}
	if p.Record(rs) {
		p.Updated = time.Now().UTC()
		if err := learn.SaveProgress(p); err != nil {
			g.warn(err.Error())
		}
	}
	if c.Step > 0 {
		rs = rs[c.Step-1 : c.Step]
	}
	passed := 0
	var steps []checkStepJSON
	for _, r := range rs {
		if r.Passed {
			passed++
		}
		steps = append(steps, checkStepJSON{Step: r.Step + 1, Goal: l.Steps[r.Step].Goal, Check: l.Steps[r.Step].Check, Passed: r.Passed, Why: r.Why})
	}
	if g.JSON {
		if err := writeJSON(g.out(), map[string]any{"Lesson": l.ID, "Number": l.Number, "Title": l.Title, "Steps": steps,
			"Passed": passed, "Total": len(rs)}); err != nil {
			return err
		}
	} else {
		printCheck(g.out(), l, steps)
	}
	if passed < len(rs) {
		return fmt.Errorf("lesson %d: %d of %d steps not passed yet", l.Number, len(rs)-passed, len(rs))
	}
	return nil
}

func printCheck(w io.Writer, l learn.Lesson, steps []checkStepJSON) {
	fmt.Fprintf(w, "Lesson %d · %s\n", l.Number, l.Title)
	for _, s := range steps {
		mark := "✓"
		if !s.Passed {
			mark = "·"
		}
		fmt.Fprintf(w, "  %s %d. %s\n", mark, s.Step, s.Goal)
		if !s.Passed {
			fmt.Fprintf(w, "       not yet: %s\n", s.Why)
		}
	}
}

// openLesson opens the lesson's own sandbox: in-process, or attached to
// the `s3crypt learn serve` (or TUI) that holds it, whatever endpoint the
// environment names.
func openLesson(ctx context.Context, id string) (*awsclient.Backend, error) {
	return awsclient.Open(ctx, awsclient.Options{DataDir: learn.DataDir(id), Getenv: func(string) string { return "" }})
}

// LearnServeCmd is `s3crypt learn serve ID`.
type LearnServeCmd struct {
	lessonArg
	Addr     string `help:"HTTPS listen address (loopback only; port 0 picks a free port)." default:"127.0.0.1:0"`
	HTTPAddr string `name:"http-addr" help:"Also serve plain HTTP on this loopback address (SSE-C is refused there, as on AWS)." placeholder:"127.0.0.1:PORT"`
}

// Run implements the verb: `s3crypt serve` on the lesson's data directory.
func (c *LearnServeCmd) Run(ctx context.Context, g *Globals) error {
	l, err := c.lesson()
	if err != nil {
		return err
	}
	g.Data = learn.DataDir(l.ID)
	s := &ServeCmd{Addr: c.Addr, HTTPAddr: c.HTTPAddr, after: []string{
		"export S3CRYPT_DATA=" + g.Data,
		"# aws CLI before 2.13 (Debian's 2.9) ignores AWS_ENDPOINT_URL: in bash, also run",
		`# alias aws='aws --endpoint-url "$AWS_ENDPOINT_URL"'`,
		fmt.Sprintf("# lesson %d · %s · check your work: s3crypt learn check %d", l.Number, l.Title, l.Number),
	}}
	err = s.Run(ctx, g)
	if !errors.Is(err, store.ErrLocked) {
		return err
	}
	// Another s3crypt serves the lesson's sandbox already (the TUI with the
	// lesson open, or another learn serve): print how to reach that one
	// rather than have the learner leave the lesson to start this.
	sb, aerr := sandbox.Start(ctx, sandbox.Options{Dir: g.Data, Region: g.Region})
	if aerr != nil {
		return err
	}
	defer sb.Close()
	if !sb.Attached() {
		return err
	}
	w := g.out()
	for _, line := range append(sb.Env(), s.after...) {
		fmt.Fprintln(w, line)
	}
	fmt.Fprintln(w, "# data: "+sb.Dir()+" · served by another s3crypt (the TUI has this lesson open, or another learn serve): these lines work while it runs")
	return nil
}

// LearnResetCmd is `s3crypt learn reset ID`.
type LearnResetCmd struct {
	lessonArg
}

// Run implements the verb.
func (c *LearnResetCmd) Run(g *Globals) error {
	l, err := c.lesson()
	if err != nil {
		return err
	}
	if err := learn.Reset(l.ID); err != nil {
		return err
	}
	if g.JSON {
		return writeJSON(g.out(), map[string]any{"Lesson": l.ID, "Reset": true})
	}
	fmt.Fprintf(g.out(), "Lesson %d starts afresh: its sandbox and progress are gone.\n", l.Number)
	return nil
}
