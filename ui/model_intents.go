package ui

import (
	"strconv"

	tea "charm.land/bubbletea/v2"

	"github.com/s3crypt/s3crypt/actions"
)

// handleIntent acts on what a child or dialog asked for.
func (m *Model) handleIntent(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case openDialogMsg:
		m.dialog = msg.d
		m.dialog.SetSize(m.w, m.h)
		return nil
	case closeDialogMsg:
		m.dialog = nil
		return nil
	case startJobMsg:
		return m.startJob(msg.action, msg.meta)
	case statusMsg:
		return m.setStatus(msg.text, msg.err)
	case openBucketMsg:
		m.view, m.focus = viewObjects, paneList
		return m.objects.open(msg.bucket, "")
	case backToBucketsMsg:
		m.view = viewBuckets
		return nil
	case requestUploadMsg:
		b, ok := m.buckets.find(msg.bucket)
		if !ok {
			b = BucketRow{Name: msg.bucket}
		}
		return m.handleIntent(openDialogMsg{d: newUploadForm(m.c, b, msg.prefix, m.keys.rows)})
	case inspectMsg:
		return tea.Batch(inspectCmd(m.c.Data, msg.bucket, msg.key), m.setStatus("inspecting s3://"+msg.bucket+"/"+msg.key+"…", false))
	case copyMsg:
		return tea.Batch(tea.SetClipboard(msg.text), m.setStatus(msg.what, false))
	}
	return nil
}

// handleData hands loaded data to its owner.
func (m *Model) handleData(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case keysLoadedMsg:
		m.keys.setRows(msg.rows, msg.err)
	case bucketsLoadedMsg:
		m.buckets.setRows(msg.rows, msg.err)
	case objectsLoadedMsg:
		return m.objects.addPage(msg)
	case encLoadedMsg:
		m.objects.setEnc(msg)
	case identityLoadedMsg:
		if msg.err == nil {
			m.identity = msg.id
		}
	case inspectedMsg:
		if msg.err != nil {
			return m.setStatus(shortError(msg.err), true)
		}
		m.status = ""
		return m.handleIntent(openDialogMsg{d: newInspectInfo(m.c, msg.in, m.keys.names())})
	}
	return nil
}

// refresh reloads the lists r names.
func (m *Model) refresh(r refresh) tea.Cmd {
	var cmds []tea.Cmd
	if r&refreshKeys != 0 {
		cmds = append(cmds, m.loadKeys())
	}
	if r&refreshBuckets != 0 {
		cmds = append(cmds, m.loadBuckets())
	}
	if r&refreshObjects != 0 {
		cmds = append(cmds, m.objects.reload())
	}
	return tea.Batch(cmds...)
}

func itoa(n int) string { return strconv.Itoa(n) }

func jobIDOf(n uint64) actions.JobID { return actions.JobID(n) }
