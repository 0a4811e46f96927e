package ui

import (
	"context"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/s3crypt/s3crypt/actions"
)

// bucketsView lists the buckets with their default encryption, bucket key
// and SSE-C setting.
type bucketsView struct {
	c       *Common
	rows    []BucketRow
	cur     cursor
	loading bool
	err     error
	w, h    int
	want    string // a bucket to select when it appears (just created)
}

func newBucketsView(c *Common) *bucketsView { return &bucketsView{c: c, loading: true} }

// loadBuckets lists the buckets with their encryption.
func loadBuckets(d Data) tea.Cmd {
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		defer cancel()
		rows, err := d.ListBuckets(ctx)
		return bucketsLoadedMsg{rows: rows, err: err}
	}
}

// SetSize sets the body size.
func (v *bucketsView) SetSize(w, h int) {
	v.w, v.h = w, h
	v.cur.setHeight(h - 1)
}

// setRows replaces the list, keeping the selected bucket if it remains.
func (v *bucketsView) setRows(rows []BucketRow, err error) {
	v.loading, v.err = false, err
	if err != nil {
		return
	}
	sel := ""
	if s, ok := v.selected(); ok {
		sel = s.Name
	}
	v.rows = rows
	v.want = reselect(&v.cur, rows, func(r BucketRow) string { return r.Name }, sel, v.want)
	v.publish()
}

// publish tells the other views the buckets and the selected one.
func (v *bucketsView) publish() {
	if v.c == nil {
		return
	}
	v.c.Catalog.Buckets = v.rows
	v.c.Catalog.Bucket = ""
	if r, ok := v.selected(); ok {
		v.c.Catalog.Bucket = r.Name
	}
}

// selected returns the selected bucket.
func (v bucketsView) selected() (BucketRow, bool) {
	if v.cur.pos < 0 || v.cur.pos >= len(v.rows) {
		return BucketRow{}, false
	}
	return v.rows[v.cur.pos], true
}

// Update handles the view's keys and its list, and returns intents for
// the root.
func (v *bucketsView) Update(msg tea.Msg) tea.Cmd {
	defer v.publish()
	switch msg := msg.(type) {
	case tea.KeyPressMsg:
		if v.cur.handleKey(v.c.Keys, msg) {
			return nil
		}
		return v.handleAction(msg, v.c.Catalog.Keys)
	case tea.MouseWheelMsg:
		v.cur.scroll(wheelDelta(msg))
	case bucketsLoadedMsg:
		v.setRows(msg.rows, msg.err)
	case placeChangedMsg:
		*v = bucketsView{c: v.c, loading: true, w: v.w, h: v.h, cur: cursor{height: v.cur.height}}
	case backToBucketsMsg:
		return showView(v)
	case refreshMsg:
		if msg.what&refreshBuckets != 0 {
			return loadBuckets(v.c.Data)
		}
	case jobEndedMsg:
		if r, ok := msg.result.(actions.MakeBucketResult); ok {
			v.want = r.Bucket // select the new bucket once the refresh brings it in
		}
		if r, ok := msg.result.(versioningRead); ok && msg.state == jobDone {
			return askVersioning(v.c, r.VersioningResult)
		}
	}
	return nil
}

// clickRow selects the bucket clicked.
func (v *bucketsView) clickRow(y int) tea.Cmd {
	clickCursor(&v.cur, y, 1)
	v.publish()
	return nil
}

// keyMap is the key map with the keys on a bucket enabled only when one
// is selected.
func (v bucketsView) keyMap() KeyMap {
	k := v.c.Keys
	_, ok := v.selected()
	k.Open, k.DeleteBucket, k.EditEncryption = enable(k.Open, ok), enable(k.DeleteBucket, ok), enable(k.EditEncryption, ok)
	k.Versioning = enable(k.Versioning, ok)
	return k
}

func (v bucketsView) handleAction(msg tea.KeyPressMsg, keys []KeyRow) tea.Cmd {
	k := v.keyMap()
	if key.Matches(msg, k.NewBucket) {
		return openDialog(newMakeBucketForm(v.c))
	}
	if key.Matches(msg, k.CheckEndpoint) {
		return checkEndpointJob(v.c)
	}
	row, ok := v.selected()
	if !ok {
		return nil
	}
	switch {
	case key.Matches(msg, k.Open):
		name := row.Name
		return func() tea.Msg { return openBucketMsg{bucket: name} }
	case key.Matches(msg, k.DeleteBucket):
		return openDialog(newConfirm(v.c, "Delete bucket "+row.Name+"?",
			"S3 deletes a bucket only when it is empty; delete its objects first. The name becomes free for anyone to take.",
			"delete", true, startJobMsg{action: &actions.RemoveBucket{Bucket: row.Name},
				meta: jobMeta{Title: "delete bucket " + row.Name, Refresh: refreshBuckets,
					Flow: flowSpec{Mode: flowS3, Upload: true, Subject: "DeleteBucket " + row.Name}}}))
	case key.Matches(msg, k.EditEncryption):
		return openDialog(newBucketEncryptionForm(v.c, row, keys))
	case key.Matches(msg, k.Versioning):
		return versioningJob(row.Name)
	}
	return nil
}

var bucketColumns = []column{{title: "BUCKET", width: 0}, {title: "DEFAULT ENCRYPTION", width: 26},
	{title: "BUCKET KEY", width: 10}, {title: "SSE-C", width: 7}}

// View draws the list.
func (v bucketsView) View(focused bool) string {
	st, names := v.c.Styles, v.c.Catalog.Names
	switch {
	case v.err != nil:
		return renderError(st, v.err, v.w)
	case v.loading:
		return st.Empty.Render("loading buckets…")
	case len(v.rows) == 0:
		hint := "New to S3 encryption? Press 4 for guided lessons: each runs on a sandbox of its own and checks what you do."
		if l := v.c.Backend.Lesson; l != "" { // in a lesson already: point at its steps, not at lessons
			hint = "This is " + l + "'s own sandbox: its steps and what it checks are in 4 Learn."
		}
		return st.Empty.Render("no buckets yet — press n to create one") + "\n\n" + st.Hint.Render(wrap(hint, v.w))
	}
	return renderTable(st, bucketColumns, v.cur, v.w, focused, func(i int) []string {
		r := v.rows[i]
		bk, ssec := st.Dim.Render("off"), st.StateEnabled.Render("blocked")
		if r.Enc.BucketKey {
			bk = st.Key.Render("on")
		}
		if !r.Enc.SSECBlocked {
			ssec = st.StateDisabled.Render("allowed")
		}
		if !r.Enc.Loaded || r.Enc.Err != "" {
			bk, ssec = "", ""
		}
		return []string{st.Bold.Render(r.Name), bucketEncBadge(st, r.Enc, names), bk, ssec}
	})
}

// Tab names the view.
func (v bucketsView) Tab() string { return "Buckets" }

// Place is where the person is.
func (v bucketsView) Place() string { return "buckets in " + v.c.Backend.Region }

// Details describes the selected bucket.
func (v bucketsView) Details(w int) string {
	if r, ok := v.selected(); ok {
		return bucketDetails(v.c.Styles, r, v.c.Catalog.Names, w)
	}
	return v.c.Styles.Empty.Render("nothing selected")
}

// Title is the pane title's detail.
func (v bucketsView) Title() string {
	if v.loading {
		return "buckets"
	}
	return plural(len(v.rows), "bucket", "buckets")
}

// ShortHelp lists the view's keys for the help bar.
func (v bucketsView) ShortHelp() []key.Binding {
	k := v.keyMap()
	return []key.Binding{k.Open, k.NewBucket, k.EditEncryption, k.DeleteBucket}
}

// FullHelp groups the view's keys for the help screen.
func (v bucketsView) FullHelp() [][]key.Binding {
	return [][]key.Binding{v.c.Keys.listHelp(), append(v.ShortHelp(), v.keyMap().Versioning, v.keyMap().CheckEndpoint)}
}
