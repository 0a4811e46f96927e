package actions_test

import (
	"testing"

	"github.com/s3crypt/s3crypt/actions"
)

func TestHumanSize(t *testing.T) {
	for n, want := range map[int64]string{0: "0 B", 1023: "1023 B", 1024: "1.0 KiB", 1536: "1.5 KiB",
		5 << 20: "5.0 MiB", 5<<30 + 1<<29: "5.5 GiB", 1 << 40: "1.0 TiB"} {
		if got := actions.HumanSize(n); got != want {
			t.Errorf("HumanSize(%d) = %q, want %q", n, got, want)
		}
	}
}
