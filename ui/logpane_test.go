package ui

import (
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"

	"github.com/s3crypt/s3crypt/actions"
)

// TestLogShowsFullCommandsAndCredentialsOnce checks the command log shows
// the command as it runs (global options included), says once where the
// credentials are, and that c copies the same full text.
func TestLogShowsFullCommandsAndCredentialsOnce(t *testing.T) {
	m := loaded(t, newFakeData(0), newFakeWorker(), 200, 50, true)
	m.c.Backend.Credentials = "credentials: the export lines of s3crypt serve"
	withUploadJob(m, 1, nil)
	full := actions.Command{Args: []string{"aws", "s3api", "head-object", "--bucket", "b", "--key", "k"},
		Global: []string{"--endpoint-url", "https://127.0.0.1:1", "--ca-bundle", "/tmp/ca.pem", "--region", "us-east-1"}, NeedsCLI: "2.32.0"}
	m.Update(workerEventMsg{ev: actions.CommandEvent{Job: 1, Command: full}})
	m.log.SetSize(150, 12)
	view := ansi.Strip(m.log.View(false, 1))
	if strings.Count(view, "credentials: the export lines") != 1 || !strings.HasPrefix(view, "# credentials:") {
		t.Fatalf("credentials line not once atop the log:\n%s", view)
	}
	if !strings.Contains(view, "$ aws s3api head-object --bucket b --key k --endpoint-url https://127.0.0.1:1 --ca-bundle /tmp/ca.pem --region us-east-1") ||
		!strings.Contains(view, "# needs aws CLI 2.32.0 or later") {
		t.Fatalf("log lacks the full command or its CLI version:\n%s", view)
	}
	if _, cmd := m.Update(keyPress("c")); cmd == nil || !strings.Contains(m.status, "aws s3api head-object --bucket b --key k") {
		t.Fatalf("c: status %q", m.status)
	}
	if e, _ := m.log.selected(); e.cmd.String() != full.String() {
		t.Fatalf("copies %q", e.cmd.String())
	}
}
