package ui

import (
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/s3crypt/s3crypt/actions"
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

// BenchmarkViewDuringUpload renders the screen while a 1 GiB multipart
// upload runs: 250 steps so far, the progress bar, the flow animating.
func BenchmarkViewDuringUpload(b *testing.B) {
	m := loaded(b, newFakeData(20), newFakeWorker(), 120, 36, true)
	openObjects(m)
	withUploadJob(m, 4, nil)
	steps := kmsUploadSteps()
	for i := range 250 {
		m.Update(workerEventMsg{ev: actions.StepEvent{Job: 1, Step: steps[4+i%2]}})
	}
	m.Update(workerEventMsg{ev: actions.ProgressEvent{Job: 1, Progress: actions.Progress{Done: 300 << 20, Total: 1 << 30, Rate: 100 << 20}}})
	b.ResetTimer()
	for b.Loop() {
		m.frame++
		_ = m.View()
	}
}
