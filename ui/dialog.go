package ui

import (
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
)

// dialog is a modal over the screen. While one is open it gets every key.
type dialog interface {
	Update(msg tea.Msg) (dialog, tea.Cmd)
	View() string
	SetSize(w, h int)
	ShortHelp() []key.Binding
}
