package ui

import (
	"strings"

	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"github.com/s3crypt/s3crypt/actions"
	"github.com/s3crypt/s3crypt/modes"
)

// checkEndpointJob runs `endpoint check` (actions.EndpointCheck) on the
// worker; when it ends, the result goes to the catalog (the upload form
// marks what the endpoint does not support) and opens in a dialog.
func checkEndpointJob(c *Common) tea.Cmd {
	meta := jobMeta{Title: "check what the endpoint supports", Refresh: refreshNone,
		Flow: flowSpec{Mode: flowS3, Upload: true, Subject: "endpoint check"}}
	meta.OnDone = func(res any) any {
		r, ok := res.(actions.EndpointCheckResult)
		if !ok {
			return nil
		}
		c.Catalog.Endpoint = &r
		return openDialogMsg{d: newEndpointCheckInfo(c, r)}
	}
	a := &actions.EndpointCheck{}
	return func() tea.Msg { return startJobMsg{action: a, meta: meta} }
}

// newEndpointCheckInfo shows the capability table: each capability, what
// the endpoint did, what AWS does, and the endpoint's own words.
func newEndpointCheckInfo(c *Common, r actions.EndpointCheckResult) *info {
	d := newInfo(c, "What "+r.Endpoint+" supports", "")
	d.build = func(w int) string { return endpointCheckText(c, r, w) }
	d.SetSize(120, 36)
	return d
}

// endpointCheckText lays the table out for width w.
func endpointCheckText(c *Common, r actions.EndpointCheckResult, w int) string {
	st := c.Styles
	var b strings.Builder
	where := "in a scratch bucket, " + r.Bucket + ", made and removed for the check"
	if !r.Scratch {
		where = "in " + r.Bucket + " (its objects removed)"
	}
	b.WriteString(st.Hint.Render(wrap("Each mode and setting tried "+where+"; read back with HEAD, so an answer "+
		"that says yes but did nothing reads ignored. The upload form marks what is not supported.", w)) + "\n\n")
	capW := 0
	for _, row := range r.Rows {
		capW = max(capW, lipgloss.Width(string(row.Capability)))
	}
	for _, row := range r.Rows {
		name := string(row.Capability) + strings.Repeat(" ", capW-lipgloss.Width(string(row.Capability)))
		line := st.Label.Render(name) + "  " + supportStyle(c, row.Support).Render(supportMark(row.Support)+" "+string(row.Support))
		if row.AWS != row.Support {
			line += st.Dim.Render("  (AWS: " + string(row.AWS) + ")")
		}
		b.WriteString(line + "\n")
		b.WriteString(st.Dim.Render(wrap("    "+row.Detail, w)) + "\n")
	}
	for _, l := range r.Leftovers {
		b.WriteString(st.ErrWhat.Render("not cleaned up: "+l) + "\n")
	}
	return strings.TrimRight(b.String(), "\n")
}

// supportMark is the one-rune mark of an outcome.
func supportMark(s actions.Support) string {
	switch s {
	case actions.SupportOK:
		return "✓"
	case actions.SupportIgnored:
		return "⚠"
	case actions.SupportRefused:
		return "✗"
	}
	return "–"
}

func supportStyle(c *Common, s actions.Support) lipgloss.Style {
	switch s {
	case actions.SupportOK:
		return c.Styles.Passed
	case actions.SupportIgnored:
		return c.Styles.Erratum
	case actions.SupportRefused:
		return c.Styles.StepFailed
	}
	return c.Styles.Dim
}

// endpointMark is what the upload form adds to a mode's name when the
// endpoint check found the endpoint does not do it ("" otherwise, and
// before any check).
func endpointMark(c *Common, id modes.ID) string {
	row := endpointRow(c, id)
	if row == nil || row.Support == actions.SupportOK || row.Support == actions.SupportNotTried {
		return ""
	}
	return " " + supportMark(row.Support) + " " + string(row.Support) + " here"
}

// endpointHint is the upload form's hint for a mode: the mode's own, led
// by what the endpoint check found when it does not do it.
func endpointHint(c *Common, m *modes.Mode) string {
	row := endpointRow(c, m.ID)
	if row == nil || row.Support == actions.SupportOK || row.Support == actions.SupportNotTried {
		return m.Hint
	}
	return "this endpoint " + string(row.Support) + " it (endpoint check: " + row.Detail + ") · " + m.Hint
}

func endpointRow(c *Common, id modes.ID) *actions.CheckRow {
	if c.Catalog.Endpoint == nil {
		return nil
	}
	return c.Catalog.Endpoint.ModeSupport(id)
}
