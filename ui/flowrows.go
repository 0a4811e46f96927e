package ui

import (
	"errors"
	"fmt"
	"strings"

	"github.com/s3crypt/s3crypt/actions"
	"github.com/s3crypt/s3crypt/keyflow"
	"github.com/s3crypt/s3crypt/ui/styles"
)

// rowMark is whether a row of the diagram happened, and how.
type rowMark int

// The marks. Each reads differently without colour: a done step is drawn
// plainly, a step not yet reached with a dotted line and ○, a failed one
// with ✗ and what refused it, one that never happened with – and why.
const (
	markDone    rowMark = iota // it happened (up to the replay position)
	markNotYet                 // expected while running, or after the replay position
	markFailed                 // it happened and was refused
	markSkipped                // it never happened: the job failed or was cancelled first
)

// flowRow is one step of the sequence diagram (one or more lines).
type flowRow struct {
	from, to keyflow.Actor // to == "" for work done locally
	label    string
	mark     rowMark
	current  bool
	drawn    bool // not observed: what S3 does on your behalf
	wipe     bool
	note     bool   // a sentence across the lanes, not a step
	short    string // the label when a word of label does not fit the arrow
	refused  bool   // a step that was refused (not the error it led to)
}

func (r flowRow) lit() bool { return r.mark == markDone || r.mark == markFailed }

// flowRows turns steps (and the expected rest: still to come while
// running, not done once the job failed or was cancelled) into rows.
func flowRows(v flowView) []flowRow {
	var rows []flowRow
	for i, s := range v.Steps {
		mark := markNotYet
		if i < v.Shown {
			mark = markDone
		}
		failed := mark == markDone && s.Err != ""
		cur := mark == markDone && i == v.Shown-1
		if s.Actor == keyflow.KMS && s.To == keyflow.S3 && s.Op != keyflow.OpManagedKeyCreated {
			answer, amark := kmsAnswer(v.Spec, s.Op), mark
			if s.Err != "" {
				answer = "refused: " + refusal(s.Err)
			}
			ask, answer := notYet(s.Title, mark), notYet(answer, mark)
			if failed {
				answer, amark = styles.IconFail+" "+answer, markFailed
			}
			rows = append(rows,
				flowRow{from: s.To, to: keyflow.KMS, label: ask, mark: mark, current: cur, drawn: !s.Observed},
				flowRow{from: keyflow.KMS, to: s.To, label: answer, mark: amark, current: cur, drawn: !s.Observed, refused: failed})
			continue
		}
		to := s.To
		if to == s.Actor || (s.Actor == keyflow.KMS && s.Op != keyflow.OpResponse) {
			to = "" // KMS's own work for your request: drawn on its lifeline
		}
		wipe := s.Op == keyflow.OpDataKeyWiped || s.Op == keyflow.OpLocalWipe || s.Op == keyflow.OpSSECKeyForgotten
		label := notYet(stepLabel(s)+refusedBy(s), mark)
		if mark == markDone && (failed || s.Op == keyflow.OpSSECKeyRejected || s.Op == keyflow.OpRequestRejected) {
			label, mark = styles.IconFail+" "+label, markFailed
		}
		rows = append(rows, flowRow{from: s.Actor, to: to, label: label, mark: mark, current: cur, drawn: !s.Observed, wipe: wipe,
			refused: mark == markFailed})
	}
	switch v.State {
	case jobRunning:
		return append(rows, expectedRows(v, markNotYet)...)
	case jobFailed, jobCancelled:
		return append(rows, expectedRows(v, markSkipped)...)
	}
	return rows
}

// expectedRows are the template's steps that have not happened: still to
// come (markNotYet) or never done (markSkipped). A failed job's missing
// response is the error S3 or KMS answered.
func expectedRows(v flowView, mark rowMark) []flowRow {
	var rows []flowRow
	hadKey := hadDataKey(v.Steps)
	rest := matchTemplate(template(v.Spec), v.Steps)
	if mark == markSkipped && (len(rest) > 1 || len(rest) == 1 && (rest[0].op != keyflow.OpResponse || v.State == jobCancelled)) {
		rows = append(rows, stoppedRow(v))
	}
	for _, t := range rest {
		if t.op == keyflow.OpSSECKeyChecked && stepped(v.Steps, keyflow.OpSSECKeyRejected) {
			continue // the check happened: it is the rejection
		}
		s := actions.Step{Actor: t.actor, To: t.to, Op: t.op, Title: string(t.op)}
		switch t.op {
		case keyflow.OpRequest:
			s.Title = "request"
		case keyflow.OpResponse:
			s.Title = "response"
		}
		label := stepLabel(s)
		if t.actor == keyflow.KMS && t.to == keyflow.S3 {
			if mark == markNotYet {
				rows = append(rows, flowRow{from: t.to, to: keyflow.KMS, label: notYet(string(t.op), mark), mark: mark},
					flowRow{from: keyflow.KMS, to: t.to, label: notYet(kmsAnswer(v.Spec, t.op), mark), mark: mark})
				continue
			}
			rows = append(rows, flowRow{from: t.to, to: keyflow.KMS, label: styles.IconSkipped + " " + string(t.op), mark: mark})
			continue
		}
		from, to := t.actor, t.to
		if from == keyflow.KMS && t.op != keyflow.OpResponse {
			to = ""
		}
		switch {
		case mark == markNotYet:
			label = notYet(label, mark)
		case t.op == keyflow.OpResponse && v.State == jobFailed:
			rows = append(rows, flowRow{from: from, to: to, label: styles.IconFail + " " + errorAnswer(v.Err), mark: markFailed,
				short: styles.IconFail + " error"})
			continue
		case t.op == keyflow.OpDataKeyWiped && !hadKey:
			label = styles.IconSkipped + " no plaintext key to wipe"
		default:
			label = styles.IconSkipped + " " + label
		}
		rows = append(rows, flowRow{from: from, to: to, label: label, mark: mark})
	}
	return rows
}

// notYet marks the label of a step not reached yet.
func notYet(label string, mark rowMark) string {
	if mark != markNotYet {
		return label
	}
	return styles.IconPending + " " + label
}

// stoppedRow is the note, across the lanes, where a failed or cancelled
// job stopped: the steps after it did not happen, and why.
func stoppedRow(v flowView) flowRow {
	if v.State == jobCancelled {
		return flowRow{label: styles.IconSkipped + " skipped: cancelled, so the steps below did not happen", mark: markSkipped, note: true}
	}
	why := "the request failed"
	for _, s := range v.Steps {
		if s.Err != "" {
			why = string(s.Actor) + " refused (" + refusal(s.Err) + ")"
		}
	}
	return flowRow{label: styles.IconFail + " not done: " + why + ", so the steps below did not happen", mark: markFailed, note: true}
}

// stepped reports whether one of steps is op.
func stepped(steps []actions.Step, op keyflow.Op) bool {
	for _, s := range steps {
		if s.Op == op {
			return true
		}
	}
	return false
}

// hadDataKey reports whether a plaintext data key came to exist.
func hadDataKey(steps []actions.Step) bool {
	for _, s := range steps {
		switch s.Op {
		case keyflow.OpGenerateDataKey, keyflow.OpDecrypt, keyflow.OpDataKeyGenerated, keyflow.OpDataKeyUnwrapped:
			if s.Err == "" {
				return true
			}
		}
	}
	return false
}

// refusedBy is ": why" for a failed step, "" when it says nothing.
func refusedBy(s actions.Step) string {
	if s.Err == "" {
		return ""
	}
	return ": " + refusal(s.Err)
}

// refusal turns a step's error ("Code: message") into a few words.
func refusal(err string) string {
	code, msg, _ := strings.Cut(err, ": ")
	switch strings.TrimPrefix(code, "KMS.") {
	case "DisabledException":
		return "key disabled"
	case "KMSInvalidStateException":
		return "key not usable in its state"
	case "NotFoundException":
		return "key not found"
	case "AccessDeniedException", "AccessDenied":
		return "access denied"
	case "InvalidCiphertextException":
		return "ciphertext or context does not match"
	case "IncorrectKeyException":
		return "wrong KMS key"
	case "KeyUnavailableException":
		return "key unavailable"
	}
	if msg != "" && strings.ContainsAny(code, " ") {
		return err
	}
	return code
}

// errorAnswer is the failed response a job got, as its status and code.
func errorAnswer(err error) string {
	var ae *actions.Error
	if errors.As(err, &ae) && ae.Code != "" {
		if ae.Status > 0 {
			return fmt.Sprintf("error %d %s", ae.Status, ae.Code)
		}
		return "error " + ae.Code
	}
	return "error"
}
