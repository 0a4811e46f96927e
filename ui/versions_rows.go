package ui

import (
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/s3crypt/s3crypt/actions"
)

// This file expands an object to its versions inside the objects list:
// V on an object lists its versions (a job: ListObjectVersions, then a
// HEAD per version, actions.ListVersions), and its answer puts one child
// row per version under the object, each with its own encryption, size,
// date and whether it is current; delete markers are shown as such. On a
// version row d, i and x act on that version (--version-id); V again (on
// the object or any of its versions) folds them away.

// VersionInfo is what a version row adds to an ObjectRow.
type VersionInfo struct {
	ID     string
	Latest bool
	Marker bool // a delete marker: no data, no encryption
}

// versionRows are the version rows of the expanded objects. The rows
// themselves live in objectsView.rows (after the listing's, never in its
// index); open maps an expanded object's key to their row indices, newest
// first.
type versionRows struct {
	open map[string][]int
}

// toggleVersions folds an expanded object's versions away, or lists them.
func (v *objectsView) toggleVersions(row ObjectRow) tea.Cmd {
	if _, ok := v.vers.open[row.Key]; ok {
		delete(v.vers.open, row.Key)
		v.applyFilter()
		v.selectKey(row.Key, "")
		return nil
	}
	return versionsJob(v.bucket, row.Key)
}

// expandVersions puts a listing's versions under their object (a listing
// for another bucket, or for an object no longer listed, is dropped).
func (v *objectsView) expandVersions(r objectVersions) tea.Cmd {
	if r.Bucket != v.bucket {
		return nil
	}
	if _, ok := v.index[r.Key]; !ok {
		return nil
	}
	if v.vers.open == nil {
		v.vers.open = map[string][]int{}
	}
	// Rows of an earlier expansion stay in rows, unreferenced, until
	// the next listing: cheaper than renumbering every index.
	idx := make([]int, 0, len(r.Versions))
	for _, e := range r.Versions {
		row := ObjectRow{Key: e.Key, Size: e.Size, Modified: e.LastModified,
			Version: &VersionInfo{ID: e.VersionID, Latest: e.IsLatest, Marker: e.DeleteMarker}}
		if e.DeleteMarker {
			row.Enc = ObjectEnc{Known: true, Mode: "delete marker"}
		} else {
			row.Enc = objectEncOf(e.ObjectEntry)
		}
		idx = append(idx, len(v.rows))
		v.rows = append(v.rows, row)
	}
	v.vers.open[r.Key] = idx
	v.applyFilter()
	if len(idx) > 0 {
		v.selectKey(r.Key, r.Versions[0].VersionID)
	}
	return v.ensure()
}

// selectKey puts the cursor on key's row, or on its version id's row.
func (v *objectsView) selectKey(key, versionID string) {
	for si, ri := range v.shown {
		r := v.rows[ri]
		if r.Key == key && (versionID == "" && r.Version == nil || r.Version != nil && r.Version.ID == versionID) {
			v.cur.pos = si
			v.cur.clamp()
			return
		}
	}
}

// versionKeyMap enables the keys that act on a version: download and
// inspect a version with data, delete any (deleting a marker brings the
// version under it back), V to fold; re-encryption acts on the current
// object only.
func (v objectsView) versionKeyMap(k KeyMap, row ObjectRow) KeyMap {
	data := !row.Version.Marker
	k.Download, k.Inspect = enable(k.Download, data), enable(k.Inspect, data)
	k.DeleteObject = brief(k.DeleteObject, "delete version")
	k.Reencrypt = enable(k.Reencrypt, false)
	k.Versions = brief(k.Versions, "fold versions")
	return k
}

// versionAction runs a key on a version row.
func (v *objectsView) versionAction(k KeyMap, msg tea.KeyPressMsg, row ObjectRow) tea.Cmd {
	id := row.Version.ID
	name := v.name(row) + " version " + shortVersion(id)
	switch {
	case key.Matches(msg, k.Versions):
		return v.toggleVersions(ObjectRow{Key: row.Key})
	case key.Matches(msg, k.Inspect):
		return startJob(&actions.Head{Bucket: v.bucket, Key: row.Key, VersionID: id, KeyOptional: true},
			jobMeta{Title: "inspect " + name, Flow: flowSpec{Mode: flowOf(objectMode(row.Enc)), Subject: "HeadObject " + name}})
	case key.Matches(msg, k.Download):
		return openDialog(newDownloadForm(v.c, v.bucket, row))
	case key.Matches(msg, k.DeleteObject):
		what := "This version's ciphertext and wrapped keys are deleted for good; the other versions keep theirs."
		if row.Version.Marker {
			what = "The delete marker goes; the version under it becomes current again."
		}
		return openDialog(newConfirm(v.c, "Delete "+name+"?", what, "delete", true,
			startJobMsg{action: &actions.DeleteObject{Bucket: v.bucket, Key: row.Key, VersionID: id},
				meta: jobMeta{Title: "delete " + name, Refresh: refreshObjects,
					Flow: flowSpec{Mode: flowS3, Upload: true, Subject: "DeleteObject " + name}}}))
	}
	return nil
}

// versionCells is a version row's cells: its id and whether it is
// current under the object's name, its size, date and own encryption.
func (v objectsView) versionCells(r ObjectRow, now time.Time, names map[string]string) []string {
	st := v.c.Styles
	state := "noncurrent"
	if r.Version.Latest {
		state = "current"
	}
	name := st.Dim.Render("  └ ") + shortVersion(r.Version.ID) + " " + st.Dim.Render(state)
	size, enc := humanSize(r.Size), encBadge(st, r.Enc, names)
	if r.Version.Marker {
		size, enc = "", st.Dim.Render("delete marker")
	}
	if v.w < 70 {
		return []string{name, size, enc}
	}
	return []string{name, size, humanTime(r.Modified, now), enc}
}

// shortVersion is a version id short enough for a row ("null" stays).
func shortVersion(id string) string {
	if len(id) > 8 {
		return id[:8] + "…"
	}
	return id
}

// versionDetails describes a version row: the object's details with the
// version's id and state, or what a delete marker is.
func (v objectsView) versionDetails(r ObjectRow, w int) string {
	st := v.c.Styles
	state := "noncurrent: an older version, kept with its own encryption"
	if r.Version.Latest {
		state = "current: what a GET without --version-id returns"
	}
	if r.Version.Marker {
		return kv(st, w, "object", "s3://"+v.bucket+"/"+r.Key, "version", r.Version.ID, "state", state,
			"created", humanTime(r.Modified, v.c.Now())) + "\n" +
			st.Dim.Render(wrap("A delete marker: no data and no encryption. It hides the versions under it, which keep their own keys; deleting it brings the newest one back.", w)) +
			"\n" + st.Hint.Render("x deletes the marker · V folds the versions")
	}
	d := objectDetails(st, v.bucket, r, v.c.Catalog.Names, v.c.Backend.Sandbox, v.c.Now(), w)
	if i := strings.LastIndex(d, "\n"); i >= 0 {
		d = d[:i] // the object's key hint
	}
	return kv(st, w, "version", r.Version.ID, "state", state) + "\n" + d + "\n" +
		st.Hint.Render("i inspects · d downloads · x deletes this version (--version-id) · V folds")
}
