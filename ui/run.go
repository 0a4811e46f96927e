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
// to a file under the user's cache directory. With remote set, uploads and
// downloads on b run in its helper process (see actions.Remote), so that
// this process only draws; a lesson's sandbox runs them in this process.
func Run(ctx context.Context, b *awsclient.Backend, open OpenSandbox, remote *actions.Remote) error {
	closeLog := redirectLog()
	defer closeLog()
	w := actions.NewWorker(ctx, workerEnv(b), 4)
	if remote != nil {
		w.OffloadTo(remote)
	}
	defer func() {
		sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := w.Shutdown(sctx); err != nil {
			log.Printf("ui: %v", err)
		}
	}()
	info := BackendInfoOf(b)
	if own := info.OwnKMS; own != nil && remote != nil {
		info.OwnKMS = func() int { return own() + remote.KMSRequests() }
	}
	m := New(Options{Data: NewData(b), Worker: w, Backend: info, Context: ctx, OpenSandbox: open})
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
		env.Concurrency = TransferConcurrency()
	}
	return env
}

// TransferConcurrency is how many parts of a transfer the UI sends at
// once on the sandbox (its helper process too): one per core.
func TransferConcurrency() int { return max(2, runtime.GOMAXPROCS(0)) }

// BackendInfoOf describes b for the header.
func BackendInfoOf(b *awsclient.Backend) BackendInfo {
	info := BackendInfo{Label: b.Label, Sandbox: b.Sandbox != nil, Region: b.Region, Credentials: actions.CredentialsLine(b)}
	if rec := b.Recorder; rec != nil {
		info.OwnKMS = rec.KMSTotal
	}
	return info
}

// LogFile is the UI's log, $XDG_CACHE_HOME/s3crypt/ui.log ("" when there
// is no cache directory).
func LogFile() string {
	dir, err := os.UserCacheDir()
	if err != nil {
		return ""
	}
	return filepath.Join(dir, "s3crypt", "ui.log")
}

// OpenLogFile opens the UI's log (LogFile) for appending, creating it and
// its directory owner-only; nil when it cannot.
func OpenLogFile() *os.File {
	p := LogFile()
	if p == "" || os.MkdirAll(filepath.Dir(p), 0o700) != nil {
		return nil
	}
	f, err := os.OpenFile(p, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return nil
	}
	return f
}

// redirectLog sends the standard and structured loggers to
// $XDG_CACHE_HOME/s3crypt/ui.log (or discards them) and returns a function
// that restores them.
func redirectLog() func() {
	prevOut, prevFlags := log.Writer(), log.Flags()
	prevSlog := slog.Default()
	out := io.Discard
	f := OpenLogFile()
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
