package trace

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/s3crypt/s3crypt/keyflow"
)

// TestJournalKeepsEventsAcrossProcesses: what a bus publishes is read back
// from the directory, in order, markers left out; past the limit the
// journal rolls over, keeping one previous generation, so it stays bounded.
func TestJournalKeepsEventsAcrossProcesses(t *testing.T) {
	dir := t.TempDir()
	j, err := OpenJournal(dir, 2000)
	if err != nil {
		t.Fatal(err)
	}
	b := NewBus()
	b.SetJournal(j)
	b.Publish(Event{Job: "s3crypt-mark-x"}) // a marker: not journaled
	for i := range 40 {
		b.Publish(Event{Actor: keyflow.KMS, Op: keyflow.OpGenerateDataKey, Caller: "S3", Bucket: "b", Key: strings.Repeat("k", i%5+1),
			Err: map[bool]string{true: "DisabledException: x"}[i%2 == 0]})
	}
	if err := j.Close(); err != nil {
		t.Fatal(err)
	}
	var got []keyflow.Event
	if err := ReadJournal(context.Background(), dir, func(e keyflow.Event) bool { got = append(got, e); return true }); err != nil {
		t.Fatal(err)
	}
	if len(got) == 0 || len(got) >= 40 {
		t.Fatalf("read %d events; want some, fewer than 40 (the oldest rolled away)", len(got))
	}
	for i, e := range got {
		if e.Actor != keyflow.KMS || e.Op != keyflow.OpGenerateDataKey || e.Bucket != "b" {
			t.Fatalf("event %d = %+v", i, e)
		}
		if i > 0 && e.Seq != got[i-1].Seq+1 {
			t.Fatalf("events out of order: %d after %d", e.Seq, got[i-1].Seq)
		}
	}
	if got[len(got)-1].Seq != 41 {
		t.Fatalf("last event seq %d, want 41 (the newest kept)", got[len(got)-1].Seq)
	}
	var total int64
	for _, n := range []string{JournalFile, JournalFile + ".1"} {
		st, err := os.Stat(filepath.Join(dir, n))
		if err != nil {
			t.Fatal(err)
		}
		if st.Mode().Perm() != 0o600 {
			t.Errorf("%s mode %v", n, st.Mode().Perm())
		}
		total += st.Size()
	}
	if total > 4000 {
		t.Fatalf("journal holds %d bytes, more than two generations of 2000", total)
	}
	// A torn last line (a crash mid-write) is skipped, not an error.
	f, err := os.OpenFile(filepath.Join(dir, JournalFile), os.O_APPEND|os.O_WRONLY, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteString(`{"seq":99,"actor":"KM`); err != nil {
		t.Fatal(err)
	}
	f.Close()
	n := 0
	if err := ReadJournal(context.Background(), dir, func(keyflow.Event) bool { n++; return true }); err != nil || n != len(got) {
		t.Fatalf("after a torn line: %d events, %v", n, err)
	}
}
