package trace

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"

	"github.com/s3crypt/s3crypt/keyflow"
)

// JournalFile is the journal's name in a data directory; the previous
// generation is JournalFile + ".1".
const JournalFile = "trace.ndjson"

// DefaultJournalLimit bounds one journal generation: with the previous one
// kept, a data directory holds at most twice this (some 25,000 events each).
const DefaultJournalLimit = 8 << 20

// Journal appends every published event to an NDJSON file in the data
// directory, so that another process, later, can read what the sandbox did
// (a lesson's check runs after the learner acted through the aws CLI). It
// is bounded: past Limit bytes the file becomes JournalFile.1 (replacing
// the older one) and a new one starts. Events carry no key material (see
// the package comment), so neither does the journal; it is written 0600
// all the same, as everything in the data directory.
//
// Append writes one line with one write(2) on a file opened O_APPEND, so a
// reader never sees a line cut in two except at a crash (Read skips it).
type Journal struct {
	mu    sync.Mutex
	dir   string
	limit int64
	f     *os.File
	size  int64
	err   error // the first write error; the journal then stops
}

// OpenJournal opens (creating) the journal in dir; limit <= 0 means
// DefaultJournalLimit.
func OpenJournal(dir string, limit int64) (*Journal, error) {
	if limit <= 0 {
		limit = DefaultJournalLimit
	}
	j := &Journal{dir: dir, limit: limit}
	if err := j.open(); err != nil {
		return nil, err
	}
	return j, nil
}

func (j *Journal) open() error {
	f, err := os.OpenFile(filepath.Join(j.dir, JournalFile), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return fmt.Errorf("open the trace journal: %w", err)
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return fmt.Errorf("open the trace journal: %w", err)
	}
	j.f, j.size = f, st.Size()
	return nil
}

// Append writes e as one line. Marker events (no actor) are not journaled:
// they only order a live stream.
func (j *Journal) Append(e Event) {
	if j == nil || e.Actor == "" {
		return
	}
	line, err := json.Marshal(e)
	if err != nil {
		return
	}
	line = append(line, '\n')
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.err != nil || j.f == nil {
		return
	}
	if j.size+int64(len(line)) > j.limit && j.size > 0 {
		j.f.Close()
		j.f = nil
		cur := filepath.Join(j.dir, JournalFile)
		if err := os.Rename(cur, cur+".1"); err != nil {
			j.err = err
			return
		}
		if err := j.open(); err != nil {
			j.err = err
			return
		}
	}
	n, err := j.f.Write(line)
	j.size += int64(n)
	if err != nil {
		j.err = err
	}
}

// Close closes the file.
func (j *Journal) Close() error {
	if j == nil {
		return nil
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.f == nil {
		return nil
	}
	err := j.f.Close()
	j.f = nil
	return err
}

// ReadJournal calls fn with every event journaled in dir, oldest first
// (the previous generation, then the current one), until fn returns
// false. A missing journal is an empty one; a line that does not parse (a
// crash mid-write) is skipped. Reading holds one line in memory at a time.
func ReadJournal(ctx context.Context, dir string, fn func(keyflow.Event) bool) error {
	for _, name := range []string{JournalFile + ".1", JournalFile} {
		more, err := readJournalFile(ctx, filepath.Join(dir, name), fn)
		if err != nil {
			return err
		}
		if !more {
			return nil
		}
	}
	return nil
}

func readJournalFile(ctx context.Context, path string, fn func(keyflow.Event) bool) (bool, error) {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return true, nil
	}
	if err != nil {
		return false, fmt.Errorf("read the trace journal: %w", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for sc.Scan() {
		if err := ctx.Err(); err != nil {
			return false, err
		}
		var e keyflow.Event
		if json.Unmarshal(sc.Bytes(), &e) != nil {
			continue
		}
		if !fn(e) {
			return false, nil
		}
	}
	if err := sc.Err(); err != nil {
		return false, fmt.Errorf("read the trace journal: %w", err)
	}
	return true, nil
}
