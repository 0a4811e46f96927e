package ui

import (
	"strconv"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/s3crypt/s3crypt/learn"
)

// view is one tab of the main pane: Keys, Buckets, Objects, Learn. The
// root keeps the views in a slice and knows nothing else of them, so a new
// view is one file implementing view plus one line in newViews.
type view interface {
	// Tab names the view on its tab, in the full help and on its key
	// ("Keys": tab "1 Keys", key "1 keys").
	Tab() string
	// Title is the pane title's detail beside the tabs ("3 KMS keys").
	Title() string
	// Place says where the person is, for the idle status line.
	Place() string
	// SetSize sets the body size (inside the pane's border).
	SetSize(w, h int)
	// Update handles a key or wheel event while the view is shown and its
	// pane focused, and every message the root does not own (data results,
	// refreshMsg, jobEndedMsg, its own ticks) whether shown or not. It
	// returns intents for the root, never acts itself.
	Update(msg tea.Msg) tea.Cmd
	// View draws the body; focused says the pane has focus.
	View(focused bool) string
	// Details is the details pane for the view's selection, in w cells.
	Details(w int) string
	// ShortHelp lists the keys that apply now, for the help bar.
	ShortHelp() []key.Binding
	// FullHelp groups the view's keys for the help screen.
	FullHelp() [][]key.Binding
}

// The optional parts of a view, asked for by type assertion.
type (
	// capturer is a view with a text input that, while capturing, takes
	// every key (the objects filter being typed) and the input's own
	// messages (cursor blinks, paste).
	capturer interface{ capturing() bool }
	// escTaker is a view that uses esc itself when escDesc is not "" (the
	// objects view clears a kept filter); otherwise esc cancels the job.
	escTaker interface {
		escDesc() string
		esc() tea.Cmd
	}
	// clicker is a view whose body line y can be clicked.
	clicker interface{ clickRow(y int) tea.Cmd }
	// shower is a view told when it becomes the current one.
	shower interface{ onShow() tea.Cmd }
	// detailer is a view whose details matter more than the flow while
	// detailsFirst says so (the Learn list: the selected lesson's
	// introduction): on small screens, showing it shows its details.
	detailer interface{ detailsFirst() bool }
	// globalKeyer is a view with keys that work whatever view is shown
	// (the open lesson's hint, next step, leave).
	globalKeyer interface {
		globalKey(msg tea.KeyPressMsg) (tea.Cmd, bool)
		globalHelp() []key.Binding
	}
	// sider is a view that, while side says so, shows a pane of its own in
	// the aws log's place whatever view is shown (the open lesson's step).
	sider interface {
		side() (title string, ok bool)
		sideView(w, h int, focused bool) string
		sideUpdate(msg tea.Msg) tea.Cmd
	}
)

// The views, in tab order: their index in Model.views.
const (
	viewKeys viewID = iota
	viewBuckets
	viewObjects
	viewLearn
)

// newViews builds the views in tab order (the order of the viewID
// constants). Registering a view is a line here.
func (m *Model) newViews(lessons []learn.Lesson) {
	c := m.c
	m.keys, m.buckets, m.objects = newKeysView(c), newBucketsView(c), newObjectsView(c)
	m.views = []view{m.keys, m.buckets, m.objects, newLearnView(c, lessons),
		newAuditView(c)}
}

// side is the view showing a pane in the aws log's place, if any.
func (m *Model) side() (sider, string) {
	for _, v := range m.views {
		if s, ok := v.(sider); ok {
			if title, on := s.side(); on {
				return s, title
			}
		}
	}
	return nil, ""
}

// globalKey offers a key to the views' keys that work everywhere.
func (m *Model) globalKey(msg tea.KeyPressMsg) (tea.Cmd, bool) {
	for _, v := range m.views {
		if g, ok := v.(globalKeyer); ok {
			if cmd, ok := g.globalKey(msg); ok {
				return cmd, true
			}
		}
	}
	return nil, false
}

// globalHelp lists the views' keys that work everywhere.
func (m *Model) globalHelp() []key.Binding {
	var bs []key.Binding
	for _, v := range m.views {
		if g, ok := v.(globalKeyer); ok {
			bs = append(bs, g.globalHelp()...)
		}
	}
	return bs
}

// cur is the view shown.
func (m *Model) cur() view { return m.views[m.view] }

// indexOf is v's place in the views, or -1.
func (m *Model) indexOf(v view) viewID {
	for i, x := range m.views {
		if x == v {
			return viewID(i)
		}
	}
	return -1
}

// capturing reports whether the shown view takes every key.
func (m *Model) capturing() bool {
	c, ok := m.cur().(capturer)
	return ok && c.capturing()
}

// viewEsc is what esc does in the shown view ("" when it leaves esc to
// the root): only while its list has focus and nothing is being typed.
func (m *Model) viewEsc() (escTaker, string) {
	e, ok := m.cur().(escTaker)
	if !ok || m.focus != paneList || m.capturing() {
		return nil, ""
	}
	return e, e.escDesc()
}

// broadcast hands msg to every view and to the open dialog (a message the
// root does not own: data results, refreshes, ticks, input blinks).
func (m *Model) broadcast(msg tea.Msg) tea.Cmd {
	cmds := make([]tea.Cmd, 0, len(m.views)+1)
	if m.dialog != nil {
		var cmd tea.Cmd
		m.dialog, cmd = m.dialog.Update(msg)
		cmds = append(cmds, cmd)
	}
	for _, v := range m.views {
		cmds = append(cmds, v.Update(msg))
	}
	return tea.Batch(cmds...)
}

// viewBindings are the keys that show each view: 1, 2, 3, …
func (m *Model) viewBindings() []key.Binding {
	bs := make([]key.Binding, len(m.views))
	for i, v := range m.views {
		n := strconv.Itoa(i + 1)
		bs[i] = key.NewBinding(key.WithKeys(n), key.WithHelp(n, strings.ToLower(v.Tab())))
	}
	return bs
}

// showViewMsg asks the root to show a view; sent by a view (Objects when
// a bucket is opened, Buckets on the way back).
type showViewMsg struct{ v view }

// showView is the command that shows v.
func showView(v view) tea.Cmd { return func() tea.Msg { return showViewMsg{v: v} } }

// refreshMsg asks the views to reload what r names; sent by the root on r
// and after each job, handled by each view for its own list.
type refreshMsg struct{ what refresh }

// jobEndedMsg tells the views a job ended; sent by the root after a job's
// last event, handled by views that follow jobs (select what was created,
// re-run lesson checks).
type jobEndedMsg struct {
	state  jobState
	result any
}

// clickCursor selects the row at body line y of a list whose header takes
// head lines, and reports whether y was a row.
func clickCursor(c *cursor, y, head int) bool {
	row := c.offset + y - head
	if y < head || row >= c.n {
		return false
	}
	c.pos = row
	c.clamp()
	return true
}
