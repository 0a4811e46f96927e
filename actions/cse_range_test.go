package actions_test

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/s3crypt/s3crypt/actions"
	s3c "github.com/s3crypt/s3crypt/crypto"
)

// TestClientSideRangedGet reads ranges of V2 and V3 objects, one stored
// in one PUT and one multipart (5 MiB parts): first byte, last byte,
// suffix, block edges, a range across a part edge, ranges clipped at the
// end; each equals the same slice of the plaintext. Without the opt-in the
// read is refused and nothing is written; a range past the end is refused.
func TestClientSideRangedGet(t *testing.T) {
	env := xferEnv(t)
	xferBucket(t, env.Backend, "ranges", false)
	kmsKey := cseKey(t, env)
	dir := t.TempDir()
	for _, format := range []int{s3c.FormatV2, s3c.FormatV3} {
		for _, size := range []int{100000, 11 << 20} {
			src, data := xferFile(t, size)
			key := fmt.Sprintf("v%d-%d", format, size)
			res, err, _ := collect(t, env, &actions.Put{File: src, Bucket: "ranges", Key: key, ClientSide: &actions.ClientSide{KMSKey: kmsKey, Format: format}})
			if err != nil {
				t.Fatal(err)
			}
			if multipart := res.(actions.PutResult).Parts > 1; multipart != (size > 6<<20) {
				t.Fatalf("%s: multipart %v", key, multipart)
			}
			n := int64(size)
			type rng struct {
				spec        string
				first, last int64
			}
			ranges := []rng{{"bytes=0-0", 0, 0}, {fmt.Sprintf("bytes=%d-%d", n-1, n-1), n - 1, n - 1}, {"bytes=-1", n - 1, n - 1},
				{"bytes=15-16", 15, 16}, {"bytes=16-31", 16, 31}, {"bytes=1-15", 1, 15}, {"bytes=31-32", 31, 32}, {"bytes=17-", 17, n - 1},
				{"bytes=65535-65536", 65535, 65536}, {fmt.Sprintf("bytes=%d-%d", n-10, n+100), n - 10, n - 1}, {"bytes=-100", n - 100, n - 1}}
			if size > 6<<20 {
				edge := int64(5 << 20) // the first part ends here
				ranges = append(ranges, rng{fmt.Sprintf("bytes=%d-%d", edge-10, edge+10), edge - 10, edge + 10},
					rng{fmt.Sprintf("bytes=%d-%d", edge-16, edge-1), edge - 16, edge - 1})
			}
			for _, r := range ranges {
				dst := filepath.Join(dir, "out")
				res, err, _ := collect(t, env, &actions.Get{Bucket: "ranges", Key: key, File: dst, Range: r.spec, AllowUnauthenticatedRange: true})
				if err != nil {
					t.Fatalf("%s %s: %v", key, r.spec, err)
				}
				got, _ := os.ReadFile(dst)
				if !bytes.Equal(got, data[r.first:r.last+1]) {
					t.Fatalf("%s %s: %d bytes that differ from plaintext[%d:%d]", key, r.spec, len(got), r.first, r.last+1)
				}
				cs := res.(actions.GetResult).ClientSide
				if cs == nil || !cs.Unauthenticated || cs.Range != fmt.Sprintf("bytes=%d-%d", r.first, r.last) || cs.Format != format {
					t.Fatalf("%s %s: result %+v", key, r.spec, cs)
				}
			}
		}
	}
	// Refusals: no opt-in, a range past the end, a malformed range.
	for _, c := range []struct {
		g    actions.Get
		want string
	}{
		{actions.Get{Key: "v3-100000", Range: "bytes=0-9"}, "--allow-unauthenticated-range"},
		{actions.Get{Key: "v2-100000", Range: "bytes=0-9"}, "cannot be authenticated"},
		{actions.Get{Key: "v3-100000", Range: "bytes=100000-", AllowUnauthenticatedRange: true}, "past the end of the 100000-byte content"},
		{actions.Get{Key: "v3-100000", Range: "bytes=9-1", AllowUnauthenticatedRange: true}, "ends before it starts"},
		{actions.Get{Key: "v3-100000", Range: "0-9", AllowUnauthenticatedRange: true}, "is not bytes=FIRST-LAST"},
	} {
		out := t.TempDir()
		c.g.Bucket, c.g.File = "ranges", filepath.Join(out, "x")
		_, err, _ := collect(t, env, &c.g)
		var ae *actions.Error
		if err == nil || !strings.Contains(err.Error(), c.want) || !errors.As(err, &ae) {
			t.Fatalf("%s: %v, want %q", c.g.Range, err, c.want)
		}
		if entries, _ := os.ReadDir(out); len(entries) != 0 {
			t.Fatalf("%s: a refused range left %v", c.g.Range, entries)
		}
	}
	// A plain (SSE-S3) object's range is S3's own.
	src, data := xferFile(t, 1000)
	if _, err, _ := collect(t, env, &actions.Put{File: src, Bucket: "ranges", Key: "plain"}); err != nil {
		t.Fatal(err)
	}
	dst := filepath.Join(dir, "plain")
	if _, err, _ := collect(t, env, &actions.Get{Bucket: "ranges", Key: "plain", File: dst, Range: "bytes=10-19"}); err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(dst); !bytes.Equal(got, data[10:20]) {
		t.Fatalf("plain range: %x", got)
	}
}
