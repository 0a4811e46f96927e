package ui

import (
	"context"
	"fmt"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/s3crypt/s3crypt/learn"
	"github.com/s3crypt/s3crypt/ui/styles"
)

// learnPoll is how often an open lesson is checked for changes made from
// outside the UI (the aws CLI against `s3crypt learn serve`).
const learnPoll = 2 * time.Second

// learnView is the Learn tab: the lessons with their progress and, once
// one is started, that lesson. A started lesson runs on its own sandbox
// (the root swaps the live views onto it) and its current step stays on
// screen whatever view is shown, in the pane of the aws log (see sider).
// Checks run in commands, after each job and every learnPoll.
type learnView struct {
	c        *Common
	lessons  []learn.Lesson
	progress map[string]learn.Progress
	cur      cursor
	w, h     int
	run      *lessonRun // the lesson started, nil when none
	gen      int        // drops checks and ticks of a lesson left
	top      int        // first line of the lesson text shown
	cardTop  int        // first line of the step card shown
	md       markdown
}

// lessonRun is the lesson being done.
type lessonRun struct {
	lesson   learn.Lesson
	prog     learn.Progress
	loaded   bool // prog read from disk
	step     int  // the step shown
	results  []learn.Result
	checked  bool
	checking bool
	polled   bool // the running check is the poll's, not after a job of this UI
	checkErr string
	hint     bool
	check    checkFunc
	attached bool // the sandbox is the learner's `s3crypt learn serve`
}

// newLearnView offers lessons (learn.Lessons() when nil).
func newLearnView(c *Common, lessons []learn.Lesson) *learnView {
	if lessons == nil {
		lessons = learn.Lessons()
	}
	v := &learnView{c: c, lessons: lessons, progress: map[string]learn.Progress{}}
	v.cur.setLen(len(v.lessons))
	return v
}

// lessonCheckedMsg carries a check of the open lesson; sent by
// checkLesson, handled by the Learn view (dropped when gen is stale).
type lessonCheckedMsg struct {
	gen     int
	results []learn.Result
	err     error
}

// learnTickMsg re-checks the open lesson; sent every learnPoll, handled
// by the Learn view (dropped when gen is stale).
type learnTickMsg struct{ gen int }

// progressLoadedMsg carries saved progress; sent by loadProgress, handled
// by the Learn view. gen is the lesson run's (0 for the list).
type progressLoadedMsg struct {
	gen      int
	progress map[string]learn.Progress
	err      error
}

// progressSavedMsg says whether progress was saved; sent by saveProgress,
// handled by the Learn view (an error goes to the status line).
type progressSavedMsg struct{ err error }

// loadProgress reads the saved progress of lessons ls.
func loadProgress(gen int, ls []learn.Lesson) tea.Cmd {
	ids := make([]string, len(ls))
	for i, l := range ls {
		ids[i] = l.ID
	}
	return func() tea.Msg {
		out := make(map[string]learn.Progress, len(ids))
		var first error
		for _, id := range ids {
			p, err := learn.LoadProgress(id)
			if err != nil && first == nil {
				first = err
			}
			out[id] = p
		}
		return progressLoadedMsg{gen: gen, progress: out, err: first}
	}
}

// saveProgress writes p.
func saveProgress(p learn.Progress) tea.Cmd {
	p.Passed = append([]bool(nil), p.Passed...)
	return func() tea.Msg { return progressSavedMsg{err: learn.SaveProgress(p)} }
}

// checkLesson checks l with check.
func checkLesson(gen int, check checkFunc, l learn.Lesson) tea.Cmd {
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		rs, err := check(ctx, l)
		return lessonCheckedMsg{gen: gen, results: rs, err: err}
	}
}

func learnTick(gen int) tea.Cmd {
	return tea.Tick(learnPoll, func(time.Time) tea.Msg { return learnTickMsg{gen: gen} })
}

// SetSize sets the body size.
func (v *learnView) SetSize(w, h int) {
	v.w, v.h = w, h
	v.cur.setHeight(h - 1)
}

// Update handles the view's keys, the lesson's start and end, its checks
// and its progress.
func (v *learnView) Update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case tea.KeyPressMsg:
		return v.handleKey(msg)
	case tea.MouseWheelMsg:
		if v.run != nil {
			v.top = max(0, v.top+wheelDelta(msg))
		} else {
			v.cur.scroll(wheelDelta(msg))
		}
	case refreshMsg:
		if v.run == nil {
			return loadProgress(0, v.lessons)
		}
	case progressLoadedMsg:
		return v.progressLoaded(msg)
	case progressSavedMsg:
		if msg.err != nil {
			return func() tea.Msg { return statusMsg{text: msg.err.Error(), err: true} }
		}
	case lessonStartedMsg:
		v.gen++
		v.run = &lessonRun{lesson: msg.lesson, check: msg.check, attached: msg.attached, prog: learn.Progress{Lesson: msg.lesson.ID}}
		v.top, v.cardTop = 0, 0
		return loadProgress(v.gen, []learn.Lesson{msg.lesson})
	case lessonLeftMsg:
		v.gen++
		v.run = nil
		return loadProgress(0, v.lessons)
	case lessonResetMsg:
		if msg.err != nil {
			return func() tea.Msg { return statusMsg{text: msg.err.Error(), err: true} }
		}
		return tea.Batch(loadProgress(0, v.lessons), func() tea.Msg {
			return statusMsg{text: "lesson reset: its sandbox and progress are gone; enter starts it afresh"}
		})
	case lessonCheckedMsg:
		return v.checked(msg)
	case learnTickMsg:
		if msg.gen != v.gen || v.run == nil {
			return nil
		}
		cmd := v.recheck()
		if cmd != nil {
			v.run.polled = true
		}
		return tea.Batch(cmd, learnTick(v.gen))
	case jobEndedMsg:
		cmd := v.recheck()
		if cmd != nil {
			v.run.polled = false
		}
		return cmd
	}
	return nil
}

// progressLoaded records saved progress: the list's, or the started
// lesson's (then its first check and the poll begin).
func (v *learnView) progressLoaded(msg progressLoadedMsg) tea.Cmd {
	var status tea.Cmd
	if msg.err != nil {
		text := msg.err.Error()
		status = func() tea.Msg { return statusMsg{text: text, err: true} }
	}
	for id, p := range msg.progress {
		v.progress[id] = p
	}
	if msg.gen == 0 || v.run == nil || msg.gen != v.gen {
		return status
	}
	r := v.run
	r.prog, r.loaded = msg.progress[r.lesson.ID], true
	r.step = min(r.prog.Current, max(len(r.lesson.Steps)-1, 0))
	return tea.Batch(status, v.recheck(), learnTick(v.gen))
}

// recheck checks the open lesson unless a check is running already.
func (v *learnView) recheck() tea.Cmd {
	r := v.run
	if r == nil || !r.loaded || r.checking || r.check == nil {
		return nil
	}
	r.checking = true
	return checkLesson(v.gen, r.check, r.lesson)
}

// checked records a check: the steps passed stay passed in the progress,
// which is saved when it changed.
func (v *learnView) checked(msg lessonCheckedMsg) tea.Cmd {
	r := v.run
	if msg.gen != v.gen || r == nil {
		return nil
	}
	r.checking, r.checked = false, true
	r.checkErr = ""
	if msg.err != nil {
		r.checkErr = shortError(msg.err)
		return nil
	}
	r.results = msg.results
	if !r.prog.Record(msg.results) {
		return nil
	}
	r.prog.Updated = v.c.Now().UTC()
	v.progress[r.lesson.ID] = r.prog
	if !r.polled {
		return saveProgress(r.prog)
	}
	// A poll, not a job of this UI, saw the progress: the learner worked
	// from another terminal (learn serve's exports), so the buckets and
	// objects lists reload to show it. Keys are left for r: listing them is
	// KMS requests, which would move the count a lesson has them watch.
	return tea.Batch(saveProgress(r.prog), func() tea.Msg { return refreshMsg{what: refreshBuckets | refreshObjects} })
}

// passed reports whether step i of the open lesson passed (now or before).
func (r *lessonRun) passed(i int) bool {
	return i < len(r.prog.Passed) && r.prog.Passed[i]
}

// why is what step i still lacks, from the last check.
func (r *lessonRun) why(i int) string {
	for _, res := range r.results {
		if res.Step == i && !res.Passed {
			return res.Why
		}
	}
	return ""
}

// keyMap is the key map with the Learn keys that apply enabled.
func (v *learnView) keyMap() KeyMap {
	k := v.c.Keys
	open := v.run != nil
	l, ok := v.selected()
	k.Open = enable(brief(k.Open, "start lesson"), !open && ok && !l.Coming)
	if p := v.progress[l.ID]; ok && len(p.Passed) > 0 {
		k.Open = brief(k.Open, "resume lesson")
	}
	k.ResetLesson = enable(k.ResetLesson, open || ok && !l.Coming)
	k.Hint = enable(k.Hint, open && v.run.step < len(v.run.lesson.Steps) && v.run.lesson.Steps[v.run.step].Hint != "")
	if open && v.run.hint {
		k.Hint = brief(k.Hint, "hide hint")
	}
	k.NextStep = enable(k.NextStep, open && v.run.step+1 < len(v.run.lesson.Steps))
	if open && !v.run.passed(v.run.step) {
		k.NextStep = brief(k.NextStep, "skip ahead")
	}
	k.PrevStep = enable(k.PrevStep, open && v.run.step > 0)
	k.LeaveLesson = enable(k.LeaveLesson, open)
	return k
}

// selected is the lesson selected in the list.
func (v *learnView) selected() (learn.Lesson, bool) {
	if v.cur.pos < 0 || v.cur.pos >= len(v.lessons) {
		return learn.Lesson{}, false
	}
	return v.lessons[v.cur.pos], true
}

func (v *learnView) handleKey(msg tea.KeyPressMsg) tea.Cmd {
	if cmd, ok := v.globalKey(msg); ok {
		return cmd
	}
	k := v.keyMap()
	if v.run != nil {
		switch {
		case key.Matches(msg, k.Up):
			v.top = max(0, v.top-1)
		case key.Matches(msg, k.Down):
			v.top++
		case key.Matches(msg, k.PageUp):
			v.top = max(0, v.top-v.h)
		case key.Matches(msg, k.PageDown):
			v.top += v.h
		case key.Matches(msg, k.Home):
			v.top = 0
		case key.Matches(msg, k.ResetLesson):
			return v.confirmReset(v.run.lesson)
		}
		return nil
	}
	if v.cur.handleKey(k, msg) {
		return nil
	}
	l, ok := v.selected()
	switch {
	case !ok:
	case key.Matches(msg, k.Open):
		return func() tea.Msg { return startLessonMsg{lesson: l} }
	case key.Matches(msg, k.ResetLesson):
		return v.confirmReset(l)
	}
	return nil
}

// globalKey handles the open lesson's keys, which work from every view:
// hint, next and previous step, leave.
func (v *learnView) globalKey(msg tea.KeyPressMsg) (tea.Cmd, bool) {
	if v.run == nil {
		return nil, false
	}
	k, r := v.keyMap(), v.run
	switch {
	case key.Matches(msg, k.Hint):
		r.hint = !r.hint
	case key.Matches(msg, k.NextStep):
		r.step++
		r.hint, v.cardTop = false, 0
		if r.prog.Current < r.step { // skipped ahead: the lesson goes on from here
			r.prog.Current = r.step
			r.prog.Updated = v.c.Now().UTC()
			return saveProgress(r.prog), true
		}
	case key.Matches(msg, k.PrevStep):
		r.step--
		r.hint, v.cardTop = false, 0
	case key.Matches(msg, k.LeaveLesson):
		return func() tea.Msg { return leaveLessonMsg{} }, true
	default:
		return nil, false
	}
	return nil, true
}

// globalHelp lists the open lesson's keys.
func (v *learnView) globalHelp() []key.Binding {
	if v.run == nil {
		return nil
	}
	k := v.keyMap()
	return []key.Binding{k.Hint, k.NextStep, k.PrevStep, k.LeaveLesson}
}

func (v *learnView) confirmReset(l learn.Lesson) tea.Cmd {
	return openDialog(newConfirm(v.c, fmt.Sprintf("Reset lesson %d?", l.Number),
		"Its sandbox ("+tildePath(learn.DataDir(l.ID))+": the keys, buckets and objects you made in it) and its progress are deleted. Your own sandbox is not touched.",
		"reset", true, resetLessonMsg{lesson: l}))
}

// Tab names the view.
func (v *learnView) Tab() string { return "Learn" }

// Title is the pane title's detail.
func (v *learnView) Title() string {
	if v.run != nil {
		return fmt.Sprintf("lesson %d · %s", v.run.lesson.Number, v.run.lesson.Title)
	}
	return plural(len(v.lessons), "lesson", "lessons")
}

// Place is where the person is.
func (v *learnView) Place() string {
	if v.run != nil {
		return "lesson " + itoa(v.run.lesson.Number) + " on its own sandbox · " + tildePath(learn.DataDir(v.run.lesson.ID))
	}
	return "guided lessons: each runs on a sandbox of its own"
}

// View draws the lessons, or the open lesson's text.
func (v *learnView) View(focused bool) string {
	st := v.c.Styles
	if v.run != nil {
		return v.lessonText()
	}
	if len(v.lessons) == 0 {
		return st.Empty.Render("no lessons in this build")
	}
	cols := []column{{title: "#", width: 2, right: true}, {title: "LESSON", width: 0}, {title: "PROGRESS", width: 16}}
	return renderTable(st, cols, v.cur, v.w, focused, func(i int) []string {
		l := v.lessons[i]
		if l.Coming {
			return []string{itoa(l.Number), st.Dim.Render(l.Title), st.Dim.Render("coming")}
		}
		return []string{itoa(l.Number), l.Title, progressBar(st, v.progress[l.ID], len(l.Steps))}
	})
}

// progressBar is ✓ per step passed and · per step to do, then n/m.
func progressBar(st *styles.Styles, p learn.Progress, n int) string {
	var b strings.Builder
	done := 0
	for i := range n {
		if i < len(p.Passed) && p.Passed[i] {
			b.WriteString(st.Passed.Render(styles.IconOK))
			done++
		} else {
			b.WriteString(st.Dim.Render(styles.IconDot))
		}
	}
	return b.String() + st.Dim.Render(fmt.Sprintf(" %d/%d", done, n))
}

// lessonText is the open lesson's introduction, scrolled to top.
func (v *learnView) lessonText() string {
	st, l := v.c.Styles, v.run.lesson
	head := st.Bold.Render(fmt.Sprintf("Lesson %d · %s", l.Number, l.Title))
	lines := strings.Split(head+"\n\n"+v.md.render(st.Markdown, st.IsDark, l.Text, v.w), "\n")
	return scrollLines(st, lines, &v.top, v.h)
}

// scrollLines shows h of lines from *top (clamped), marking more above
// and below.
func scrollLines(st *styles.Styles, lines []string, top *int, h int) string {
	return scrollLinesHow(st, lines, top, h, "↑", "↓")
}

// scrollLinesHow is scrollLines saying which keys scroll.
func scrollLinesHow(st *styles.Styles, lines []string, top *int, h int, up, down string) string {
	*top = max(0, min(*top, len(lines)-h))
	end := min(len(lines), *top+h)
	shown := append([]string(nil), lines[*top:end]...)
	if *top > 0 && len(shown) > 0 {
		shown[0] = st.ScrollMark.Render(styles.IconMoreAbove + " more above (" + up + ")")
	}
	if end < len(lines) && len(shown) > 0 {
		shown[len(shown)-1] = st.ScrollMark.Render(styles.IconMoreBelow + " more below (" + down + ")")
	}
	return strings.Join(shown, "\n")
}

// Details is the open lesson's steps with their state, or the selected
// lesson's introduction.
func (v *learnView) Details(w int) string {
	st := v.c.Styles
	if v.run == nil {
		l, ok := v.selected()
		if !ok {
			return st.Empty.Render("nothing selected")
		}
		if l.Coming {
			return st.Bold.Render(l.Title) + "\n" + st.Dim.Render(wrap("Coming: this lesson needs capabilities s3crypt does not have yet.", w))
		}
		what := "enter starts it on a sandbox of its own (your own sandbox is not touched)"
		if p := v.progress[l.ID]; len(p.Passed) > 0 {
			what = "enter resumes it · R resets it"
		}
		return st.Hint.Render(wrap(what, w)) + "\n" + v.md.render(st.Markdown, st.IsDark, l.Text, w)
	}
	r := v.run
	var b strings.Builder
	for i, s := range r.lesson.Steps {
		mark := st.Dim.Render(styles.IconPending)
		if r.passed(i) {
			mark = st.Passed.Render(styles.IconOK)
		}
		goal := s.Goal
		if i == r.step {
			goal = st.StepCurrent.Render(goal)
		}
		b.WriteString(fit(fmt.Sprintf("%s %d. %s", mark, i+1, goal), w) + "\n")
	}
	b.WriteString(st.Hint.Render(wrap(v.awsNote(), w)))
	return b.String()
}

// ShortHelp lists the view's keys for the help bar.
func (v *learnView) ShortHelp() []key.Binding {
	k := v.keyMap()
	if v.run != nil {
		return []key.Binding{k.Hint, k.NextStep, k.PrevStep, k.ResetLesson, k.LeaveLesson}
	}
	return []key.Binding{k.Open, k.ResetLesson}
}

// FullHelp groups the view's keys for the help screen.
func (v *learnView) FullHelp() [][]key.Binding {
	k := v.keyMap()
	return [][]key.Binding{v.c.Keys.listHelp(), {k.Open, k.Hint, k.NextStep, k.PrevStep, k.ResetLesson, k.LeaveLesson}}
}

// detailsFirst: the list's details are the selected lesson's introduction.
func (v *learnView) detailsFirst() bool { return v.run == nil }

// clickRow selects the lesson clicked.
func (v *learnView) clickRow(y int) tea.Cmd {
	if v.run == nil {
		clickCursor(&v.cur, y, 1)
	}
	return nil
}

// side is the open lesson's step card, shown in the aws log's place
// whatever view is shown.
func (v *learnView) side() (string, bool) {
	if v.run == nil {
		return "", false
	}
	r := v.run
	return fmt.Sprintf("Lesson %d · step %d of %d", r.lesson.Number, r.step+1, len(r.lesson.Steps)), true
}

// sideUpdate scrolls the step card.
func (v *learnView) sideUpdate(msg tea.Msg) tea.Cmd {
	k := v.c.Keys
	switch msg := msg.(type) {
	case tea.KeyPressMsg:
		switch {
		case key.Matches(msg, k.Up):
			v.cardTop = max(0, v.cardTop-1)
		case key.Matches(msg, k.Down):
			v.cardTop++
		case key.Matches(msg, k.PageUp):
			v.cardTop = max(0, v.cardTop-5)
		case key.Matches(msg, k.PageDown):
			v.cardTop += 5
		}
	case tea.MouseWheelMsg:
		v.cardTop = max(0, v.cardTop+wheelDelta(msg))
	}
	return nil
}

// sideView draws the step card in w × h: where the step stands, its
// goal, the three ways, the hint on request, and once passed what just
// happened and the blog post's mistake it teaches.
func (v *learnView) sideView(w, h int, focused bool) string {
	st, r := v.c.Styles, v.run
	if len(r.lesson.Steps) == 0 {
		return st.Empty.Render("this lesson has no steps yet")
	}
	s := r.lesson.Steps[r.step]
	var lines []string
	add := func(s string) {
		if s != "" {
			lines = append(lines, strings.Split(s, "\n")...)
		}
	}
	add(v.stepState(w))
	add(st.Bold.Render(wrap(s.Goal, w)))
	ways := func() {
		if s.Setup != "" {
			add(v.way("first", s.Setup, w))
			// The forms' file fields read from the TUI's own directory.
			add(st.Hint.Render(wrap("(in a shell, in the directory you started s3crypt in: the forms read files from there)", w)))
		}
		add(v.way("TUI", s.Ways.TUI, w))
		add(v.way("s3crypt", s.Ways.S3crypt, w))
		add(v.way("aws", s.Ways.AWS, w))
	}
	if r.passed(r.step) {
		// Done: what it did comes first; the ways stay below to repeat it.
		add(st.Passed.Render(styles.IconOK+" What just happened") + "\n" + v.md.render(st.Markdown, st.IsDark, s.Explain, w))
		if s.Erratum != "" {
			add(st.Erratum.Render("! The blog post's mistake") + "\n" + v.md.render(st.Markdown, st.IsDark, s.Erratum, w))
		}
		add(st.Hint.Render(wrap(v.cardKeys(), w)))
		ways()
		return v.scrollCard(lines, h, focused)
	}
	if r.hint && s.Hint != "" {
		add(st.Label.Render("hint") + "\n" + v.md.render(st.Markdown, st.IsDark, s.Hint, w))
	}
	ways()
	if s.Ways.TUI == "" && s.Ways.S3crypt == "" {
		add(st.Hint.Render(wrap(v.awsNote(), w)))
	}
	add(st.Hint.Render(wrap(v.cardKeys(), w)))
	return v.scrollCard(lines, h, focused)
}

// scrollCard shows the card's lines from cardTop; the marks say how to
// scroll it (w focuses it first).
func (v *learnView) scrollCard(lines []string, h int, focused bool) string {
	if focused {
		return scrollLinesHow(v.c.Styles, lines, &v.cardTop, h, "↑", "↓")
	}
	return scrollLinesHow(v.c.Styles, lines, &v.cardTop, h, "w, then ↑", "w, then ↓")
}

// awsNote says how the aws CLI reaches the lesson's sandbox: attached to
// the learner's `s3crypt learn serve`, or through it (learn serve prints
// the export lines of the sandbox this TUI serves, while it is open).
func (v *learnView) awsNote() string {
	n := itoa(v.run.lesson.Number)
	if v.run.attached {
		return "aws CLI: this lesson runs on your `s3crypt learn serve " + n + "`: use the aws CLI where you pasted its export lines"
	}
	return "aws CLI: in another terminal, paste the export lines `s3crypt learn serve " + n +
		"` prints: they reach this lesson's sandbox while it is open here"
}

// stepState is the card's first line: passed, not yet (and why), checking.
func (v *learnView) stepState(w int) string {
	st, r := v.c.Styles, v.run
	switch {
	case r.passed(r.step):
		next := "N: next step"
		if r.prog.Done(len(r.lesson.Steps)) {
			next = "lesson done · L leaves it"
		} else if r.step+1 == len(r.lesson.Steps) {
			next = "P: back to the steps left"
		}
		return st.Passed.Render(styles.IconOK+" passed") + st.Dim.Render(" · "+next)
	case r.checkErr != "":
		return st.StatusError.Render(wrap(styles.IconFail+" could not check: "+r.checkErr, w))
	case !r.checked:
		return st.Dim.Render("checking the lesson's sandbox…")
	}
	why := r.why(r.step)
	if why == "" {
		why = "not yet"
	}
	return st.Dim.Render(wrap(styles.IconPending+" "+why, w))
}

// way is one way to do the step: a label and its line, wrapped under it.
func (v *learnView) way(label, line string, w int) string {
	st := v.c.Styles
	if line == "" {
		return ""
	}
	const lw = 8
	// Break at spaces only, so a command stays copyable; one cell spare:
	// ansi.Wrap lets a line end one past its limit at a breakpoint.
	ls := strings.Split(ansi.Wrap(line, max(w-lw-1, 8), " "), "\n")
	for i, l := range ls {
		pre := strings.Repeat(" ", lw)
		if i == 0 {
			pre = st.Label.Render(fmt.Sprintf("%-*s", lw, label))
		}
		ls[i] = pre + st.Value.Render(l)
	}
	return strings.Join(ls, "\n")
}

// cardKeys says which keys move through the lesson.
func (v *learnView) cardKeys() string {
	var parts []string
	for _, b := range v.globalHelp() {
		if b.Enabled() {
			parts = append(parts, b.Help().Key+" "+b.Help().Desc)
		}
	}
	return strings.Join(parts, " · ")
}
