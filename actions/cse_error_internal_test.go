package actions

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"

	s3c "github.com/s3crypt/s3crypt/crypto"
)

// TestCSECommittedCloseErrorIsNotNothingWritten: a close that fails after
// the authenticated file got its name is reported as such, never with
// "Nothing was written" (the file exists).
func TestCSECommittedCloseErrorIsNotNothingWritten(t *testing.T) {
	err := fmt.Errorf("decrypt to out.txt: %w", &s3c.CommittedCloseError{Path: "out.txt", Err: os.ErrClosed})
	e := cseContentError("get", "s3://b/k", err)
	if strings.Contains(strings.ToLower(e.Fix+e.What+e.Why), "nothing was written") ||
		!strings.Contains(e.What, "out.txt") || !strings.Contains(e.Fix, "in place") || !errors.Is(e, os.ErrClosed) {
		t.Fatalf("error = %+v", e)
	}
	if e := cseContentError("get", "s3://b/k", s3c.ErrAuthentication); !strings.Contains(e.Fix, "Nothing was written") {
		t.Fatalf("authentication failure lost its message: %+v", e)
	}
}
