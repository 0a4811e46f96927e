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
	case showViewMsg:
		if i := m.indexOf(msg.v); i >= 0 {
			return m.switchView(i)
		}
		return nil
	case requestUploadMsg:
		b := BucketRow{Name: msg.bucket}
		for _, r := range m.c.Catalog.Buckets {
			if r.Name == msg.bucket {
				b = r
			}
		}
		return m.handleIntent(openDialogMsg{d: newUploadForm(m.c, b, msg.prefix, m.c.Catalog.Keys)})
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
	case identityLoadedMsg:
		if msg.err == nil {
			m.identity = msg.id
		}
	case inspectedMsg:
		if msg.err != nil {
			return m.setStatus(shortError(msg.err), true)
		}
		m.status = ""
		return m.handleIntent(openDialogMsg{d: newInspectInfo(m.c, msg.in, m.c.Catalog.Names)})
	}
	return nil
}

// refresh asks the views to reload the lists r names.
func (m *Model) refresh(r refresh) tea.Cmd {
	if r == refreshNone {
		return nil
	}
	return m.broadcast(refreshMsg{what: r})
}

func itoa(n int) string { return strconv.Itoa(n) }

func jobIDOf(n uint64) actions.JobID { return actions.JobID(n) }
