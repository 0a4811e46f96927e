package ui

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/exp/golden"

	"github.com/s3crypt/s3crypt/actions"
	"github.com/s3crypt/s3crypt/awsclient"
	"github.com/s3crypt/s3crypt/learn"
	"github.com/s3crypt/s3crypt/modes"
)

// learnHome points HOME and the XDG directories at a fresh temporary home,
// so lessons' sandboxes and progress land there (and read as ~/…).
func learnHome(t *testing.T) string {
	t.Helper()
	home := t.TempDir()
	t.Setenv("HOME", home)
	t.Setenv("XDG_DATA_HOME", "")
	t.Setenv("XDG_STATE_HOME", "")
	return home
}

// kmsLesson is lesson 2 (KMS keys) as the goldens show it: fixed here, so
// that rewording the real lesson does not change the goldens (the lesson
// done through the TUI below is the real one).
func kmsLesson(*testing.T) learn.Lesson {
	return learn.Lesson{ID: "02-kms-keys", Number: 2, Title: "KMS keys: usage and spec",
		Text: "A **KMS key** is a key that never leaves AWS KMS: you send data (or ask for a data key) and KMS does the " +
			"cryptography. Two settings, fixed when the key is created, decide what a key can do:\n\n" +
			"- **key spec**: `SYMMETRIC_DEFAULT` or an asymmetric pair (`RSA_2048`, …);\n" +
			"- **key usage**: `ENCRYPT_DECRYPT`, `SIGN_VERIFY`, …\n\n" +
			"Envelope encryption needs data keys, which only symmetric keys make.",
		Steps: []learn.Step{
			{Goal: "Create a symmetric KMS key and name it alias/lesson.", Check: "key",
				Ways: learn.Ways{TUI: "1 keys · n new key · Alias: lesson · ctrl+s", S3crypt: "s3crypt kms create-key --alias alias/lesson",
					AWS: "KEY=$(aws kms create-key --query KeyMetadata.KeyId --output text) && aws kms create-alias --alias-name alias/lesson --target-key-id \"$KEY\""},
				Hint:    "With no --key-spec and no --key-usage, KMS makes a SYMMETRIC_DEFAULT ENCRYPT_DECRYPT key.",
				Explain: "KMS made a 256-bit AES key that never leaves KMS. It is **customer managed**: you can enable, disable and delete it."},
			{Goal: "Create the blog post's key, an RSA_2048 ENCRYPT_DECRYPT key, and name it alias/lesson-rsa.", Check: "key",
				Ways:    learn.Ways{TUI: "1 keys · n new key · Key spec: RSA 2048 · Alias: lesson-rsa · ctrl+s", S3crypt: "s3crypt kms create-key --key-spec RSA_2048 --alias alias/lesson-rsa"},
				Hint:    "This is the blog post's first command, plus an alias.",
				Explain: "KMS made an **asymmetric** key pair: the private key never leaves KMS.",
				Erratum: "The blog post creates this RSA key first. But S3 cannot use it: SSE-KMS needs a `SYMMETRIC_DEFAULT` key."},
			{Goal: "Ask the RSA key for a data key, and see KMS refuse.", Check: "trace",
				Ways:    learn.Ways{TUI: "1 keys · select alias/lesson-rsa · d data key · ctrl+s"},
				Explain: "KMS answered **InvalidKeyUsageException**: GenerateDataKey works only with a symmetric key."},
		}}
}

// testLessons are the lessons the goldens list: one coming, lesson 2.
func testLessons(t *testing.T) []learn.Lesson {
	return []learn.Lesson{{ID: "01-why-encrypt", Number: 1, Title: "Why encrypt at rest", Coming: true}, kmsLesson(t)}
}

// learnModel is a model on fake data offering testLessons.
func learnModel(t *testing.T, width, height int, dark bool) *Model {
	t.Helper()
	m := New(Options{Data: newFakeData(0), Worker: newFakeWorker(), Now: func() time.Time { return fixedNow }, IsDark: &dark,
		Lessons: testLessons(t),
		Backend: BackendInfo{Label: "sandbox · us-east-1 · data ~/.local/share/s3crypt/sandbox", Sandbox: true, Region: "us-east-1"}})
	m.Update(tea.WindowSizeMsg{Width: width, Height: height})
	for _, msg := range run(tea.Batch(m.loadKeys(), m.loadBuckets(), m.loadIdentity()), time.Second) {
		m.Update(msg)
	}
	return m
}

// cannedCheck passes the first n steps of l.
func cannedCheck(n int) checkFunc {
	return func(_ context.Context, l learn.Lesson) ([]learn.Result, error) {
		rs := make([]learn.Result, len(l.Steps))
		for i := range rs {
			rs[i] = learn.Result{Step: i, Passed: i < n}
			if i >= n {
				rs[i].Why = fmt.Sprintf("step %d is not done yet", i+1)
			}
		}
		return rs, nil
	}
}

// openFakeLesson starts lesson l on a place of fake data whose checks
// pass the first passed steps.
func openFakeLesson(m *Model, l learn.Lesson, passed int) {
	d := newFakeData(0)
	d.buckets, d.keys = nil, nil
	p := &place{data: d, worker: newFakeWorker(), jobs: newJobs(), check: cannedCheck(passed),
		backend: BackendInfo{Label: "sandbox · us-east-1 · data ~/.local/share/s3crypt/lessons/" + l.ID, Sandbox: true,
			Region: "us-east-1", Lesson: "lesson " + itoa(l.Number)}}
	send(m, lessonOpenedMsg{lesson: l, place: p}, 300*time.Millisecond, 6)
}

// TestLearnScreens renders the Learn view at two sizes in both themes: the
// list on first start, a lesson just started, a step passed, a hint shown
// and an erratum explained (go test ./ui -run TestLearnScreens -update).
func TestLearnScreens(t *testing.T) {
	learnHome(t)
	l := kmsLesson(t)
	screens := []struct {
		name  string
		setup func(m *Model)
	}{
		{"learn_list", func(m *Model) { press(m, "4") }},
		{"lesson_start", func(m *Model) { press(m, "4"); openFakeLesson(m, l, 0) }},
		{"lesson_step_passed", func(m *Model) { press(m, "4"); openFakeLesson(m, l, 1) }},
		{"lesson_hint", func(m *Model) { press(m, "4"); openFakeLesson(m, l, 0); press(m, "H") }},
		{"lesson_erratum", func(m *Model) {
			press(m, "4")
			openFakeLesson(m, l, 2)
			press(m, "N")
			if m.lay.compact { // the card is short: focus it and scroll to the erratum
				press(m, "w", "down", "down", "down", "down", "down")
			}
		}},
		{"lesson_beside_keys", func(m *Model) { press(m, "4"); openFakeLesson(m, l, 0); press(m, "1") }},
	}
	for _, size := range [][2]int{{120, 36}, {80, 24}} {
		for _, dark := range []bool{true, false} {
			theme := map[bool]string{true: "dark", false: "light"}[dark]
			for _, sc := range screens {
				t.Run(fmt.Sprintf("%s_%dx%d_%s", sc.name, size[0], size[1], theme), func(t *testing.T) {
					learnHome(t)
					m := learnModel(t, size[0], size[1], dark)
					sc.setup(m)
					golden.RequireEqual(t, m.View().Content)
				})
			}
		}
	}
}

// TestLessonStepsAndProgress: a passed step is ticked and explained, the
// erratum shows once its step passed, skipping ahead moves on, and the
// progress survives a new model (a restart), which resumes where the
// learner was.
func TestLessonStepsAndProgress(t *testing.T) {
	learnHome(t)
	l := kmsLesson(t)
	m := learnModel(t, 120, 36, true)
	press(m, "4")
	openFakeLesson(m, l, 1)
	screen := stripWidth(m.View().Content)
	for _, want := range []string{"lesson 2's own sandbox", "✓ passed", "What just happened", "Lesson 2 · step 1 of 3"} {
		if !strings.Contains(screen, want) {
			t.Errorf("after step 1 passed the screen lacks %q:\n%s", want, screen)
		}
	}
	if strings.Contains(screen, "mistake") {
		t.Errorf("step 1 has no erratum, yet one shows:\n%s", screen)
	}
	press(m, "N") // step 2, not passed: no explanation yet
	screen = stripWidth(m.View().Content)
	if !strings.Contains(screen, "step 2 is not done yet") || strings.Contains(screen, "What just happened") {
		t.Errorf("step 2 not passed should say why and explain nothing:\n%s", screen)
	}
	press(m, "N") // skip ahead to step 3
	p, err := learn.LoadProgress(l.ID)
	if err != nil || len(p.Passed) < 1 || !p.Passed[0] || p.Current != 2 {
		t.Fatalf("saved progress %+v (%v), want step 1 passed and current step 3 (skipped ahead)", p, err)
	}

	// A restart: a new model finds the progress in the list and resumes.
	m2 := learnModel(t, 120, 36, true)
	press(m2, "4", "down") // lesson 2
	send(m2, refreshMsg{what: refreshKeys}, time.Second, 2)
	if screen := stripWidth(m2.View().Content); !strings.Contains(screen, "1/3") || !strings.Contains(screen, "resume lesson") {
		t.Errorf("the restarted list should show 1/3 and offer to resume:\n%s", screen)
	}
	openFakeLesson(m2, l, 0) // the live check passes nothing: progress stays sticky
	if got := m2.views[viewLearn].(*learnView).run; got == nil || got.step != 2 || !got.passed(0) {
		t.Fatalf("resumed run %+v, want step 3 with step 1 passed", got)
	}
	press(m2, "L")
	if m2.c.Backend.Lesson != "" || m2.lessonPlace != nil {
		t.Fatalf("L should go back to the learner's own backend, header %q", m2.c.Backend.Label)
	}

	// Reset asks first, then forgets the progress.
	press(m2, "R")
	if _, ok := m2.dialog.(*confirm); !ok {
		t.Fatalf("R should ask before resetting, dialog %T", m2.dialog)
	}
	press(m2, "n")
	if p, _ := learn.LoadProgress(l.ID); len(p.Passed) == 0 {
		t.Fatal("n should keep the progress")
	}
	press(m2, "R", "y")
	if p, err := learn.LoadProgress(l.ID); err != nil || len(p.Passed) != 0 || p.Current != 0 {
		t.Fatalf("after the reset progress is %+v (%v), want fresh", p, err)
	}
	if screen := stripWidth(m2.View().Content); !strings.Contains(screen, "0/3") {
		t.Errorf("the list should show the lesson fresh after a reset:\n%s", screen)
	}
}

// TestLessonThroughTheTUI does lesson 2 with keystrokes on a real lesson
// sandbox: the model opens learn.DataDir, the keys go through the real
// worker, and learn.Check (the same check the CLI runs) passes every step.
func TestLessonThroughTheTUI(t *testing.T) {
	if testing.Short() {
		t.Skip("opens a sandbox")
	}
	home := learnHome(t)
	l, ok := learn.Find("2")
	if !ok {
		t.Fatal("no lesson 2")
	}
	var opened *awsclient.Backend
	open := func(ctx context.Context, dir string) (*awsclient.Backend, error) {
		if !strings.HasPrefix(dir, filepath.Join(home, ".local", "share")) {
			t.Errorf("lesson sandbox opened on %s, outside the XDG data home", dir)
		}
		b, err := awsclient.Open(ctx, awsclient.Options{DataDir: dir, Getenv: func(string) string { return "" }})
		opened = b
		return b, err
	}
	mainB := sandboxBackend(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	w := actions.NewWorker(ctx, &actions.Env{Backend: mainB}, 2)
	dark := true
	m := New(Options{Data: NewData(mainB), Worker: w, IsDark: &dark, Now: func() time.Time { return fixedNow }, Context: ctx, OpenSandbox: open,
		Backend: BackendInfo{Label: "sandbox", Sandbox: true, Region: mainB.Region}})
	m.Update(tea.WindowSizeMsg{Width: 120, Height: 36})
	m.tapWorker = func(w Worker) Worker { return tappedWorker{w.(*actions.Worker)} }
	defer m.closeLesson()

	press(m, "4")
	lw := m.views[viewLearn].(*learnView)
	for i, x := range lw.lessons {
		if x.ID == l.ID {
			lw.cur.pos = i
		}
	}
	send(m, keyPress("enter"), 10*time.Second, 6) // start lesson 2
	if m.lessonPlace == nil || opened == nil {
		t.Fatalf("no lesson sandbox open; status %q", m.status)
	}
	if lw.run == nil || lw.run.lesson.ID != l.ID {
		t.Fatalf("lesson started: %+v", lw.run)
	}
	if h := stripWidth(m.header()); !strings.Contains(h, "lesson 2's own sandbox") || !strings.Contains(m.c.Backend.Label, filepath.Join("lessons", l.ID)) {
		t.Errorf("the header should say the lesson's own sandbox is shown: %q (label %q)", h, m.c.Backend.Label)
	}
	lessonW := m.worker.(tappedWorker).Worker
	pump := func(cond func() bool) {
		t.Helper()
		deadline := time.After(60 * time.Second)
		for !cond() {
			select {
			case ev := <-lessonW.Events():
				send(m, workerEventMsg{ev: ev}, 1500*time.Millisecond, 6)
			case <-time.After(100 * time.Millisecond):
			case <-deadline:
				t.Fatalf("timed out; status %q", m.status)
			}
		}
	}
	passed := func(i int) func() bool {
		return func() bool {
			// The check a job's end starts, run here so that none is lost
			// to send's timeout.
			for _, msg := range run(checkLesson(lw.gen, lw.run.check, lw.run.lesson), 20*time.Second) {
				send(m, msg, time.Second, 2)
			}
			if !lw.run.passed(i) {
				t.Logf("step %d: %s", i+1, lw.run.why(i))
			}
			return lw.run.passed(i)
		}
	}

	// Step 1: a symmetric key with alias alias/lesson.
	press(m, "1", "n", "down")
	typeText(m, "lesson")
	press(m, "ctrl+s")
	pump(passed(0))
	// Step 2: the blog post's RSA_2048 ENCRYPT_DECRYPT key, alias/lesson-rsa.
	press(m, "n", "right", "down", "down")
	typeText(m, "lesson-rsa")
	press(m, "ctrl+s")
	pump(passed(1))
	// Step 3: ask the RSA key for a data key; KMS refuses.
	pump(func() bool {
		r, ok := m.keys.selected()
		return ok && r.Name() == "alias/lesson-rsa" || selectKey(m, "alias/lesson-rsa")
	})
	press(m, "d", "ctrl+s")
	pump(passed(2))

	// The poll's checks make no KMS request: the header's counter, which
	// lessons teach with, stays where the learner's actions left it.
	before := m.c.Backend.OwnKMS()
	rs, err := learn.Check(context.Background(), opened, l)
	if err != nil {
		t.Fatal(err)
	}
	if after := m.c.Backend.OwnKMS(); after != before {
		t.Errorf("a lesson check moved the KMS counter from %d to %d", before, after)
	}
	for _, r := range rs {
		if !r.Passed {
			t.Errorf("learn.Check step %d: %s", r.Step+1, r.Why)
		}
	}
	if p, err := learn.LoadProgress(l.ID); err != nil || !p.Done(len(l.Steps)) {
		t.Errorf("saved progress %+v (%v), want the lesson done", p, err)
	}
	// The learner's own sandbox saw none of it.
	keys, err := NewData(mainB).ListKeys(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range keys {
		if k.Manager == "CUSTOMER" {
			t.Errorf("the main sandbox has a customer key %v: the lesson leaked into it", k.Aliases)
		}
	}
}

// selectKey moves the keys cursor to the key named name and reports
// whether it is there.
func selectKey(m *Model, name string) bool {
	for i, r := range m.keys.rows {
		if r.Name() == name {
			m.keys.cur.pos = i
			m.keys.cur.clamp()
			return true
		}
	}
	return false
}

// TestFormsExplainTheChosenMode: the upload form and the bucket encryption
// dialog show, for each mode chosen, who holds the key, what it protects
// against, its KMS requests and its cost with the date it was read, all
// from the modes table.
func TestFormsExplainTheChosenMode(t *testing.T) {
	m := loaded(t, newFakeData(0), newFakeWorker(), 120, 36, true)
	openObjects(m)
	press(m, "u", "down", "down") // the Encryption field
	seen := map[modes.ID]bool{}
	for range len(modes.Offered()) + 1 {
		press(m, "right")
		f := m.dialog.(*form)
		md := f.mode()
		if md == nil {
			t.Fatal("the upload form names no mode")
		}
		seen[md.ID] = true
		screen := strings.Join(strings.Fields(stripWidth(m.View().Content)), " ")
		for _, want := range []string{md.Holder[:20], md.Protects[:20], md.KMSRequests[:min(20, len(md.KMSRequests))], md.Cost[:20]} {
			if !strings.Contains(strings.ReplaceAll(screen, "│ ", ""), strings.Join(strings.Fields(want), " ")) {
				t.Errorf("upload form with %s lacks %q", md.ID, want)
			}
		}
		if md.UsesKMS() && !strings.Contains(screen, modes.CostChecked) {
			t.Errorf("upload form with %s does not say where and when its cost was read", md.ID)
		}
	}
	for _, md := range modes.Offered() {
		if !seen[md.ID] {
			t.Errorf("cycling the upload form's modes never showed %s", md.ID)
		}
	}

	m = loaded(t, newFakeData(0), newFakeWorker(), 80, 24, false)
	press(m, "e") // my-bucket: SSE-KMS with a bucket key
	screen := stripWidth(m.View().Content)
	if !strings.Contains(screen, "up to 99%") || !strings.Contains(screen, modes.CostChecked) {
		t.Errorf("the bucket encryption dialog at 80x24 lacks the bucket key's cost note:\n%s", screen)
	}
}

// TestSSECDownloadWithoutKeyAsksFirst: a download of an SSE-C object with
// no key file is refused by the form once, with what to do; a second
// ctrl+s sends it anyway, so the learner can see S3 refuse (lesson 8).
func TestSSECDownloadWithoutKeyAsksFirst(t *testing.T) {
	w := newFakeWorker()
	m := loaded(t, newFakeData(0), w, 120, 36, true)
	openObjects(m)
	for i, r := range m.objects.rows {
		if strings.HasSuffix(r.Key, "secret.bin") {
			m.objects.cur.pos = i
		}
	}
	m.objects.cur.clamp()
	if r, _ := m.objects.selected(); r.Enc.Mode != "SSE-C" {
		t.Fatalf("selected %+v, want the SSE-C object", r)
	}
	press(m, "d", "ctrl+s")
	if len(w.submitted) != 0 || m.dialog == nil || !strings.Contains(stripWidth(m.View().Content), "ctrl+s again") {
		t.Fatalf("the first ctrl+s should only warn; submitted %v", w.submitted)
	}
	press(m, "ctrl+s")
	if len(w.submitted) != 1 {
		t.Fatalf("the second ctrl+s should send the download without a key; submitted %v", w.submitted)
	}
	if g, ok := w.submitted[0].(*actions.Get); !ok || !strings.HasSuffix(g.Key, "secret.bin") {
		t.Fatalf("submitted %#v, want a plain Get of secret.bin", w.submitted[0])
	}
}

// TestOutsideProgressReloadsTheLists: a step the poll finds passed (the
// learner worked from another terminal) reloads the buckets and objects
// lists; one passed after a job of this UI does not ask again (the job
// refreshed what it changed), and neither reloads the keys (KMS requests).
func TestOutsideProgressReloadsTheLists(t *testing.T) {
	learnHome(t)
	l := kmsLesson(t)
	m := learnModel(t, 120, 36, true)
	press(m, "4")
	openFakeLesson(m, l, 0)
	v := m.views[viewLearn].(*learnView)
	refreshes := func(msgs []tea.Msg) []refresh {
		var out []refresh
		for _, msg := range msgs {
			if r, ok := msg.(refreshMsg); ok {
				out = append(out, r.what)
			}
		}
		return out
	}
	v.run.check = cannedCheck(1)
	v.Update(jobEndedMsg{}) // a check after this UI's job
	if got := refreshes(run(v.checked(lessonCheckedMsg{gen: v.gen, results: mustCheck(t, v.run.check, l)}), time.Second)); len(got) != 0 {
		t.Errorf("a step passed after a job of this UI asked for %v", got)
	}
	v.run.checking = false
	v.run.check = cannedCheck(2)
	v.Update(learnTickMsg{gen: v.gen}) // the poll's check
	got := refreshes(run(v.checked(lessonCheckedMsg{gen: v.gen, results: mustCheck(t, v.run.check, l)}), time.Second))
	if len(got) != 1 || got[0] != refreshBuckets|refreshObjects {
		t.Errorf("a step the poll found passed asked for %v, want buckets and objects", got)
	}
}

func mustCheck(t *testing.T, c checkFunc, l learn.Lesson) []learn.Result {
	t.Helper()
	rs, err := c(context.Background(), l)
	if err != nil {
		t.Fatal(err)
	}
	return rs
}
