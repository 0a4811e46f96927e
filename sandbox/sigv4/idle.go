package sigv4

import (
	"errors"
	"io"
	"net/http"
	"os"
	"time"
)

// DefaultIdleBodyTimeout is how long S3 waits for the next byte of a
// request body before it gives up: about 20 s on AWS.
const DefaultIdleBodyTimeout = 20 * time.Second

// ErrRequestTimeout is S3's answer to a request body that stalls: the
// client sent part of it, then nothing for the idle timeout.
var ErrRequestTimeout = &Error{Status: http.StatusBadRequest, Code: "RequestTimeout",
	Message: "Your socket connection to the server was not read from or written to within the timeout period. Idle connections will be closed."}

// IdleBody wraps the body of the request w answers so that a read waiting
// longer than idle for the client fails with ErrRequestTimeout, instead of
// holding the request (its temporary file and descriptors) forever. The
// deadline is the connection's read deadline, moved forward before each
// read, so a slow but steady body is never cut. If the connection cannot
// take deadlines (not a net/http server connection), body is returned as
// is.
func IdleBody(w http.ResponseWriter, body io.ReadCloser, idle time.Duration) io.ReadCloser {
	if body == nil || body == http.NoBody || idle <= 0 {
		return body
	}
	rc := http.NewResponseController(w)
	if err := rc.SetReadDeadline(time.Now().Add(idle)); err != nil {
		return body
	}
	return &idleBody{body: body, rc: rc, idle: idle}
}

type idleBody struct {
	body io.ReadCloser
	rc   *http.ResponseController
	idle time.Duration
	err  error // sticky ErrRequestTimeout
}

func (b *idleBody) Read(p []byte) (int, error) {
	if b.err != nil {
		return 0, b.err
	}
	_ = b.rc.SetReadDeadline(time.Now().Add(b.idle))
	n, err := b.body.Read(p)
	if err != nil && errors.Is(err, os.ErrDeadlineExceeded) {
		b.err = ErrRequestTimeout
		return n, b.err
	}
	return n, err
}

// Close ends the body. net/http's Close reads what is left of the body to
// reuse the connection, so the deadline stays: one more idle period at
// most, none after a timeout. The server sets its own read deadline for the
// connection's next request.
func (b *idleBody) Close() error {
	deadline := time.Now().Add(b.idle)
	if b.err != nil {
		deadline = time.Now()
	}
	_ = b.rc.SetReadDeadline(deadline)
	return b.body.Close()
}
