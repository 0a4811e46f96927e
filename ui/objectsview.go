package ui

import (
	"context"
	"fmt"
	"path"
	"slices"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"github.com/s3crypt/s3crypt/actions"
)

// pageSize is how many keys one listing request asks for.
const pageSize = 1000

// objectsView lists one bucket's objects under a prefix, folders first.
// Pages are fetched as the cursor nears the end of what is loaded, and the
// encryption of each object (which ListObjectsV2 does not say) is read by
// HEAD for the rows on screen only.
type objectsView struct {
	c              *Common
	bucket, prefix string
	rows           []ObjectRow
	index          map[string]int // key → row
	shown          []int          // rows matching the filter
	next           string
	loading        bool
	err            error
	gen            int
	asked          map[string]bool // keys whose encryption was requested
	cur            cursor
	filter         textinput.Model
	filtering      bool
	reselect       string // after a reload: the key to put the cursor back on
	vers           versionRows
	w, h           int
}

func newObjectsView(c *Common) *objectsView {
	in := textinput.New()
	in.Prompt = "/ "
	in.Placeholder = "filter loaded names"
	in.SetStyles(textinput.DefaultStyles(c.Styles.IsDark))
	return &objectsView{c: c, filter: in}
}

// SetSize sets the body size.
func (v *objectsView) SetSize(w, h int) {
	v.w, v.h = w, h
	v.cur.setHeight(h - 2)
	v.filter.SetWidth(max(10, w-4))
}

// open starts listing bucket under prefix.
func (v *objectsView) open(bucket, prefix string) tea.Cmd {
	v.bucket, v.prefix = bucket, prefix
	v.rows, v.shown, v.index, v.asked = nil, nil, map[string]int{}, map[string]bool{}
	v.next, v.err, v.loading, v.reselect = "", nil, true, ""
	v.vers = versionRows{}
	v.gen++
	v.cur = cursor{height: v.cur.height}
	v.filter.SetValue("")
	v.filtering = false
	return loadObjects(v.c.Data, v.gen, bucket, prefix, "")
}

// reload lists the current place again.
func (v *objectsView) reload() tea.Cmd {
	if v.bucket == "" {
		return nil
	}
	pos := v.cur.pos
	sel, ok := v.selected()
	cmd := v.open(v.bucket, v.prefix)
	v.cur.pos = pos
	if ok {
		// Rows may come and go (an upload sorts in above): stay on the
		// object, not the row number, so d and i act on what was selected.
		v.reselect = sel.Key
	}
	return cmd
}

// restoreSelection puts the cursor back on the key selected before a
// reload, once a page holding it is loaded.
func (v *objectsView) restoreSelection() {
	i, ok := v.index[v.reselect]
	if v.reselect == "" || !ok && v.next != "" {
		return
	}
	v.reselect = ""
	for si, ri := range v.shown {
		if ok && ri == i {
			v.cur.pos = si
			v.cur.clamp()
			return
		}
	}
}

// loadObjects fetches one page.
func loadObjects(d Data, gen int, bucket, prefix, token string) tea.Cmd {
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		defer cancel()
		page, err := d.ListObjects(ctx, bucket, prefix, token, pageSize)
		return objectsLoadedMsg{gen: gen, page: page, err: err}
	}
}

// loadEncryption HEADs keys for their encryption; instr are the listed
// instruction files (KEY.instruction), which make KEY client-side.
func loadEncryption(d Data, gen int, bucket string, keys, instr []string) tea.Cmd {
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		defer cancel()
		encs, _ := d.HeadObjects(ctx, bucket, keys, instr)
		return encLoadedMsg{gen: gen, keys: keys, encs: encs}
	}
}

// addPage appends a loaded page.
func (v *objectsView) addPage(msg objectsLoadedMsg) tea.Cmd {
	if msg.gen != v.gen {
		return nil
	}
	v.loading = false
	if msg.err != nil {
		v.err = msg.err
		return nil
	}
	for _, r := range msg.page.Rows {
		v.index[r.Key] = len(v.rows)
		v.rows = append(v.rows, r)
	}
	v.next = msg.page.Next
	v.applyFilter()
	v.restoreSelection()
	return v.ensure()
}

// setEnc records HEAD results.
func (v *objectsView) setEnc(msg encLoadedMsg) {
	if msg.gen != v.gen {
		return
	}
	for i, k := range msg.keys {
		if j, ok := v.index[k]; ok && i < len(msg.encs) {
			v.rows[j].Enc = msg.encs[i]
		}
	}
}

// applyFilter recomputes the shown rows.
func (v *objectsView) applyFilter() {
	q := strings.ToLower(strings.TrimSpace(v.filter.Value()))
	v.shown = v.shown[:0]
	for i, r := range v.rows {
		if r.Version == nil && (q == "" || strings.Contains(strings.ToLower(v.name(r)), q)) {
			v.shown = append(v.shown, i)
			v.shown = append(v.shown, v.vers.open[r.Key]...)
		}
	}
	v.cur.setLen(len(v.shown))
}

// ensure fetches the next page when the cursor nears the end, and the
// encryption of visible rows not yet known.
func (v *objectsView) ensure() tea.Cmd {
	var cmds []tea.Cmd
	if v.next != "" && !v.loading && v.cur.pos+v.cur.height*2 >= len(v.shown) {
		v.loading = true
		cmds = append(cmds, loadObjects(v.c.Data, v.gen, v.bucket, v.prefix, v.next))
	}
	var keys []string
	from, to := v.cur.visible()
	for i := from; i < to; i++ {
		r := v.rows[v.shown[i]]
		if !r.Folder && !r.Enc.Known && !v.asked[r.Key] {
			v.asked[r.Key] = true
			keys = append(keys, r.Key)
		}
	}
	if len(keys) > 0 {
		cmds = append(cmds, loadEncryption(v.c.Data, v.gen, v.bucket, keys, v.instructionFiles(keys)))
	}
	return tea.Batch(cmds...)
}

// instructionFiles are the loaded rows that are the instruction file
// (KEY.instruction) of one of keys.
func (v *objectsView) instructionFiles(keys []string) []string {
	var out []string
	for _, k := range keys {
		if _, ok := v.index[k+actions.InstructionSuffix]; ok {
			out = append(out, k+actions.InstructionSuffix)
		}
	}
	return out
}

// name is a row's name relative to the prefix.
func (v objectsView) name(r ObjectRow) string { return strings.TrimPrefix(r.Key, v.prefix) }

// selected returns the selected row.
func (v objectsView) selected() (ObjectRow, bool) {
	if v.cur.pos < 0 || v.cur.pos >= len(v.shown) {
		return ObjectRow{}, false
	}
	return v.rows[v.shown[v.cur.pos]], true
}

// parent is the prefix one level up.
func parent(prefix string) string {
	p := path.Dir(strings.TrimSuffix(prefix, "/"))
	if p == "." || p == "/" {
		return ""
	}
	return p + "/"
}

// Update handles the view's keys, its pages and the filter's input, and
// returns intents for the root.
func (v *objectsView) Update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case tea.KeyPressMsg:
		var cmd tea.Cmd
		if v.filtering {
			*v, cmd = v.updateFilter(msg)
			return cmd
		}
		if v.cur.handleKey(v.c.Keys, msg) {
			return v.ensure()
		}
		*v, cmd = v.handleAction(msg)
		return cmd
	case tea.MouseWheelMsg:
		v.cur.scroll(wheelDelta(msg))
		return v.ensure()
	case objectsLoadedMsg:
		return v.addPage(msg)
	case encLoadedMsg:
		v.setEnc(msg)
	case placeChangedMsg:
		v.open("", "")
		v.loading = false
	case openBucketMsg:
		return tea.Batch(showView(v), v.open(msg.bucket, ""))
	case refreshMsg:
		if msg.what&refreshObjects != 0 {
			return v.reload()
		}
	case jobEndedMsg:
		if r, ok := msg.result.(objectVersions); ok && msg.state == jobDone {
			return v.expandVersions(r)
		}
		if cmd, ok := reencryptWizardResult(v.c, msg); ok {
			return cmd
		}
	default:
		if v.filtering {
			var cmd tea.Cmd
			v.filter, cmd = v.filter.Update(msg) // the input's cursor blinks, a paste
			return cmd
		}
	}
	return nil
}

// capturing reports whether the filter is being typed: every key goes to
// it.
func (v *objectsView) capturing() bool { return v.filtering }

// escDesc is what esc does: clear a kept filter.
func (v *objectsView) escDesc() string {
	if v.filter.Value() != "" {
		return "clear filter"
	}
	return ""
}

// esc clears the kept filter.
func (v *objectsView) esc() tea.Cmd {
	v.filter.SetValue("")
	v.applyFilter()
	return v.ensure()
}

// onShow opens the bucket selected in Buckets when none is open yet.
func (v *objectsView) onShow() tea.Cmd {
	if v.bucket == "" && v.c.Catalog.Bucket != "" {
		return v.open(v.c.Catalog.Bucket, "")
	}
	return nil
}

// clickRow selects the object clicked (below the breadcrumb and header).
func (v *objectsView) clickRow(y int) tea.Cmd {
	if clickCursor(&v.cur, y, 2) {
		return v.ensure()
	}
	return nil
}

func (v objectsView) updateFilter(msg tea.KeyPressMsg) (objectsView, tea.Cmd) {
	k := v.c.Keys
	switch {
	case key.Matches(msg, k.FilterClear):
		v.filter.SetValue("")
		v.filtering = false
		v.filter.Blur()
	case key.Matches(msg, k.FilterKeep):
		v.filtering = false
		v.filter.Blur()
	default:
		var cmd tea.Cmd
		v.filter, cmd = v.filter.Update(msg)
		v.applyFilter()
		return v, tea.Batch(cmd, v.ensure())
	}
	v.applyFilter()
	return v, v.ensure()
}

// keyMap is the key map with the view's keys enabled for the place and
// the selected row: nothing without a bucket; open on a folder; inspect
// (i or enter), download and delete on an object.
func (v objectsView) keyMap() KeyMap {
	k := v.c.Keys
	open := v.bucket != ""
	row, ok := v.selected()
	file, folder := open && ok && !row.Folder, open && ok && row.Folder
	k.Filter, k.Upload, k.Back = enable(k.Filter, open), enable(k.Upload, open), enable(k.Back, open)
	k.ReencryptAll = enable(k.ReencryptAll, open)
	if v.prefix == "" {
		k.Back = brief(k.Back, "back to buckets")
	}
	k.Open = enable(k.Open, folder)
	k.Inspect = enable(k.Inspect, file)
	k.Inspect.SetKeys(slices.Concat(k.Inspect.Keys(), k.Open.Keys())...) // enter on an object inspects it too (a new slice: the KeyMap's is shared)
	k.Download, k.DeleteObject = enable(k.Download, file), enable(k.DeleteObject, file)
	k.Reencrypt, k.Versions = enable(k.Reencrypt, file), enable(k.Versions, file)
	if ok && row.Version != nil {
		k = v.versionKeyMap(k, row)
	}
	return k
}

func (v objectsView) handleAction(msg tea.KeyPressMsg) (objectsView, tea.Cmd) {
	k := v.keyMap()
	switch {
	case key.Matches(msg, k.Filter):
		v.filtering = true
		return v, v.filter.Focus()
	case key.Matches(msg, k.Back):
		if v.prefix == "" {
			return v, func() tea.Msg { return backToBucketsMsg{} }
		}
		return v, v.open(v.bucket, parent(v.prefix))
	case key.Matches(msg, k.Upload):
		b, p := v.bucket, v.prefix
		return v, func() tea.Msg { return requestUploadMsg{bucket: b, prefix: p} }
	case key.Matches(msg, k.ReencryptAll):
		return v, openDialog(newReencryptWizard(v.c, v.bucket, v.prefix, v.c.Catalog.Keys))
	}
	row, _ := v.selected()
	if row.Version != nil {
		return v, v.versionAction(k, msg, row)
	}
	switch {
	case key.Matches(msg, k.Open):
		return v, v.open(v.bucket, row.Key)
	case key.Matches(msg, k.Inspect):
		b := v.bucket
		return v, func() tea.Msg { return inspectMsg{bucket: b, key: row.Key} }
	case key.Matches(msg, k.Download):
		return v, openDialog(newDownloadForm(v.c, v.bucket, row))
	case key.Matches(msg, k.Versions):
		return v, v.toggleVersions(row)
	case key.Matches(msg, k.Reencrypt):
		return v, openDialog(newReencryptForm(v.c, v.bucket, row, v.c.Catalog.Keys))
	case key.Matches(msg, k.DeleteObject):
		return v, openDialog(newConfirm(v.c, "Delete "+v.name(row)+"?",
			"The object's ciphertext and wrapped keys are deleted from s3://"+v.bucket+" (on a versioned bucket, a delete marker hides it).",
			"delete", true, startJobMsg{action: &actions.DeleteObject{Bucket: v.bucket, Key: row.Key},
				meta: jobMeta{Title: "delete " + v.name(row), Refresh: refreshObjects,
					Flow: flowSpec{Mode: flowS3, Upload: true, Subject: "DeleteObject " + v.name(row)}}}))
	}
	return v, nil
}

// backToBucketsMsg asks for the buckets; sent by the objects view at a
// bucket's root, handled by the buckets view (which asks the root to show
// it).
type backToBucketsMsg struct{}

// requestUploadMsg asks the root to open the upload dialog (it knows the
// bucket's default and the keys); sent by the objects view.
type requestUploadMsg struct{ bucket, prefix string }

var objectColumns = []column{{title: "NAME", width: 0}, {title: "SIZE", width: 9, right: true},
	{title: "MODIFIED", width: 8}, {title: "ENCRYPTION", width: 26}}

var objectColumnsNarrow = []column{{title: "NAME", width: 0}, {title: "SIZE", width: 9, right: true}, {title: "ENCRYPTION", width: 24}}

// View draws the breadcrumb, filter and the visible rows.
func (v objectsView) View(focused bool) string {
	names := v.c.Catalog.Names
	st := v.c.Styles
	if v.bucket == "" {
		return st.Empty.Render("no bucket open — pick one in Buckets (2) and press enter")
	}
	crumb := st.Breadcrumb.Render(v.bucket) + st.Dim.Render(" / ") + st.Bold.Render(v.prefix)
	right := st.Dim.Render(v.countLabel())
	head := fit(crumb, v.w-lipgloss.Width(right)-1) + " " + right
	if v.filtering || v.filter.Value() != "" {
		head = v.filter.View()
	}
	var body string
	switch {
	case v.err != nil:
		body = renderError(st, v.err, v.w)
	case len(v.rows) == 0 && v.loading:
		body = st.Empty.Render("listing…")
	case len(v.rows) == 0:
		body = st.Empty.Render("empty — press u to upload a file here")
	case len(v.shown) == 0:
		body = st.Empty.Render("nothing matches the filter (esc clears it)")
	default:
		body = v.table(focused, names)
	}
	return head + "\n" + body
}

func (v objectsView) table(focused bool, names map[string]string) string {
	st := v.c.Styles
	cols := objectColumns
	if v.w < 70 {
		cols = objectColumnsNarrow
	}
	now := v.c.Now()
	return renderTable(st, cols, v.cur, v.w, focused, func(i int) []string {
		r := v.rows[v.shown[i]]
		if r.Version != nil {
			return v.versionCells(r, now, names)
		}
		if r.Folder {
			return []string{st.Folder.Render(v.name(r)), "", "", st.Dim.Render("folder")}
		}
		enc := encBadge(st, r.Enc, names)
		if v.w < 70 {
			return []string{v.name(r), humanSize(r.Size), enc}
		}
		return []string{v.name(r), humanSize(r.Size), humanTime(r.Modified, now), enc}
	})
}

func (v objectsView) countLabel() string {
	more := ""
	if v.next != "" {
		more = "+"
	}
	if v.loading && len(v.rows) > 0 {
		more += " loading…"
	}
	return fmt.Sprintf("%d%s", len(v.rows), more)
}

// Tab names the view.
func (v objectsView) Tab() string { return "Objects" }

// Place is where the person is.
func (v objectsView) Place() string {
	if v.bucket == "" {
		return "no bucket open"
	}
	return "s3://" + v.bucket + "/" + v.prefix
}

// Details describes the selected object or folder.
func (v objectsView) Details(w int) string {
	if r, ok := v.selected(); ok && r.Version != nil {
		return v.versionDetails(r, w)
	} else if ok {
		return objectDetails(v.c.Styles, v.bucket, r, v.c.Catalog.Names, v.c.Backend.Sandbox, v.c.Now(), w)
	}
	return v.c.Styles.Empty.Render("nothing selected")
}

// Title is the pane title's detail.
func (v objectsView) Title() string {
	if v.bucket == "" {
		return "objects"
	}
	return "s3://" + v.bucket + "/" + v.prefix
}

// ShortHelp lists the view's keys for the help bar.
func (v objectsView) ShortHelp() []key.Binding {
	if v.filtering {
		return []key.Binding{v.c.Keys.FilterKeep, v.c.Keys.FilterClear}
	}
	k := v.keyMap()
	return []key.Binding{k.Open, k.Back, k.Upload, k.Download, k.Inspect, k.DeleteObject, k.Filter}
}

// FullHelp groups the view's keys for the help screen.
func (v objectsView) FullHelp() [][]key.Binding {
	return [][]key.Binding{v.c.Keys.listHelp(), append(v.ShortHelp(), v.keyMap().Reencrypt, v.keyMap().Versions, v.keyMap().ReencryptAll)}
}
