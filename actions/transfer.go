package actions

import (
	"io"
	"sync/atomic"
)

// Transfer defaults: parts of 16 MiB, 8 at a time, multipart from 64 MiB.
// Memory stays bounded: parts are read straight from the file by the SDK.
const (
	defaultPartSize    = 16 << 20
	defaultConcurrency = 8
	defaultThreshold   = 64 << 20
)

func partSize(env *Env) int64 {
	if env != nil && env.PartSize >= 5<<20 {
		return env.PartSize
	}
	return defaultPartSize
}

func concurrency(env *Env) int {
	if env != nil && env.Concurrency > 0 {
		return env.Concurrency
	}
	return defaultConcurrency
}

func threshold(env *Env) int64 {
	if env != nil && env.MultipartThreshold > 0 {
		return env.MultipartThreshold
	}
	return defaultThreshold
}

// progressReader counts bytes read through a seekable section and reports
// the total across all parts of a transfer. A retry that seeks back
// subtracts what it had counted.
type progressReader struct {
	r     *io.SectionReader
	total int64
	rep   *Reporter
	done  *atomic.Int64
	pos   int64
}

func newProgressReader(r *io.SectionReader, total int64, rep *Reporter, done *atomic.Int64) *progressReader {
	if done == nil {
		done = new(atomic.Int64)
	}
	return &progressReader{r: r, total: total, rep: rep, done: done}
}

func (p *progressReader) Read(b []byte) (int, error) {
	n, err := p.r.Read(b)
	if n > 0 {
		p.pos += int64(n)
		d := p.done.Add(int64(n))
		if p.rep != nil {
			p.rep.Progress(d, p.total)
		}
	}
	return n, err
}

func (p *progressReader) Seek(off int64, whence int) (int64, error) {
	n, err := p.r.Seek(off, whence)
	if err == nil {
		p.done.Add(n - p.pos)
		p.pos = n
	}
	return n, err
}

// Len is what the SDK asks to size the body.
func (p *progressReader) Len() int { return int(p.r.Size() - p.pos) }
