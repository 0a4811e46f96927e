package ui

import (
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"
)

// TestEmptyBucketsInALessonDoNotOfferLessons: inside a lesson the empty
// Buckets view points at the lesson's steps, not at opening lessons.
func TestEmptyBucketsInALessonDoNotOfferLessons(t *testing.T) {
	learnHome(t)
	m := loaded(t, newFakeData(0), newFakeWorker(), 120, 36, true)
	openFakeLesson(m, kmsLesson(t), 0)
	press(m, "2")
	s := ansi.Strip(m.View().Content)
	if !strings.Contains(s, "no buckets yet") {
		t.Fatalf("not the empty Buckets view:\n%s", s)
	}
	if strings.Contains(s, "guided lessons") || !strings.Contains(s, "lesson 2's own sandbox: its steps") {
		t.Errorf("in a lesson, the empty Buckets view should point at its steps, not offer lessons:\n%s", s)
	}
}
