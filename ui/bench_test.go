package ui

import (
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
)

// BenchmarkView10kObjects renders the screen with 10,000 objects listed.
func BenchmarkView10kObjects(b *testing.B) {
	d := newFakeData(10_000)
	m := loaded(b, d, newFakeWorker(), 120, 36, true)
	send(m, openBucketMsg{bucket: "my-bucket"}, 2*time.Second, 4)
	send(m, keyPress("enter"), 2*time.Second, 4)
	for len(m.objects.rows) < 10_000 && m.objects.next != "" {
		for _, msg := range run(loadObjects(d, m.objects.gen, "my-bucket", "reports/", m.objects.next), time.Second) {
			m.Update(msg)
		}
	}
	if len(m.objects.rows) < 10_000 {
		b.Fatalf("%d rows loaded", len(m.objects.rows))
	}
	m.objects.cur.move(5_000)
	b.ResetTimer()
	for b.Loop() {
		_ = m.View()
	}
}

// BenchmarkFirstFrame measures time to first frame: build the model, load
// the lists (fake data, no I/O) and render.
func BenchmarkFirstFrame(b *testing.B) {
	d := newFakeData(0)
	for b.Loop() {
		m := newTestModel(b, d, newFakeWorker(), 120, 36, true)
		_ = m.View() // the frame shown before data arrives
		for _, msg := range run(tea.Batch(m.loadKeys(), m.loadBuckets()), time.Second) {
			m.Update(msg)
		}
		_ = m.View()
	}
}

// BenchmarkFirstFrameSandbox is time to the first frame with data on a
// real (fresh) sandbox: the listing requests included.
func BenchmarkFirstFrameSandbox(b *testing.B) {
	be := sandboxBackend(b)
	dark := true
	for b.Loop() {
		m := New(Options{Data: NewData(be), IsDark: &dark})
		for _, msg := range run(tea.Batch(m.loadKeys(), m.loadBuckets()), 10*time.Second) {
			m.Update(msg)
		}
		_ = m.View()
	}
}
