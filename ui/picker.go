package ui

import (
	"os"
	"path/filepath"
	"sort"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
)

// filePicker browses the local disk for a file, inside a form (ctrl+o).
// It is written here rather than taken from bubbles' filepicker so that it
// fits its rows to the screen, marks folders in words as well as colour
// (a trailing "/" and "folder"), offers "../" as a row, and answers to the
// same keys as every list. Directories are read by a command, never in
// Update or View.
type filePicker struct {
	c       *Common
	dir     string // absolute
	entries []pickEntry
	cur     cursor
	loading bool
	err     error
	gen     int
	w       int
	from    string // the folder just left for its parent: selected when the parent lists
}

// pickEntry is one row of the picker.
type pickEntry struct {
	name string // ".." for the parent
	dir  bool
	size int64
}

// dirReadMsg carries a directory's entries; sent by readDir, handled by
// the picker of the open form (a stale gen is dropped).
type dirReadMsg struct {
	gen     int
	dir     string
	entries []pickEntry
	err     error
}

func newFilePicker(c *Common, w, rows int) *filePicker {
	p := &filePicker{c: c}
	p.SetSize(w, rows)
	return p
}

// SetSize sets the width and how many entries show at once.
func (p *filePicker) SetSize(w, rows int) {
	p.w = w
	p.cur.setHeight(rows)
}

// open starts reading dir.
func (p *filePicker) open(dir string) tea.Cmd {
	if abs, err := filepath.Abs(dir); err == nil {
		dir = abs
	}
	p.gen++
	p.dir, p.loading, p.err = dir, true, nil
	return readDir(p.gen, dir)
}

// readDir lists dir: its parent first, then folders, then files, by name;
// hidden entries are left out. Symbolic links count as what they point to.
func readDir(gen int, dir string) tea.Cmd {
	return func() tea.Msg {
		des, err := os.ReadDir(dir)
		if err != nil {
			return dirReadMsg{gen: gen, dir: dir, err: err}
		}
		var es []pickEntry
		for _, de := range des {
			if strings.HasPrefix(de.Name(), ".") {
				continue
			}
			e := pickEntry{name: de.Name(), dir: de.IsDir()}
			if info, err := os.Stat(filepath.Join(dir, de.Name())); err == nil {
				e.dir, e.size = info.IsDir(), info.Size()
			}
			es = append(es, e)
		}
		sort.SliceStable(es, func(i, j int) bool {
			if es[i].dir != es[j].dir {
				return es[i].dir
			}
			return strings.ToLower(es[i].name) < strings.ToLower(es[j].name)
		})
		if filepath.Dir(dir) != dir {
			es = append([]pickEntry{{name: "..", dir: true}}, es...)
		}
		return dirReadMsg{gen: gen, dir: dir, entries: es}
	}
}

// up opens the parent folder.
func (p *filePicker) up() tea.Cmd {
	from := filepath.Base(p.dir)
	cmd := p.open(filepath.Dir(p.dir))
	p.from = from
	return cmd
}

// startRow is the row to select in a fresh listing: the folder just
// left, else the first entry after "../".
func (p *filePicker) startRow() int {
	for i, e := range p.entries {
		if p.from != "" && e.name == p.from {
			return i
		}
	}
	if len(p.entries) > 1 && p.entries[0].name == ".." {
		return 1
	}
	return 0
}

// keyMap is the key map with the picker's keys: enter opens a folder or
// picks a file, ⌫ goes to the parent.
func (p *filePicker) keyMap() KeyMap {
	k := p.c.Keys
	e, ok := p.selected()
	k.Open = enable(k.Open, ok)
	if ok && e.dir {
		k.Open = brief(k.Open, "open folder")
	} else {
		k.Open = brief(k.Open, "pick file")
	}
	k.Back = brief(enable(k.Back, filepath.Dir(p.dir) != p.dir), "parent folder")
	k.Dismiss = brief(k.Dismiss, "back to the form")
	return k
}

func (p *filePicker) selected() (pickEntry, bool) {
	if p.loading || p.cur.pos < 0 || p.cur.pos >= len(p.entries) {
		return pickEntry{}, false
	}
	return p.entries[p.cur.pos], true
}

// Update moves, opens folders and returns the path of a picked file ("" until
// one is).
func (p *filePicker) Update(msg tea.Msg) (string, tea.Cmd) {
	switch msg := msg.(type) {
	case dirReadMsg:
		if msg.gen != p.gen {
			return "", nil
		}
		p.loading, p.err, p.entries = false, msg.err, msg.entries
		p.cur = cursor{height: p.cur.height}
		p.cur.setLen(len(p.entries))
		p.cur.pos = p.startRow()
		p.cur.clamp()
		p.from = ""
	case tea.MouseWheelMsg:
		p.cur.scroll(wheelDelta(msg))
	case tea.KeyPressMsg:
		k := p.keyMap()
		if p.cur.handleKey(k, msg) {
			return "", nil
		}
		switch {
		case key.Matches(msg, k.Back):
			return "", p.up()
		case key.Matches(msg, k.Open):
			e, _ := p.selected()
			path := filepath.Join(p.dir, e.name)
			switch {
			case e.name == "..":
				return "", p.up()
			case e.dir:
				return "", p.open(path)
			}
			return path, nil
		}
	}
	return "", nil
}

var pickerColumns = []column{{title: "NAME", width: 0}, {title: "SIZE", width: 9, right: true}}

// View draws where the picker is and the visible entries.
func (p *filePicker) View() string {
	st := p.c.Styles
	head := st.Label.Render("pick a file in ") + st.Bold.Render(fitLeft(p.dir, p.w-15))
	var body string
	switch {
	case p.err != nil:
		body = st.StatusError.Render(fit("cannot read this folder: "+p.err.Error(), p.w))
	case p.loading:
		body = st.Empty.Render("reading…")
	case len(p.entries) == 0:
		body = st.Empty.Render("no files here (hidden files are not listed) — ⌫ goes up")
	default:
		body = renderTable(st, pickerColumns, p.cur, p.w, true, func(i int) []string {
			e := p.entries[i]
			switch {
			case e.name == "..":
				return []string{st.Folder.Render("../"), st.Dim.Render("parent")}
			case e.dir:
				return []string{st.Folder.Render(e.name + "/"), st.Dim.Render("folder")}
			}
			return []string{e.name, humanSize(e.size)}
		})
	}
	// Pad to a steady height so the dialog does not jump between folders.
	lines := strings.Count(body, "\n") + 1
	body += strings.Repeat("\n", max(0, p.cur.height+1-lines))
	return head + "\n" + body
}

// ShortHelp lists the picker's keys.
func (p *filePicker) ShortHelp() []key.Binding {
	k := p.keyMap()
	return []key.Binding{k.Up, k.Down, k.PageDown, k.Open, k.Back, k.Dismiss}
}

// fitLeft cuts s to w cells from the left, so the end of a long path
// shows.
func fitLeft(s string, w int) string {
	if ansi.StringWidth(s) <= w {
		return s
	}
	if w <= 1 {
		return "…"
	}
	return "…" + ansi.TruncateLeft(s, ansi.StringWidth(s)-w+1, "")
}
