package ui

import (
	"context"
	"fmt"
	"io"
	"log"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/s3crypt/s3crypt/actions"
	"github.com/s3crypt/s3crypt/awsclient"
)

// Run opens the terminal UI on backend b until the person quits or ctx
// ends; open opens a lesson's own sandbox (nil: lessons cannot be
// started). Nothing is printed while it runs: the standard logger writes
// to a file under the user's cache directory.
func Run(ctx context.Context, b *awsclient.Backend, open OpenSandbox) error {
	closeLog := redirectLog()
	defer closeLog()
	w := actions.NewWorker(ctx, workerEnv(b), 4)
	defer func() {
		sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := w.Shutdown(sctx); err != nil {
			log.Printf("ui: %v", err)
		}
	}()
	m := New(Options{Data: NewData(b), Worker: w, Backend: BackendInfoOf(b), Context: ctx, OpenSandbox: open})
	_, err := tea.NewProgram(m, tea.WithContext(ctx)).Run()
	m.closeLesson()
	if err != nil && ctx.Err() == nil {
		return fmt.Errorf("terminal UI: %w", err)
	}
	return nil
}

// workerEnv is the environment the UI's jobs run in. On the sandbox the
// server encrypts on this machine (in a child process at a lower priority,
// usually; see cli.UICmd): sending more
// parts at once than there are cores only queues them behind each other,
// and starves the UI's own goroutines (bench/tui.sh: with the default 8
// parallel parts a 1 GiB upload took longer and a key took 150 ms to show,
// p50, against 45 ms with one part per core).
func workerEnv(b *awsclient.Backend) *actions.Env {
	env := &actions.Env{Backend: b}
	if b.Sandbox != nil {
		env.Concurrency = max(2, runtime.GOMAXPROCS(0))
	}
	return env
}

// BackendInfoOf describes b for the header.
func BackendInfoOf(b *awsclient.Backend) BackendInfo {
	info := BackendInfo{Label: b.Label, Sandbox: b.Sandbox != nil, Region: b.Region, Credentials: actions.CredentialsLine(b)}
	if rec := b.Recorder; rec != nil {
		info.OwnKMS = rec.KMSTotal
	}
	return info
}

// redirectLog sends the standard and structured loggers to
// $XDG_CACHE_HOME/s3crypt/ui.log (or discards them) and returns a function
// that restores them.
func redirectLog() func() {
	prevOut, prevFlags := log.Writer(), log.Flags()
	prevSlog := slog.Default()
	out := io.Discard
	var f *os.File
	if dir, err := os.UserCacheDir(); err == nil {
		dir = filepath.Join(dir, "s3crypt")
		if os.MkdirAll(dir, 0o700) == nil {
			f, _ = os.OpenFile(filepath.Join(dir, "ui.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
		}
	}
	if f != nil {
		out = f
	}
	log.SetOutput(out)
	log.SetFlags(log.LstdFlags | log.Lmicroseconds)
	slog.SetDefault(slog.New(slog.NewTextHandler(out, nil)))
	return func() {
		log.SetOutput(prevOut)
		log.SetFlags(prevFlags)
		slog.SetDefault(prevSlog)
		if f != nil {
			f.Close()
		}
	}
}
