package ui

import tea "charm.land/bubbletea/v2"

// loadKeys and loadBuckets load the two lists the way Init does; the tests
// written before the view contract call them on the model.
func (m *Model) loadKeys() tea.Cmd    { return loadKeys(m.c.Data) }
func (m *Model) loadBuckets() tea.Cmd { return loadBuckets(m.c.Data) }
