package ui

import (
	"github.com/s3crypt/s3crypt/actions"
)

// keysLoadedMsg carries the Keys list; sent by loadKeys, handled by the root
// (which hands it to the keys view).
type keysLoadedMsg struct {
	rows []KeyRow
	err  error
}

// bucketsLoadedMsg carries the Buckets list; sent by loadBuckets, handled by
// the root for the buckets view.
type bucketsLoadedMsg struct {
	rows []BucketRow
	err  error
}

// objectsLoadedMsg carries one page of a listing; sent by loadObjects,
// handled by the objects view (dropped when gen is stale).
type objectsLoadedMsg struct {
	gen  int
	page ObjectPage
	err  error
}

// encLoadedMsg carries the encryption of some listed objects; sent by
// loadEncryption, handled by the objects view.
type encLoadedMsg struct {
	gen  int
	keys []string
	encs []ObjectEnc
}

// identityLoadedMsg carries who requests are signed as; sent by
// loadIdentity, handled by the root for the header.
type identityLoadedMsg struct {
	id  string
	err error
}

// inspectedMsg carries an object's inspection; sent by loadInspection,
// handled by the root, which opens it in an info dialog.
type inspectedMsg struct {
	in  Inspection
	err error
}

// workerEventMsg is one event from a worker; sent by waitForEvent,
// handled by the root (jobs, flow, log), which re-arms waitForEvent for
// that worker. An event of a worker that is not the current place's
// (from a place left behind) is dropped; nil from is the current worker.
type workerEventMsg struct {
	ev   actions.Event
	from Worker
}

// workerClosedMsg says the worker's channel closed; sent by waitForEvent.
type workerClosedMsg struct{}

// flowTickMsg animates the running flow; sent by flowTick, handled by the
// root, dropped when gen is stale.
type flowTickMsg struct{ gen int }

// statusClearMsg clears a transient status; sent by clearStatusAfter,
// handled by the root, dropped when gen is stale.
type statusClearMsg struct{ gen int }

// openBucketMsg asks for a bucket's objects; sent by the buckets view,
// handled by the objects view (which asks the root to show it).
type openBucketMsg struct{ bucket string }

// startJobMsg asks the root to run an action on the worker; sent by
// dialogs and views.
type startJobMsg struct {
	action actions.Action
	meta   jobMeta
}

// openDialogMsg asks the root to open a dialog; sent by views.
type openDialogMsg struct{ d dialog }

// closeDialogMsg asks the root to close the open dialog; sent by dialogs.
type closeDialogMsg struct{}

// statusMsg asks the root to show a transient status line; sent by
// children that refuse an action ("select a bucket first").
type statusMsg struct {
	text string
	err  bool
}

// inspectMsg asks the root to load and show an object's inspection; sent
// by the objects view.
type inspectMsg struct{ bucket, key string }

// copyMsg asks the root to copy text to the clipboard; sent by dialogs.
type copyMsg struct{ text, what string }
