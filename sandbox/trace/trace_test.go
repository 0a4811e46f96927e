package trace

import (
	"testing"

	"github.com/s3crypt/s3crypt/keyflow"
)

func TestBusDeliversCountsAndDrops(t *testing.T) {
	b := NewBus()
	fast := b.Subscribe(10)
	slow := b.Subscribe(1)
	b.Publish(Event{Actor: keyflow.KMS, Op: keyflow.OpGenerateDataKey, Caller: "S3"})
	b.Publish(Event{Actor: keyflow.KMS, Op: keyflow.OpDecrypt, Caller: "AKIA1"})
	b.Publish(Event{Actor: keyflow.KMS, Op: keyflow.OpManagedKeyCreated, Caller: "S3"})
	b.Publish(Event{Actor: keyflow.S3, Op: keyflow.OpStored})
	if len(fast.C) != 4 || slow.Dropped() != 3 {
		t.Fatalf("fast %d queued, slow dropped %d", len(fast.C), slow.Dropped())
	}
	e := <-fast.C
	if e.Seq != 1 || e.Time.IsZero() {
		t.Fatalf("first event not stamped: %+v", e)
	}
	if b.Total("") != 0 {
		t.Fatalf("publishing counted requests: %+v", b.Counts())
	}
	b.CountKMSRequest("S3", keyflow.OpGenerateDataKey)
	b.CountKMSRequest("AKIA1", keyflow.OpDecrypt)
	b.CountKMSRequest("AKIA1", keyflow.OpDecrypt)
	if b.Total("S3") != 1 || b.Total("") != 3 || b.Total("AKIA1") != 2 {
		t.Fatalf("counts: %+v", b.Counts())
	}
	fast.Close()
	fast.Close() // idempotent
	if _, ok := <-fast.C; ok {
		// drain what was queued before close
		for range fast.C {
		}
	}
	b.Publish(Event{Actor: keyflow.S3, Op: keyflow.OpStored}) // no panic on a closed subscriber
}
