// Package learn is s3crypt's guided lessons: each lesson is one embedded
// file (lessons/NN-name.md: YAML front matter with the steps, then the
// markdown introduction), so adding a lesson is adding a file. A step names
// a check, a Go function of the registry in checks.go, with arguments from
// the file; checks read only real state of the lesson's own sandbox (keys,
// buckets, objects, default encryption, the at-rest view and the trace the
// sandbox journals on disk), never what the learner typed, so the TUI,
// s3crypt verbs and the real aws CLI all pass the same check.
//
// The front matter is parsed with go.yaml.in/yaml/v3 (the YAML
// organisation's maintained fork of gopkg.in/yaml.v3). Mode facts in the
// text ({{mode "SSE-KMS" "KMSRequests"}}) are filled in from package modes
// with text/template, so lessons never restate them differently.
//
// learn never imports Bubble Tea: the TUI's Learn view and the CLI's
// `s3crypt learn` both read it.
package learn

import (
	"bytes"
	"embed"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"text/template"

	"go.yaml.in/yaml/v3"

	"github.com/s3crypt/s3crypt/modes"
)

// Lesson is one lesson, parsed from its embedded file (one file per lesson).
type Lesson struct {
	ID     string // stable, e.g. "03-envelope-encryption"; used for dirs and progress
	Number int    // 1..16
	Title  string
	Text   string // markdown: the lesson's introduction
	Steps  []Step
	// Coming: listed but not yet available (the capabilities it needs have
	// not landed); it has no Steps.
	Coming bool
}

// Ways are the three ways to do a step. Any may be "" when that way
// cannot do it (the aws CLI has no client-side encryption); the step's
// Hint then says so.
type Ways struct {
	TUI     string // keys in the TUI, e.g. "1 keys · n new key · alias alias/lesson"
	S3crypt string // an s3crypt verb line, runnable as shown against the lesson sandbox
	AWS     string // an aws CLI line, runnable against `s3crypt learn serve ID` (after its exports)
}

// Step is one checked step of a lesson.
type Step struct {
	Goal string // one sentence
	// Setup is a shell line that makes the local files the step's ways
	// use (run it first, whichever way you take); "" when none.
	Setup   string
	Ways    Ways
	Hint    string // shown only on request
	Explain string // markdown shown when the check passes: "what just happened"
	Erratum string // markdown: the blog post's mistake this step teaches ("" when none)
	Check   string // the name of the Go check function (for display/debug)
	// Args are the check's arguments, from the lesson file.
	Args map[string]string
	// Covers names what of the blog post and the errata this step teaches
	// ("blog: <first line of a command>", "erratum: 5.13.2", "trap: …"):
	// the coverage test reads it.
	Covers []string
}

//go:embed lessons/*.md
var lessonFS embed.FS

// fileStep is a step as written in a lesson file.
type fileStep struct {
	Goal    string            `yaml:"goal"`
	Setup   string            `yaml:"setup"`
	TUI     string            `yaml:"tui"`
	S3crypt string            `yaml:"s3crypt"`
	AWS     string            `yaml:"aws"`
	Hint    string            `yaml:"hint"`
	Explain string            `yaml:"explain"`
	Erratum string            `yaml:"erratum"`
	Check   string            `yaml:"check"`
	Args    map[string]string `yaml:"args"`
	Covers  []string          `yaml:"covers"`
}

// fileLesson is a lesson file's front matter.
type fileLesson struct {
	ID     string     `yaml:"id"`
	Number int        `yaml:"number"`
	Title  string     `yaml:"title"`
	Coming bool       `yaml:"coming"`
	Steps  []fileStep `yaml:"steps"`
}

var (
	loadOnce sync.Once
	loaded   []Lesson
	loadErr  error
)

// Lessons returns all lessons in order, Coming ones included. The lessons
// are embedded and checked by the tests, so a broken file is a build
// defect: Lessons panics on one rather than hiding a lesson.
func Lessons() []Lesson {
	loadOnce.Do(func() { loaded, loadErr = loadAll(lessonFS) })
	if loadErr != nil {
		panic(loadErr)
	}
	out := make([]Lesson, len(loaded))
	copy(out, loaded)
	return out
}

// Find returns the lesson with this ID, or this number ("3", "03").
func Find(id string) (Lesson, bool) {
	n, numErr := strconv.Atoi(id)
	for _, l := range Lessons() {
		if l.ID == id || (numErr == nil && l.Number == n) {
			return l, true
		}
	}
	return Lesson{}, false
}

func loadAll(fsys fs.FS) ([]Lesson, error) {
	names, err := fs.Glob(fsys, "lessons/*.md")
	if err != nil {
		return nil, err
	}
	var out []Lesson
	seen := map[string]bool{}
	for _, name := range names {
		data, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, err
		}
		l, err := parseLesson(data)
		if err != nil {
			return nil, fmt.Errorf("lesson %s: %w", name, err)
		}
		if want := strings.TrimSuffix(filepath.Base(name), ".md"); l.ID != want {
			return nil, fmt.Errorf("lesson %s: id %q is not the file's name %q", name, l.ID, want)
		}
		if seen[l.ID] {
			return nil, fmt.Errorf("lesson %s: id %q used twice", name, l.ID)
		}
		seen[l.ID] = true
		out = append(out, l)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Number < out[j].Number })
	return out, nil
}

// parseLesson reads one lesson file: "---\n<YAML>\n---\n<markdown>".
func parseLesson(data []byte) (Lesson, error) {
	rest, ok := bytes.CutPrefix(data, []byte("---\n"))
	if !ok {
		return Lesson{}, fmt.Errorf("no front matter: the file must start with a line ---")
	}
	front, body, ok := bytes.Cut(rest, []byte("\n---\n"))
	if !ok {
		return Lesson{}, fmt.Errorf("front matter does not end with a line ---")
	}
	var fl fileLesson
	dec := yaml.NewDecoder(bytes.NewReader(front))
	dec.KnownFields(true)
	if err := dec.Decode(&fl); err != nil {
		return Lesson{}, fmt.Errorf("front matter: %w", err)
	}
	l := Lesson{ID: fl.ID, Number: fl.Number, Title: fl.Title, Coming: fl.Coming}
	if l.ID == "" || l.Number < 1 || l.Title == "" {
		return Lesson{}, fmt.Errorf("front matter needs id, number (1 or more) and title")
	}
	text, err := expand(string(body))
	if err != nil {
		return Lesson{}, err
	}
	l.Text = strings.TrimSpace(text)
	if l.Coming && len(fl.Steps) > 0 {
		return Lesson{}, fmt.Errorf("a coming lesson has no steps")
	}
	if !l.Coming && len(fl.Steps) == 0 {
		return Lesson{}, fmt.Errorf("no steps (mark it coming: true if it is not ready)")
	}
	for i, fs := range fl.Steps {
		if fs.Goal == "" || fs.Check == "" || fs.Explain == "" {
			return Lesson{}, fmt.Errorf("step %d needs goal, check and explain", i+1)
		}
		if _, ok := checks[fs.Check]; !ok {
			return Lesson{}, fmt.Errorf("step %d: no check named %q", i+1, fs.Check)
		}
		if err := validateArgs(fs.Check, fs.Args); err != nil {
			return Lesson{}, fmt.Errorf("step %d: %w", i+1, err)
		}
		s := Step{Goal: strings.TrimSpace(fs.Goal), Setup: strings.TrimSpace(fs.Setup), Check: fs.Check, Args: fs.Args, Covers: fs.Covers,
			Ways: Ways{TUI: strings.TrimSpace(fs.TUI), S3crypt: strings.TrimSpace(fs.S3crypt), AWS: strings.TrimSpace(fs.AWS)}}
		for _, f := range []struct {
			dst *string
			src string
		}{{&s.Hint, fs.Hint}, {&s.Explain, fs.Explain}, {&s.Erratum, fs.Erratum}} {
			v, err := expand(f.src)
			if err != nil {
				return Lesson{}, fmt.Errorf("step %d: %w", i+1, err)
			}
			*f.dst = strings.TrimSpace(v)
		}
		l.Steps = append(l.Steps, s)
	}
	return l, nil
}

// expand fills {{mode "ID" "Field"}} from the modes table.
func expand(s string) (string, error) {
	if !strings.Contains(s, "{{") {
		return s, nil
	}
	t, err := template.New("").Option("missingkey=error").Funcs(template.FuncMap{"mode": modeFact}).Parse(s)
	if err != nil {
		return "", err
	}
	var b strings.Builder
	if err := t.Execute(&b, nil); err != nil {
		return "", err
	}
	return b.String(), nil
}

// modeFact is one field of a mode's description.
func modeFact(id, field string) (string, error) {
	m := modes.Get(modes.ID(id))
	if m == nil {
		return "", fmt.Errorf("no mode %q", id)
	}
	v, ok := map[string]string{
		"Name": m.Name, "Explain": m.Explain, "Hint": m.Hint, "Protects": m.Protects,
		"KMSRequests": m.KMSRequests, "Cost": m.Cost, "AWSFlags": m.AWSFlags, "CLIFlags": m.CLIFlags,
	}[field]
	if !ok {
		return "", fmt.Errorf("mode field %q: use Name, Explain, Hint, Protects, KMSRequests, Cost, AWSFlags or CLIFlags", field)
	}
	return v, nil
}

// DataDir is the lesson's own sandbox data directory (under the XDG data
// home, never the learner's main sandbox): $XDG_DATA_HOME/s3crypt/lessons/<ID>,
// or ~/.local/share/s3crypt/lessons/<ID>.
func DataDir(id string) string {
	return filepath.Join(xdgDir("XDG_DATA_HOME", ".local", "share"), "s3crypt", "lessons", id)
}

// progressPath is where a lesson's progress is kept:
// $XDG_STATE_HOME/s3crypt/lessons/<ID>.json, or ~/.local/state/….
func progressPath(id string) string {
	return filepath.Join(xdgDir("XDG_STATE_HOME", ".local", "state"), "s3crypt", "lessons", id+".json")
}

// xdgDir is $env when it is an absolute path (as the XDG spec says), else
// ~/<def...>; without a home directory, the working directory's.
func xdgDir(env string, def ...string) string {
	if d := os.Getenv(env); d != "" && filepath.IsAbs(d) {
		return d
	}
	home, err := os.UserHomeDir()
	if err != nil || home == "" {
		home = "."
	}
	return filepath.Join(append([]string{home}, def...)...)
}
