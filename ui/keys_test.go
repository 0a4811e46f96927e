package ui

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/s3crypt/s3crypt/actions"
)

// helpKeys is the help keys ("n", "E") of the enabled bindings in bs.
func helpKeys(bs []key.Binding) []string {
	var out []string
	for _, b := range bs {
		if b.Enabled() {
			out = append(out, b.Help().Key)
		}
	}
	return out
}

func fullHelpKeys(gs [][]key.Binding) []string {
	var out []string
	for _, g := range gs {
		out = append(out, helpKeys(g)...)
	}
	return out
}

// nothingHappens presses k and checks that no dialog, status, job or
// quit followed.
func nothingHappens(t *testing.T, m *Model, w *fakeWorker, k string) {
	t.Helper()
	before := len(w.submitted)
	msgs := send(m, keyPress(k), 150*time.Millisecond, 6)
	if m.dialog != nil || m.status != "" || len(w.submitted) != before {
		t.Fatalf("%s: dialog %T, status %q, %d new jobs; want nothing", k, m.dialog, m.status, len(w.submitted)-before)
	}
	for _, msg := range msgs[1:] {
		t.Fatalf("%s answered %T %+v, want nothing", k, msg, msg)
	}
}

func TestKeysViewOffersOnlyWhatTheSelectedKeyAllows(t *testing.T) {
	cases := []struct {
		row      string
		want     []string // ShortHelp keys
		shortE   string   // e's description, if offered
		inert    []string // keys that must do nothing
		opensFor string   // a key that must open a dialog
	}{
		{row: "alias/demo", want: []string{"n", "e", "x", "d", "E", "D"}, shortE: "disable", inert: []string{"u"}, opensFor: "x"},
		{row: "alias/old", want: []string{"n", "u", "d", "E", "D"}, inert: []string{"e", "x"}},
		{row: "alias/signer", want: []string{"n", "e", "x"}, shortE: "enable", inert: []string{"u", "d", "E", "D"}},
		{row: "alias/aws/s3", want: []string{"n", "d", "E", "D"}, inert: []string{"e", "x", "u"}, opensFor: "d"},
		{row: "AWS owned key (SSE-S3)", want: []string{"n"}, inert: []string{"e", "x", "u", "d", "E", "D"}},
	}
	for i, c := range cases {
		t.Run(c.row, func(t *testing.T) {
			w := newFakeWorker()
			m := loaded(t, newFakeData(0), w, 80, 24, true)
			press(m, "1")
			for range i {
				press(m, "down")
			}
			if r, _ := m.keys.selected(); r.Name() != c.row {
				t.Fatalf("selected %q", r.Name())
			}
			if got := helpKeys(m.keys.ShortHelp()); !slices.Equal(got, c.want) {
				t.Errorf("ShortHelp %v, want %v", got, c.want)
			}
			full := fullHelpKeys(m.keys.FullHelp())
			for _, k := range c.inert {
				if slices.Contains(full, k) {
					t.Errorf("FullHelp offers %s on %s: %v", k, c.row, full)
				}
			}
			if c.shortE != "" {
				if got := m.keys.keyMap().ToggleKey.Help().Desc; got != c.shortE {
					t.Errorf("e says %q, want %q", got, c.shortE)
				}
			}
			for _, k := range c.inert {
				nothingHappens(t, m, w, k)
			}
			if c.opensFor != "" {
				press(m, c.opensFor)
				if _, ok := m.dialog.(*form); !ok {
					t.Errorf("%s opened %T, want a form", c.opensFor, m.dialog)
				}
			}
		})
	}
}

func TestCancelDeletionRunsOnlyOnAPendingKey(t *testing.T) {
	w := newFakeWorker()
	m := loaded(t, newFakeData(0), w, 120, 36, true)
	press(m, "1", "down", "u")
	if len(w.submitted) != 1 {
		t.Fatalf("u on a pending key submitted %d", len(w.submitted))
	}
	if a, ok := w.submitted[0].(*actions.CancelKeyDeletion); !ok || a.KeyID != "2b2b0000-0000-4000-8000-000000000003" {
		t.Fatalf("submitted %#v", w.submitted[0])
	}
}

func TestObjectsViewKeysFollowTheSelection(t *testing.T) {
	w := newFakeWorker()
	m := loaded(t, newFakeData(0), w, 120, 36, true)
	if got := helpKeys(newObjectsView(m.c).ShortHelp()); len(got) != 0 {
		t.Fatalf("no bucket open, yet ShortHelp offers %v", got)
	}
	openObjects(m) // reports/, the folder 2025/ selected
	if got, want := helpKeys(m.objects.ShortHelp()), []string{"enter", "⌫", "u", "/"}; !slices.Equal(got, want) {
		t.Fatalf("on a folder ShortHelp %v, want %v", got, want)
	}
	for _, k := range []string{"d", "x", "i"} {
		nothingHappens(t, m, w, k)
	}
	press(m, "down") // cse.json
	if got, want := helpKeys(m.objects.ShortHelp()), []string{"⌫", "u", "d", "i", "x", "/"}; !slices.Equal(got, want) {
		t.Fatalf("on an object ShortHelp %v, want %v", got, want)
	}
	msgs := send(m, keyPress("enter"), time.Second, 2)
	if len(msgs) < 2 {
		t.Fatalf("enter on an object did nothing")
	}
	if in, ok := msgs[1].(inspectMsg); !ok || in.key != "reports/cse.json" {
		t.Fatalf("enter on an object sent %#v, want inspectMsg", msgs[1])
	}
	press(m, "esc")
	press(m, "backspace", "backspace") // to the bucket's root, then buckets
	if m.view != viewBuckets {
		t.Fatalf("view %v", m.view)
	}
}

func TestBackSaysWhereItGoes(t *testing.T) {
	m := loaded(t, newFakeData(0), newFakeWorker(), 120, 36, true)
	send(m, openBucketMsg{bucket: "my-bucket"}, time.Second, 4)
	if d := m.objects.keyMap().Back.Help().Desc; d != "back to buckets" {
		t.Fatalf("at the root ⌫ says %q", d)
	}
	press(m, "enter")
	if d := m.objects.keyMap().Back.Help().Desc; d != "up a level" {
		t.Fatalf("in a prefix ⌫ says %q", d)
	}
}

func TestBucketKeysNeedABucket(t *testing.T) {
	d := newFakeData(0)
	d.buckets = nil
	w := newFakeWorker()
	m := loaded(t, d, w, 120, 36, true)
	if got := helpKeys(m.buckets.ShortHelp()); !slices.Equal(got, []string{"n"}) {
		t.Fatalf("no buckets: ShortHelp %v, want only n", got)
	}
	for _, k := range []string{"e", "x", "enter"} {
		nothingHappens(t, m, w, k)
	}
}

func TestGlobalKeysThatDoNotApplyAreHidden(t *testing.T) {
	w := newFakeWorker()
	m := loaded(t, newFakeData(0), w, 120, 36, true)
	full := fullHelpKeys(m.fullHelpGroups())
	for _, k := range []string{"c", "esc", "[", "]", "←", "→"} {
		if slices.Contains(full, k) {
			t.Errorf("with no job, full help offers %s: %v", k, full)
		}
	}
	nothingHappens(t, m, w, "c") // used to answer "no aws command yet"
	openObjects(m)
	withUploadJob(m, 2, nil)
	full = fullHelpKeys(m.fullHelpGroups())
	for _, k := range []string{"c", "esc", "←", "→"} {
		if !slices.Contains(full, k) {
			t.Errorf("with a running job, full help lacks %s: %v", k, full)
		}
	}
}

// helpBar is the help bar's lines of m's screen, without styling.
func helpBar(m *Model) string {
	lines := strings.Split(ansi.Strip(m.View().Content), "\n")
	return strings.Join(lines[len(lines)-helpRows(m.w):], "\n")
}

func TestHelpBarShowsEveryKeyOfTheViewAt80Columns(t *testing.T) {
	m := loaded(t, newFakeData(0), newFakeWorker(), 80, 24, true)
	check := func(where string, hs []key.Binding) {
		t.Helper()
		bar := helpBar(m)
		for _, b := range hs {
			if !b.Enabled() {
				continue
			}
			item := b.Help().Key + " " + b.Help().Desc
			if !strings.Contains(strings.ReplaceAll(bar, "\n", " • "), item) {
				t.Errorf("%s: the help bar lacks %q:\n%s", where, item, bar)
			}
		}
		if !strings.HasSuffix(strings.TrimSpace(bar), "? help • q quit") {
			t.Errorf("%s: the help bar does not end with ? help • q quit:\n%s", where, bar)
		}
		for _, l := range strings.Split(bar, "\n") {
			if lipgloss.Width(l) > 80 {
				t.Errorf("%s: help line %d cells wide", where, lipgloss.Width(l))
			}
		}
	}
	press(m, "1")
	for i := range m.keys.rows {
		r, _ := m.keys.selected()
		check(fmt.Sprintf("keys row %d (%s)", i, r.Name()), m.keys.ShortHelp())
		press(m, "down")
	}
	press(m, "2")
	check("buckets", m.buckets.ShortHelp())
	openObjects(m)
	for i := range m.objects.shown {
		check(fmt.Sprintf("objects row %d", i), m.objects.ShortHelp())
		press(m, "down")
	}
	press(m, "/")
	if bar := strings.TrimSpace(helpBar(m)); bar != "enter keep filter • esc clear filter" {
		t.Errorf("while typing a filter every other key types, yet the bar says:\n%s", bar)
	}
	typeText(m, "re")
	press(m, "enter")
	if bar := helpBar(m); !strings.Contains(bar, "esc clear filter") {
		t.Errorf("a kept filter does not say esc clears it:\n%s", bar)
	}
}

func TestFullHelpFitsAt80x24(t *testing.T) {
	for _, setup := range []struct {
		name string
		do   func(m *Model)
	}{
		{"keys with jobs", func(m *Model) { openObjects(m); withUploadJob(m, 8, nil); withUploadJob(m, 2, nil); press(m, "1") }},
		{"objects on a file", func(m *Model) { openObjects(m); withUploadJob(m, 2, nil); press(m, "down") }},
		{"buckets", func(m *Model) {}},
	} {
		t.Run(setup.name, func(t *testing.T) {
			m := loaded(t, newFakeData(0), newFakeWorker(), 80, 24, true)
			setup.do(m)
			press(m, "?")
			box := ansi.Strip(m.fullHelpBox())
			if w, h := lipgloss.Width(box), lipgloss.Height(box); w > 80 || h > 24 {
				t.Fatalf("full help is %dx%d:\n%s", w, h, box)
			}
			screen := ansi.Strip(m.View().Content)
			if strings.Contains(box, "…") {
				t.Errorf("full help cut something:\n%s", box)
			}
			for _, g := range m.fullHelpGroups() {
				for _, b := range g {
					if b.Enabled() && !strings.Contains(screen, b.Help().Desc) {
						t.Errorf("full help lacks %q:\n%s", b.Help().Desc, screen)
					}
				}
			}
		})
	}
}

func TestDialogAndQuitKeysComeFromTheKeyMap(t *testing.T) {
	w := newFakeWorker()
	m := loaded(t, newFakeData(0), w, 120, 36, true)
	openObjects(m)
	withUploadJob(m, 2, nil)
	press(m, "q")
	if !m.quitAsk {
		t.Fatal("q with a running job does not ask")
	}
	if bar := helpBar(m); !strings.Contains(bar, "y/enter quit") || !strings.Contains(bar, "n/esc keep running") {
		t.Fatalf("the help bar does not say how to answer:\n%s", bar)
	}
	press(m, "esc")
	if m.quitAsk {
		t.Fatal("esc does not keep running")
	}
	// ctrl+c is the Quit binding too, matched like any other key.
	if _, cmd := m.Update(keyPress("ctrl+c")); cmd != nil || !m.quitAsk {
		t.Fatal("ctrl+c with a running job does not ask")
	}
}

// TestNoKeyIsMatchedByItsName keeps key handling on the KeyMap: Update code
// matches bindings with key.Matches, never a key's name.
func TestNoKeyIsMatchedByItsName(t *testing.T) {
	files, _ := filepath.Glob("*.go")
	re := regexp.MustCompile(`\.String\(\) *(==|!=) *"|switch [a-z]+\.String\(\)`)
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for i, line := range strings.Split(string(b), "\n") {
			if re.MatchString(line) {
				t.Errorf("%s:%d matches a key by name: %s", f, i+1, strings.TrimSpace(line))
			}
		}
	}
}

func TestTypingReplacesAPrefilledPath(t *testing.T) {
	w := newFakeWorker()
	m := loaded(t, newFakeData(0), w, 120, 36, true)
	openObjects(m)
	press(m, "down", "down", "d") // notes.txt
	if v := ansi.Strip(m.View().Content); !strings.Contains(v, "typing replaces the selected value") {
		t.Fatalf("the prefilled path is not shown as selected:\n%s", v)
	}
	// A message that is not a key (a cursor blink, a tick) keeps the
	// prefill selected: typing still replaces it.
	send(m, struct{}{}, time.Second, 1)
	typeText(m, "copy.txt")
	press(m, "ctrl+s")
	if len(w.submitted) != 1 {
		t.Fatalf("submitted %d", len(w.submitted))
	}
	if g, ok := w.submitted[0].(*actions.Get); !ok || g.File != "copy.txt" {
		t.Fatalf("submitted %#v, want a Get to copy.txt", w.submitted[0])
	}

	// An arrow key keeps the prefill and edits it; backspace clears it.
	press(m, "d")
	press(m, "right")
	typeText(m, ".bak")
	press(m, "ctrl+s")
	if g := w.submitted[1].(*actions.Get); g.File != "notes.txt.bak" {
		t.Fatalf("→ then typing gave %q, want notes.txt.bak", g.File)
	}
	press(m, "d", "backspace")
	press(m, "ctrl+s")
	if f, ok := m.dialog.(*form); !ok || f.err != "name the local file" {
		t.Fatalf("backspace on the selection did not clear it: %T %+v", m.dialog, m.dialog)
	}
	press(m, "esc")

	// Pasting replaces it too.
	press(m, "d")
	send(m, tea.PasteMsg{Content: "pasted.txt"}, time.Second, 2)
	press(m, "ctrl+s")
	if g := w.submitted[2].(*actions.Get); g.File != "pasted.txt" {
		t.Fatalf("paste gave %q, want pasted.txt", g.File)
	}
}

func TestTypingReplacesTheDeletionWaitingPeriod(t *testing.T) {
	w := newFakeWorker()
	m := loaded(t, newFakeData(0), w, 120, 36, true)
	press(m, "1", "x")
	typeText(m, "12")
	press(m, "ctrl+s")
	if len(w.submitted) != 1 {
		t.Fatalf("submitted %d", len(w.submitted))
	}
	if a := w.submitted[0].(*actions.ScheduleKeyDeletion); a.Days != 12 {
		t.Fatalf("days %d, want 12 (typing replaces the suggested 30)", a.Days)
	}
}

func TestPlaceholdersDoNotReadAsValues(t *testing.T) {
	m := loaded(t, newFakeData(0), newFakeWorker(), 120, 36, true)
	openObjects(m)
	press(m, "u")
	plain := ansi.Strip(m.View().Content)
	if !strings.Contains(plain, "File             ‹./report.pdf›") {
		t.Fatalf("without colour the placeholder is not marked:\n%s", plain)
	}
	typeText(m, "a.txt")
	plain = ansi.Strip(m.View().Content)
	if !strings.Contains(plain, "File             a.txt") || strings.Contains(plain, "‹./report.pdf›") {
		t.Fatalf("a typed value is not shown plainly:\n%s", plain)
	}
}

// pickerDir makes a folder with more files than fit at 80x24, sub-folders
// and a hidden file.
func pickerDir(t *testing.T) string {
	dir := t.TempDir()
	for i := range 40 {
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("file-%02d.txt", i)), []byte("hello"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	for _, d := range []string{"alpha", "beta"} {
		if err := os.Mkdir(filepath.Join(dir, d), 0o700); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "beta", "inner.bin"), []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, ".hidden"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	return dir
}

func TestFilePickerFitsAndMarksFolders(t *testing.T) {
	dir := pickerDir(t)
	w := newFakeWorker()
	m := loaded(t, newFakeData(0), w, 80, 24, true)
	openObjects(m)
	press(m, "u")
	typeText(m, dir+"/")
	press(m, "ctrl+o")
	f := m.dialog.(*form)
	if f.picker == nil || f.picker.loading {
		t.Fatalf("ctrl+o did not list the folder: %+v", f.picker)
	}
	box := ansi.Strip(f.View())
	if w, h := lipgloss.Width(box), lipgloss.Height(box); w > 80 || h > 24-2 {
		t.Fatalf("the picker is %dx%d at 80x24:\n%s", w, h, box)
	}
	screen := ansi.Strip(m.View().Content)
	if lipgloss.Height(screen) != 24 || !strings.Contains(screen, "╰") || !strings.Contains(screen, "pick a file in") {
		t.Fatalf("the picker is not wholly on screen:\n%s", screen)
	}
	for _, want := range []string{"../", "alpha/", "beta/", "folder", "file-00.txt", "5 B"} {
		if !strings.Contains(box, want) {
			t.Errorf("the picker lacks %q:\n%s", want, box)
		}
	}
	if strings.Contains(box, ".hidden") || strings.Index(box, "beta/") > strings.Index(box, "file-00.txt") {
		t.Errorf("hidden files listed, or folders not first:\n%s", box)
	}
	if bar := helpBar(m); !strings.Contains(bar, "enter open folder") || !strings.Contains(bar, "esc back to the form") {
		t.Errorf("the help bar does not say what enter and esc do:\n%s", bar)
	}

	if e, _ := f.picker.selected(); e.name != "alpha" {
		t.Fatalf("the picker starts on %q, want the first entry after ../", e.name)
	}
	press(m, "down", "enter") // into beta/
	if f.picker == nil || f.picker.dir != filepath.Join(dir, "beta") {
		t.Fatalf("enter on beta/ did not open it: %+v", f.picker)
	}
	press(m, "backspace")
	if e, _ := f.picker.selected(); f.picker.dir != dir || e.name != "beta" {
		t.Fatalf("⌫ went to %q on %q, want %q on beta", f.picker.dir, e.name, dir)
	}
	press(m, "down", "enter") // file-00.txt
	if f.picker != nil {
		t.Fatal("enter on a file did not pick it")
	}
	press(m, "ctrl+s")
	if p, ok := w.submitted[0].(*actions.Put); !ok || p.File != filepath.Join(dir, "file-00.txt") || p.Key != "reports/file-00.txt" {
		t.Fatalf("submitted %#v", w.submitted[0])
	}
}

func TestFilePickerScrollsLongFolders(t *testing.T) {
	dir := pickerDir(t)
	m := loaded(t, newFakeData(0), newFakeWorker(), 80, 24, true)
	openObjects(m)
	press(m, "u")
	typeText(m, dir+"/")
	press(m, "ctrl+o")
	f := m.dialog.(*form)
	for range 50 {
		press(m, "down")
	}
	box := ansi.Strip(f.View())
	if !strings.Contains(box, "▸ file-39.txt") || lipgloss.Height(box) > 22 {
		t.Fatalf("the last file is not selected on screen:\n%s", box)
	}
	press(m, "esc")
	if f.picker != nil || m.dialog == nil {
		t.Fatal("esc did not go back to the form")
	}
}

func TestInfoDialogFitsAndScrollsToTheEnd(t *testing.T) {
	m := loaded(t, newFakeData(0), newFakeWorker(), 80, 24, true)
	var body []string
	for i := range 40 {
		body = append(body, fmt.Sprintf("line %02d %s", i, strings.Repeat("word ", 20)))
	}
	body = append(body, "the last line")
	send(m, openDialogMsg{d: newInfo(m.c, "Long", strings.Join(body, "\n"))}, time.Second, 2)
	d := m.dialog.(*info)
	box := ansi.Strip(d.View())
	if w, h := lipgloss.Width(box), lipgloss.Height(box); w > 80 || h > 24-2*helpRows(80) {
		t.Fatalf("the box is %dx%d: it hides the help bar at 80x24:\n%s", w, h, box)
	}
	if got := helpKeys(d.ShortHelp()); !slices.Equal(got, []string{"↑/k", "↓/j", "pgdn", "esc"}) {
		t.Fatalf("ShortHelp %v: copy is offered with nothing to copy, or scrolling is not", got)
	}
	nothing := send(m, keyPress("c"), 150*time.Millisecond, 2)
	if len(nothing) > 1 {
		t.Fatalf("c with nothing to copy sent %#v", nothing[1:])
	}
	for range 20 {
		press(m, "down", "down", "down", "down")
	}
	if box := ansi.Strip(d.View()); !strings.Contains(box, "the last line") {
		t.Fatalf("scrolling does not reach the end:\n%s", box)
	}
	if bar := helpBar(m); !strings.Contains(bar, "esc close") {
		t.Fatalf("the help bar is hidden:\n%s", bar)
	}
}

func TestAliasTypedOverThePrefixKeepsOneAliasPrefix(t *testing.T) {
	for _, typed := range []string{"demo2", "alias/demo2"} {
		w := newFakeWorker()
		m := loaded(t, newFakeData(0), w, 120, 36, true)
		press(m, "1", "n", "down") // the Alias field, "alias/" selected
		typeText(m, typed)
		press(m, "ctrl+s")
		if len(w.submitted) != 1 {
			t.Fatalf("%s: submitted %d", typed, len(w.submitted))
		}
		if a := w.submitted[0].(*actions.CreateKey); a.Alias != "alias/demo2" {
			t.Fatalf("typing %q gave alias %q, want alias/demo2", typed, a.Alias)
		}
	}
}

func TestDataKeyDialogSaysTheSizeOnItsOwnLine(t *testing.T) {
	m := loaded(t, newFakeData(0), newFakeWorker(), 120, 36, true)
	d := newDataKeyInfo(m.c, m.keys.rows[0], actions.GenerateDataKeyResult{KeyARN: demoARN, Bytes: 32, CiphertextBlob: []byte("wrapped")})
	d.SetSize(120, 36)
	v := ansi.Strip(d.View())
	if strings.Contains(v, demoARN+" (") || !strings.Contains(v, "data key  32 bytes (256-bit)") {
		t.Fatalf("the size reads as part of the ARN:\n%s", v)
	}
	if got := d.keyMap().Copy.Help().Desc; got != "copy the encrypted key" {
		t.Fatalf("c says %q", got)
	}
}

func TestDetailsFocusOffersNoListKeys(t *testing.T) {
	w := newFakeWorker()
	m := loaded(t, newFakeData(0), w, 80, 24, true)
	press(m, "1", "w", "w") // list → flow → details (one secondary pane at 80x24)
	if m.focus != paneDetails {
		t.Fatalf("focus %v", m.focus)
	}
	if bar := helpBar(m); strings.Contains(bar, "new key") {
		t.Fatalf("with the details focused the bar offers list keys that do nothing:\n%s", bar)
	}
	nothingHappens(t, m, w, "n")
}
