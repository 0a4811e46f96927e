package ui

import (
	"errors"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/s3crypt/s3crypt/actions"
)

// flowFrame is how often the running flow animates.
const flowFrame = 120 * time.Millisecond

// startJob submits a to the worker and follows it in the flow panel.
func (m *Model) startJob(a actions.Action, meta jobMeta) tea.Cmd {
	if m.worker == nil {
		return m.setStatus("no worker to run "+a.Describe(), true)
	}
	id := m.worker.Submit(a)
	m.jobs.add(&job{ID: id, Meta: meta, Started: m.c.Now(), Progress: actions.Progress{Total: -1}})
	m.replay, m.flowTop = -1, -1
	return tea.Batch(m.setStatus("started #"+itoa(int(id))+" "+meta.Title, false), m.startTicking())
}

// startTicking animates the flow while jobs run.
func (m *Model) startTicking() tea.Cmd {
	if m.ticking {
		return nil
	}
	m.ticking = true
	m.tickGen++
	return flowTick(m.tickGen)
}

func flowTick(gen int) tea.Cmd {
	return tea.Tick(flowFrame, func(time.Time) tea.Msg { return flowTickMsg{gen: gen} })
}

// handleTick advances the animation; it stops when no job runs.
func (m *Model) handleTick(msg flowTickMsg) tea.Cmd {
	if msg.gen != m.tickGen {
		return nil
	}
	m.frame++
	if m.jobs.running() == 0 {
		m.ticking = false
		return nil
	}
	return flowTick(m.tickGen)
}

// handleEvent records a worker event on its job.
func (m *Model) handleEvent(ev actions.Event) tea.Cmd {
	j := m.jobs.get(ev.JobID())
	if j == nil {
		return nil
	}
	switch e := ev.(type) {
	case actions.StepEvent:
		j.Steps = append(j.Steps, e.Step)
	case actions.ProgressEvent:
		j.Progress = e.Progress
	case actions.CommandEvent:
		j.Commands = append(j.Commands, e.Command)
		m.log.add(j.ID, e.Command)
	case actions.DoneEvent:
		j.State, j.Result, j.KMS = jobDone, e.Result, &e.KMS
		return m.jobEnded(j)
	case actions.FailedEvent:
		j.State, j.Err, j.KMS = jobFailed, e.Err, &e.KMS
		return m.jobEnded(j)
	case actions.CancelledEvent:
		j.State, j.KMS = jobCancelled, &e.KMS
		return m.jobEnded(j)
	}
	return nil
}

// jobEnded refreshes what the job changed and says how it ended where the
// person is looking: the status line (and the flow pane shows the error).
func (m *Model) jobEnded(j *job) tea.Cmd {
	cmds := []tea.Cmd{m.broadcast(jobEndedMsg{state: j.State, result: j.Result}), m.refresh(j.Meta.Refresh)}
	switch j.State {
	case jobDone:
		cmds = append(cmds, m.setStatus(doneText(j), false))
		if j.Meta.OnDone != nil {
			if next := j.Meta.OnDone(j.Result); next != nil {
				cmds = append(cmds, func() tea.Msg { return next })
			}
		}
	case jobFailed:
		_, _, fix := explainError(j.Err)
		what := j.Err.Error()
		if ae := (*actions.Error)(nil); errors.As(j.Err, &ae) {
			what = ae.What // the job's title already says what was being done
		}
		text := "#" + itoa(int(j.ID)) + " " + j.Meta.Title + " failed: " + what
		if fix != "" {
			text += " — " + fix
		}
		cmds = append(cmds, m.setStatus(text, true))
		m.selectJob(j)
	case jobCancelled:
		cmds = append(cmds, m.setStatus("#"+itoa(int(j.ID))+" "+j.Meta.Title+": cancelled, nothing left behind", false))
	}
	return tea.Batch(cmds...)
}

// selectJob shows j in the flow panel.
func (m *Model) selectJob(j *job) {
	for i, x := range m.jobs.list {
		if x == j {
			m.jobs.sel = i
			m.replay, m.flowTop = -1, -1
		}
	}
}

// doneText sums up a finished job, with its KMS cost.
func doneText(j *job) string {
	t := styledDone(j.Meta.Title)
	if j.Meta.Flow.Mode != flowNone && j.Meta.Flow.Mode != flowS3 {
		t += " · KMS calls " + itoa(j.kmsCalls(len(j.Steps)))
	}
	switch r := j.Result.(type) {
	case actions.PutResult:
		if r.ClientSide != nil {
			t += " · " + r.ClientSide.Label() + " inside S3's " + r.EncryptionSummary()
		} else {
			t += " · " + r.EncryptionSummary()
		}
	case actions.GetResult:
		t += " · saved " + r.File
	}
	for _, s := range actions.Ignored(j.Result) {
		t += " · " + s
	}
	return t
}

func styledDone(title string) string { return "✓ " + title }
