package ui

import (
	"context"
	"time"

	"charm.land/bubbles/v2/help"
	tea "charm.land/bubbletea/v2"

	"github.com/s3crypt/s3crypt/actions"
	"github.com/s3crypt/s3crypt/learn"
	"github.com/s3crypt/s3crypt/ui/styles"
)

// viewID is which view the main pane shows: an index in Model.views (the
// views and their constants are in view.go).
type viewID int

// paneID is a pane of the screen.
type paneID int

// The panes, in focus order.
const (
	paneList paneID = iota
	paneFlow
	paneDetails
	paneLog
)

// Worker is what the UI needs of actions.Worker.
type Worker interface {
	Submit(a actions.Action) actions.JobID
	Cancel(id actions.JobID)
	Events() <-chan actions.Event
}

// Options configure the UI.
type Options struct {
	Data    Data
	Worker  Worker
	Backend BackendInfo
	Now     func() time.Time // time.Now when nil
	IsDark  *bool            // fixed theme (tests); asked of the terminal when nil
	// Start is the view to open on (Buckets when zero).
	Start viewID
	// Context is the session's: lesson workers run under it
	// (context.Background when nil).
	Context context.Context
	// OpenSandbox opens a lesson's own sandbox; nil: lessons can be read
	// but not started.
	OpenSandbox OpenSandbox
	// Lessons are the lessons the Learn view offers (learn.Lessons() when
	// nil; goldens fix them).
	Lessons []learn.Lesson
}

// Model is the root of the UI: it routes messages to its children, runs
// what they ask for, and lays the panes out.
type Model struct {
	c         *Common
	worker    Worker
	themeSet  bool
	identity  string
	view      viewID
	focus     paneID
	secondary paneID // the pane shown beside the list on small screens
	views     []view // the tabs of the main pane, in order (newViews)
	// Typed handles on the views the tests read; the root itself reaches
	// them only through views.
	keys      *keysView
	buckets   *bucketsView
	objects   *objectsView
	jobs      jobs
	replay    int       // steps shown of the selected job (-1: follow live)
	flowTop   int       // first flow body line shown (-1: follow the current step)
	flowRows  *rowCache // the flow panel's drawn rows, kept across frames
	frame     int
	tickGen   int
	ticking   bool
	log       logPane
	dialog    dialog
	help      help.Model
	fullHelp  bool
	status    string
	statusErr bool
	statusGen int
	quitAsk   bool
	w, h      int
	lay       layout
	// Lessons: ctx and openSandbox open a lesson's sandbox; while one is
	// shown, lessonPlace is it and home the learner's own, kept to go back.
	ctx         context.Context
	openSandbox OpenSandbox
	home        *place
	lessonPlace *place
	tapWorker   func(Worker) Worker // tests: wraps a lesson's worker (see tappedWorker)
}

// New builds the root model.
func New(opt Options) *Model {
	isDark := true
	if opt.IsDark != nil {
		isDark = *opt.IsDark
	}
	now := opt.Now
	if now == nil {
		now = time.Now
	}
	c := &Common{Styles: styles.New(isDark), Keys: DefaultKeyMap(), Data: opt.Data, Backend: opt.Backend, Now: now}
	m := &Model{c: c, worker: opt.Worker, themeSet: opt.IsDark != nil, view: viewBuckets, secondary: paneFlow,
		jobs: newJobs(), replay: -1, flowTop: -1, flowRows: &rowCache{}, help: help.New(), log: newLogPane(c)}
	m.newViews(opt.Lessons)
	if opt.Start != 0 {
		m.view = opt.Start
	}
	m.ctx, m.openSandbox = opt.Context, opt.OpenSandbox
	if m.ctx == nil {
		m.ctx = context.Background()
	}
	m.help.Styles = c.Styles.Help
	m.resize(120, 36)
	return m
}

// Init loads the lists, asks the terminal's background and starts
// listening to the worker.
func (m *Model) Init() tea.Cmd {
	cmds := []tea.Cmd{m.refresh(refreshKeys | refreshBuckets | refreshObjects), m.loadIdentity(), m.waitForEvent()}
	if !m.themeSet {
		cmds = append(cmds, tea.RequestBackgroundColor)
	}
	return tea.Batch(cmds...)
}

// Update routes msg: size and theme, the open dialog, global keys, the
// focused child, data results, worker events, ticks.
func (m *Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.resize(msg.Width, msg.Height)
		return m, nil
	case tea.BackgroundColorMsg:
		m.setTheme(msg.IsDark())
		return m, nil
	case tea.KeyPressMsg:
		return m, m.handleKey(msg)
	case tea.MouseClickMsg, tea.MouseWheelMsg:
		return m, m.handleMouse(msg.(tea.MouseMsg))
	case tea.PasteMsg:
		return m, m.routeToInput(msg)
	case openDialogMsg, closeDialogMsg, startJobMsg, statusMsg, showViewMsg, requestUploadMsg, inspectMsg, copyMsg:
		return m, m.handleIntent(msg)
	case identityLoadedMsg, inspectedMsg:
		return m, m.handleData(msg)
	case workerEventMsg:
		if msg.from != nil && msg.from != m.worker {
			return m, waitForEvent(msg.from) // a place left behind: keep its one reader
		}
		return m, tea.Batch(m.handleEvent(msg.ev), m.waitForEvent())
	case startLessonMsg, lessonOpenedMsg, leaveLessonMsg, resetLessonMsg:
		return m, m.handleLesson(msg)
	case workerClosedMsg:
		return m, nil
	case flowTickMsg:
		return m, m.handleTick(msg)
	case statusClearMsg:
		if msg.gen == m.statusGen {
			m.status = ""
		}
		return m, nil
	}
	return m, m.broadcast(msg)
}

// routeToInput hands a paste to whoever owns a text input: the dialog, or
// a view typing into its own (the objects filter).
func (m *Model) routeToInput(msg tea.Msg) tea.Cmd {
	if m.dialog != nil {
		var cmd tea.Cmd
		m.dialog, cmd = m.dialog.Update(msg)
		return cmd
	}
	if m.capturing() {
		return m.cur().Update(msg)
	}
	return nil
}

// setTheme rebuilds the styles for the terminal's background.
func (m *Model) setTheme(isDark bool) {
	*m.c.Styles = *styles.New(isDark)
	m.help.Styles = m.c.Styles.Help
}

// waitForEvent is the bridge from the worker: it delivers one event and
// is re-armed after each.
func (m *Model) waitForEvent() tea.Cmd { return waitForEvent(m.worker) }

// waitForEvent delivers w's next event, tagged with w.
func waitForEvent(w Worker) tea.Cmd {
	if w == nil {
		return nil
	}
	ch := w.Events()
	return func() tea.Msg {
		e, ok := <-ch
		if !ok {
			return workerClosedMsg{}
		}
		return workerEventMsg{ev: e, from: w}
	}
}

func (m *Model) loadIdentity() tea.Cmd {
	d := m.c.Data
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		id, err := d.Identity(ctx)
		return identityLoadedMsg{id: id, err: err}
	}
}

// setStatus shows a transient status that clears itself.
func (m *Model) setStatus(text string, isErr bool) tea.Cmd {
	m.status, m.statusErr = text, isErr
	m.statusGen++
	gen := m.statusGen
	d := 5 * time.Second
	if isErr {
		d = 10 * time.Second
	}
	return tea.Tick(d, func(time.Time) tea.Msg { return statusClearMsg{gen: gen} })
}
