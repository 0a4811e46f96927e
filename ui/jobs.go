package ui

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/s3crypt/s3crypt/actions"
	"github.com/s3crypt/s3crypt/ui/styles"
)

// refresh says which lists a finished job changed.
type refresh int

// What to reload after a job.
const (
	refreshNone refresh = 0
	refreshKeys refresh = 1 << iota
	refreshBuckets
	refreshObjects
)

// jobMeta is what the UI knows about a job before it runs.
type jobMeta struct {
	Title    string   // "upload report.pdf"
	Flow     flowSpec // the diagram it draws
	Transfer bool     // shows a progress bar
	Refresh  refresh
	// OnDone turns a result into a follow-up message (a dialog to open,
	// say); nil for none. It must not do I/O.
	OnDone func(result any) any
}

// jobState is where a job is.
type jobState int

// Job states.
const (
	jobRunning jobState = iota
	jobDone
	jobFailed
	jobCancelled
)

func (s jobState) String() string {
	return [...]string{"running", "done", "failed", "cancelled"}[s]
}

// job is one submitted action and everything it reported.
type job struct {
	ID       actions.JobID
	Meta     jobMeta
	State    jobState
	Steps    []actions.Step
	Progress actions.Progress
	Commands []actions.Command
	Err      error
	Result   any
	Started  time.Time
	// KMS is the job's exact KMS request count, once it ended.
	KMS *actions.KMSRequests
}

// kmsCalls counts the job's KMS requests up to step upto: exactly once
// the job ended (and the whole flow is shown), else as its steps show them.
func (j *job) kmsCalls(upto int) int {
	return kmsCallsIn(j.Steps, upto, j.KMS)
}

// kmsCallsIn counts the KMS requests among the first upto steps: the exact
// count when it is known (the job ended) and every step is counted, else
// the requests the steps show (yours to KMS, and S3's observed ones).
func kmsCallsIn(steps []actions.Step, upto int, exact *actions.KMSRequests) int {
	if exact != nil && upto >= len(steps) {
		return exact.Total()
	}
	n := 0
	for _, s := range steps[:min(upto, len(steps))] {
		if isS3KMSCall(s) || isOwnKMSCall(s) {
			n++
		}
	}
	return n
}

// s3KMSCalls counts the KMS requests S3 made on the job's behalf.
func (j *job) s3KMSCalls() int {
	if j.KMS != nil {
		return j.KMS.S3
	}
	n := 0
	for _, s := range j.Steps {
		if isS3KMSCall(s) {
			n++
		}
	}
	return n
}

// jobs is the ordered list of jobs of the session.
type jobs struct {
	list []*job
	sel  int // index of the selected job, -1 when none
}

func newJobs() jobs { return jobs{sel: -1} }

// add appends j and selects it.
func (js *jobs) add(j *job) {
	js.list = append(js.list, j)
	js.sel = len(js.list) - 1
}

// get returns the job with id, or nil.
func (js *jobs) get(id actions.JobID) *job {
	for _, j := range js.list {
		if j.ID == id {
			return j
		}
	}
	return nil
}

// selected returns the selected job, or nil.
func (js *jobs) selected() *job {
	if js.sel < 0 || js.sel >= len(js.list) {
		return nil
	}
	return js.list[js.sel]
}

// running counts the jobs still running.
func (js *jobs) running() int {
	n := 0
	for _, j := range js.list {
		if j.State == jobRunning {
			n++
		}
	}
	return n
}

// kmsTotal is the session's KMS requests: own is what s3crypt's clients
// made (every list and lookup included; nil counts the jobs' own), plus
// what S3 made on the jobs' behalf.
func (js *jobs) kmsTotal(own func() int) int {
	n := 0
	for _, j := range js.list {
		if own != nil {
			n += j.s3KMSCalls()
		} else {
			n += j.kmsCalls(len(j.Steps))
		}
	}
	if own != nil {
		n += own()
	}
	return n
}

// cycle moves the selection by d jobs.
func (js *jobs) cycle(d int) {
	if len(js.list) == 0 {
		return
	}
	js.sel = (js.sel + d + len(js.list)) % len(js.list)
}

// jobsLine renders the jobs strip: one chip per recent job, the selected
// one marked.
func jobsLine(st *styles.Styles, js jobs, frame, width int) string {
	if len(js.list) == 0 {
		return ""
	}
	var parts []string
	from := max(0, len(js.list)-6)
	for i := from; i < len(js.list); i++ {
		j := js.list[i]
		chip := fmt.Sprintf("#%d %s", j.ID, jobIcon(j.State, frame))
		style := map[jobState]func(...string) string{jobRunning: st.JobRunning.Render, jobDone: st.JobDone.Render,
			jobFailed: st.JobFailed.Render, jobCancelled: st.Dim.Render}[j.State]
		chip = style(chip)
		if i == js.sel {
			chip = st.Bold.Render("[") + chip + st.Bold.Render("]")
		}
		parts = append(parts, chip)
	}
	return fit(st.Dim.Render("jobs ")+strings.Join(parts, " "), width)
}

var spinner = []string{"⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"}

func jobIcon(s jobState, frame int) string {
	switch s {
	case jobRunning:
		return spinner[frame%len(spinner)]
	case jobDone:
		return styles.IconOK
	case jobFailed:
		return styles.IconFail
	}
	return styles.IconCancel
}

// explainError splits err into what, why and fix for display.
func explainError(err error) (what, why, fix string) {
	var ae *actions.Error
	if errors.As(err, &ae) {
		what = ae.What
		if ae.Op != "" {
			what = ae.Op + ": " + ae.What
		}
		return what, ae.Why, tuiFix(ae)
	}
	return err.Error(), "", ""
}

// tuiFix gives, for the errors the UI can fix itself, the keys that do it
// here instead of the command line the actions package suggests.
func tuiFix(ae *actions.Error) string {
	switch ae.Kind {
	case actions.KindSSECBlocked:
		return "Allow them: press 2, select the bucket, e, SSE-C writes → allowed (or upload with SSE-KMS)"
	case actions.KindKeyDisabled:
		return "Enable it: press 1, select the key, e"
	case actions.KindKeyPendingDeletion:
		return "Cancel the deletion: press 1, select the key, u, then e to enable it"
	}
	return ae.Fix
}

// renderError draws an explained error in w cells.
func renderError(st *styles.Styles, err error, w int) string {
	what, why, fix := explainError(err)
	out := st.ErrWhat.Render(wrap(styles.IconFail+" "+what, w))
	if why != "" {
		out += "\n" + st.ErrWhy.Render(wrap("why: "+why, w))
	}
	if fix != "" {
		out += "\n" + st.ErrFix.Render(wrap("fix: "+fix, w))
	}
	return out
}
