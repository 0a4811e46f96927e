package ui

import (
	"context"
	"errors"
	"log"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/s3crypt/s3crypt/actions"
	"github.com/s3crypt/s3crypt/awsclient"
	"github.com/s3crypt/s3crypt/learn"
)

// OpenSandbox opens a sandbox backend on another data directory (a
// lesson's own); Run's caller provides it, with the same options as the
// main backend.
type OpenSandbox func(ctx context.Context, dir string) (*awsclient.Backend, error)

// place is one backend the UI works on and what the UI keeps of it: the
// learner's own (opened by Run) or a lesson's sandbox. The live views,
// flow, jobs and log always show the current place.
type place struct {
	data     Data
	backend  BackendInfo
	worker   Worker
	identity string
	jobs     jobs
	log      logPane
	// b is the backend lesson checks read (nil for the main place); check,
	// when set, checks instead (tests).
	b     *awsclient.Backend
	check checkFunc
	// attached: the sandbox is served by another process (the learner's
	// `s3crypt learn serve`), which the aws CLI can reach.
	attached bool
	// close shuts the place's worker and backend (nil for the main place,
	// which Run closes).
	close func()
}

// current is the place the UI is on, as a value to keep while it shows
// another.
func (m *Model) current() *place {
	return &place{data: m.c.Data, backend: m.c.Backend, worker: m.worker, identity: m.identity, jobs: m.jobs, log: m.log}
}

// enter makes p the place the UI shows: the lists reload from it and the
// flow, jobs and log are its own.
func (m *Model) enter(p *place) tea.Cmd {
	m.c.Data, m.c.Backend, m.worker, m.identity, m.jobs, m.log = p.data, p.backend, p.worker, p.identity, p.jobs, p.log
	m.c.Catalog = Catalog{}
	m.replay, m.flowTop = -1, -1
	m.flowRows = &rowCache{}
	m.resize(m.w, m.h)
	return tea.Batch(m.broadcast(placeChangedMsg{}), m.refresh(refreshKeys|refreshBuckets|refreshObjects), m.loadIdentity())
}

// placeChangedMsg tells the views the backend changed (a lesson began or
// ended); sent by the root, handled by each view, which drops what it
// showed of the other backend.
type placeChangedMsg struct{}

// startLessonMsg asks the root to open a lesson's sandbox and show it;
// sent by the Learn view.
type startLessonMsg struct{ lesson learn.Lesson }

// leaveLessonMsg asks the root to go back to the learner's own backend;
// sent by the Learn view.
type leaveLessonMsg struct{}

// resetLessonMsg asks the root to reset a lesson (its sandbox and
// progress), leaving it first if it is open; sent by the Learn view's
// confirm dialog.
type resetLessonMsg struct{ lesson learn.Lesson }

// lessonOpenedMsg carries a lesson's opened sandbox; sent by openLesson,
// handled by the root, which shows it.
type lessonOpenedMsg struct {
	lesson learn.Lesson
	place  *place
	err    error
}

// lessonStartedMsg tells the views a lesson's sandbox is shown; sent by
// the root, handled by the Learn view, which checks it with check.
type lessonStartedMsg struct {
	lesson   learn.Lesson
	check    checkFunc
	attached bool // the sandbox is a `s3crypt learn serve` the UI joined (not the child it started itself)
}

// lessonLeftMsg tells the views the lesson's sandbox is no longer shown;
// sent by the root, handled by the Learn view.
type lessonLeftMsg struct{}

// lessonResetMsg says a lesson was reset (or why not); sent by the reset
// command, handled by the Learn view.
type lessonResetMsg struct {
	id  string
	err error
}

// checkFunc checks a lesson against the place's sandbox.
type checkFunc func(ctx context.Context, l learn.Lesson) ([]learn.Result, error)

// handleLesson starts, leaves and resets lessons.
func (m *Model) handleLesson(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case startLessonMsg:
		if n := m.jobs.running(); n > 0 {
			return m.setStatus("a job is still running here: wait for it (or esc cancels it), then start the lesson", true)
		}
		if m.openSandbox == nil {
			return m.setStatus("lessons need s3crypt's own sandbox, which this session cannot open", true)
		}
		return tea.Batch(openLesson(m.ctx, m.openSandbox, m.tapWorker, msg.lesson), m.setStatus("opening the sandbox of lesson "+itoa(msg.lesson.Number)+"…", false))
	case lessonOpenedMsg:
		if msg.err != nil {
			return m.setStatus("lesson "+itoa(msg.lesson.Number)+": "+shortError(msg.err), true)
		}
		var cmds []tea.Cmd
		if m.lessonPlace != nil { // another lesson was open: close it
			cmds = append(cmds, closePlace(m.lessonPlace))
		} else {
			m.home = m.current()
		}
		m.lessonPlace = msg.place
		msg.place.log = newLogPane(m.c)
		if m.lay.compact {
			m.secondary = paneLog // the lesson's pane takes the log's place
		}
		check := msg.place.check
		if b := msg.place.b; check == nil {
			check = func(ctx context.Context, l learn.Lesson) ([]learn.Result, error) { return learn.Check(ctx, b, l) }
		}
		cmds = append(cmds, m.enter(msg.place), m.waitForEvent(), m.broadcast(lessonStartedMsg{lesson: msg.lesson, check: check, attached: msg.place.attached}),
			m.setStatus("lesson "+itoa(msg.lesson.Number)+" runs on its own sandbox; L leaves it", false))
		return tea.Batch(cmds...)
	case leaveLessonMsg:
		return m.leaveLesson(nil)
	case resetLessonMsg:
		l := msg.lesson
		return m.leaveLesson(func() tea.Msg { return lessonResetMsg{id: l.ID, err: learn.Reset(l.ID)} })
	}
	return nil
}

// leaveLesson goes back to the learner's own backend and closes the
// lesson's, then runs after (a reset) once it is closed.
func (m *Model) leaveLesson(after tea.Cmd) tea.Cmd {
	if m.lessonPlace == nil {
		return after
	}
	if n := m.jobs.running(); n > 0 {
		return m.setStatus("a job is still running in the lesson: wait for it (or esc cancels it), then leave", true)
	}
	p := m.lessonPlace
	m.lessonPlace = nil
	home := m.home
	m.home = nil
	closing := closePlace(p)
	if after != nil {
		closing = tea.Sequence(closing, after)
	}
	// The home worker's events are still awaited (see workerEventMsg).
	return tea.Batch(m.enter(home), m.broadcast(lessonLeftMsg{}), closing)
}

// openLesson opens lesson l's own sandbox, with a worker of its own.
// tap, when set (tests), wraps the worker the UI listens to.
func openLesson(ctx context.Context, open OpenSandbox, tap func(Worker) Worker, l learn.Lesson) tea.Cmd {
	return func() tea.Msg {
		b, err := open(ctx, learn.DataDir(l.ID))
		if err != nil {
			return lessonOpenedMsg{lesson: l, err: err}
		}
		if b.Sandbox == nil {
			b.Close()
			return lessonOpenedMsg{lesson: l, err: errors.New("lessons run on s3crypt's sandbox, and this backend is not one")}
		}
		w := actions.NewWorker(ctx, workerEnv(b), 4)
		info := BackendInfoOf(b)
		info.Lesson = "lesson " + itoa(l.Number)
		var uw Worker = w
		if tap != nil {
			uw = tap(w)
		}
		p := &place{data: NewData(b), backend: info, worker: uw, jobs: newJobs(), b: b, attached: b.Sandbox.Attached() && b.Sandbox.ChildPID() == 0}
		p.close = func() {
			sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			if err := w.Shutdown(sctx); err != nil {
				log.Printf("ui: lesson %s: %v", l.ID, err)
			}
			if err := b.Close(); err != nil {
				log.Printf("ui: lesson %s: close its sandbox: %v", l.ID, err)
			}
		}
		return lessonOpenedMsg{lesson: l, place: p}
	}
}

// closePlace shuts a place down.
func closePlace(p *place) tea.Cmd {
	return func() tea.Msg {
		if p.close != nil {
			p.close()
		}
		return nil
	}
}

// closeLesson closes the lesson's sandbox if one is open (when the UI
// ends).
func (m *Model) closeLesson() {
	if p := m.lessonPlace; p != nil && p.close != nil {
		m.lessonPlace = nil
		p.close()
	}
}
