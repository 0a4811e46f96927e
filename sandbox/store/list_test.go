package store

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	bolt "go.etcd.io/bbolt"
)

// putKeys stores a version of each key (no blobs), a few thousand per
// transaction: bbolt splits nodes only at commit, so one huge transaction
// of random inserts is quadratic.
func putKeys(t testing.TB, s *Store, bucket string, keys []string) {
	t.Helper()
	for len(keys) > 0 {
		batch := keys[:min(len(keys), 2000)]
		keys = keys[len(batch):]
		err := s.db.Update(func(tx *bolt.Tx) error {
			b, err := openBucket(tx, bucket)
			if err != nil {
				return err
			}
			for _, k := range batch {
				if _, _, err := b.put(Object{Bucket: bucket, Key: k, Size: int64(len(k))}); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatalf("put keys: %v", err)
		}
	}
}

// entries renders a page as "k:key" and "p:prefix" in listing order.
func entries(res ListResult) []string {
	var out []string
	for _, o := range res.Objects {
		out = append(out, "k:"+o.Key)
	}
	for _, p := range res.CommonPrefixes {
		out = append(out, "p:"+p)
	}
	slices.SortFunc(out, func(a, b string) int { return strings.Compare(a[2:], b[2:]) })
	return out
}

func TestListObjectsExamples(t *testing.T) {
	s := openTest(t)
	mustCreateBucket(t, s, "b", VersioningEnabled)
	putKeys(t, s, "b", []string{"a", "a/b", "a/c/d", "ab", "b/", "b/x", "c", "photos/2024/a.jpg",
		"photos/2024/b.jpg", "photos/2025/c.jpg", "photos/index.html", "z"})
	if _, _, err := s.DeleteObject("b", "c", ""); err != nil { // a marker hides c
		t.Fatalf("DeleteObject: %v", err)
	}
	cases := []struct {
		opt       ListOptions
		want      []string
		truncated bool
		next      string
	}{
		{ListOptions{}, []string{"k:a", "k:a/b", "k:a/c/d", "k:ab", "k:b/", "k:b/x", "k:photos/2024/a.jpg",
			"k:photos/2024/b.jpg", "k:photos/2025/c.jpg", "k:photos/index.html", "k:z"}, false, "z"},
		{ListOptions{Delimiter: "/"}, []string{"k:a", "p:a/", "k:ab", "p:b/", "p:photos/", "k:z"}, false, "z"},
		{ListOptions{Prefix: "photos/", Delimiter: "/"}, []string{"p:photos/2024/", "p:photos/2025/", "k:photos/index.html"}, false, "photos/index.html"},
		{ListOptions{Prefix: "photos/20", Delimiter: "/"}, []string{"p:photos/2024/", "p:photos/2025/"}, false, "photos/2025/"},
		{ListOptions{Prefix: "a"}, []string{"k:a", "k:a/b", "k:a/c/d", "k:ab"}, false, "ab"},
		{ListOptions{Prefix: "q"}, nil, false, ""},
		{ListOptions{Delimiter: "/", MaxKeys: 3}, []string{"k:a", "p:a/", "k:ab"}, true, "ab"},
		{ListOptions{Delimiter: "/", MaxKeys: 3, After: "ab"}, []string{"p:b/", "p:photos/", "k:z"}, false, "z"},
		{ListOptions{Delimiter: "/", After: "a/"}, []string{"k:ab", "p:b/", "p:photos/", "k:z"}, false, "z"},
		{ListOptions{Delimiter: "/", After: "a/b"}, []string{"p:a/", "k:ab", "p:b/", "p:photos/", "k:z"}, false, "z"},
		{ListOptions{After: "photos/2025/c.jpg"}, []string{"k:photos/index.html", "k:z"}, false, "z"},
		{ListOptions{Prefix: "photos/", After: "a"}, []string{"k:photos/2024/a.jpg", "k:photos/2024/b.jpg",
			"k:photos/2025/c.jpg", "k:photos/index.html"}, false, "photos/index.html"},
		{ListOptions{Prefix: "a", After: "b"}, nil, false, ""},
		{ListOptions{Delimiter: "/20", Prefix: "photos"}, []string{"p:photos/20", "k:photos/index.html"}, false, "photos/index.html"},
		{ListOptions{Delimiter: "/", MaxKeys: 1, After: "z"}, nil, false, ""},
	}
	for _, c := range cases {
		res, err := s.ListObjects("b", c.opt)
		if err != nil {
			t.Fatalf("%+v: %v", c.opt, err)
		}
		if got := entries(res); !slices.Equal(got, c.want) || res.Truncated != c.truncated || res.NextAfter != c.next {
			t.Errorf("%+v:\n got %v truncated=%v next=%q\nwant %v truncated=%v next=%q",
				c.opt, got, res.Truncated, res.NextAfter, c.want, c.truncated, c.next)
		}
		for _, o := range res.Objects {
			if !o.IsLatest || o.Size != int64(len(o.Key)) {
				t.Errorf("object %+v", o)
			}
		}
	}
	if _, err := s.ListObjects("nope", ListOptions{}); err == nil {
		t.Fatalf("listing a missing bucket succeeded")
	}
}

// expectedListing is what a full listing (no After) must return, computed
// by brute force over the sorted keys.
func expectedListing(keys []string, prefix, delim string) []string {
	var out []string
	seen := map[string]bool{}
	for _, k := range keys {
		if !strings.HasPrefix(k, prefix) {
			continue
		}
		if i := strings.Index(k[len(prefix):], delim); delim != "" && i >= 0 {
			cp := k[:len(prefix)+i+len(delim)]
			if !seen[cp] {
				seen[cp] = true
				out = append(out, "p:"+cp)
			}
			continue
		}
		out = append(out, "k:"+k)
	}
	return out
}

// pageAll lists everything, MaxKeys at a time, following NextAfter.
func pageAll(t *testing.T, s *Store, opt ListOptions) (all []string, pages int) {
	t.Helper()
	for {
		res, err := s.ListObjects("b", opt)
		if err != nil {
			t.Fatalf("ListObjects: %v", err)
		}
		pages++
		all = append(all, entries(res)...)
		if n := len(res.Objects) + len(res.CommonPrefixes); n > normalizeMax(opt.MaxKeys) || (res.Truncated && n == 0) {
			t.Fatalf("page of %d entries for MaxKeys %d (truncated %v)", n, opt.MaxKeys, res.Truncated)
		}
		if !res.Truncated {
			return all, pages
		}
		opt.After = res.NextAfter
	}
}

func TestListObjectsPagingMatchesBruteForce(t *testing.T) {
	s := openTest(t)
	mustCreateBucket(t, s, "b", "")
	rng := rand.New(rand.NewPCG(1, 2))
	alphabet := []string{"a", "b", "/", "-", "é", "~"}
	set := map[string]bool{}
	for len(set) < 600 {
		var sb strings.Builder
		for n := 1 + rng.IntN(7); n > 0; n-- {
			sb.WriteString(alphabet[rng.IntN(len(alphabet))])
		}
		set[sb.String()] = true
	}
	keys := slices.Sorted(func(yield func(string) bool) {
		for k := range set {
			if !yield(k) {
				return
			}
		}
	})
	putKeys(t, s, "b", keys)
	for range 200 {
		prefix := []string{"", "a", "a/", "b-", "é", "~a"}[rng.IntN(6)]
		delim := []string{"", "/", "-", "a/", "é"}[rng.IntN(5)]
		max := 1 + rng.IntN(40)
		want := expectedListing(keys, prefix, delim)
		got, _ := pageAll(t, s, ListOptions{Prefix: prefix, Delimiter: delim, MaxKeys: max})
		if !slices.Equal(got, want) {
			t.Fatalf("prefix %q delimiter %q max %d:\n got %v\nwant %v", prefix, delim, max, got, want)
		}
	}
}

func TestListObjects20kWithDelimiter(t *testing.T) {
	s := openTest(t)
	mustCreateBucket(t, s, "b", "")
	var keys []string
	for d := range 200 {
		for f := range 100 {
			keys = append(keys, fmt.Sprintf("dir%03d/file%03d", d, f))
		}
	}
	for f := range 50 {
		keys = append(keys, fmt.Sprintf("top%03d", f))
	}
	putKeys(t, s, "b", keys)

	all, pages := pageAll(t, s, ListOptions{Delimiter: "/", MaxKeys: 100})
	if len(all) != 250 || pages != 3 || all[0] != "p:dir000/" || all[199] != "p:dir199/" || all[249] != "k:top049" {
		t.Fatalf("got %d entries in %d pages: first %v last %v", len(all), pages, all[:1], all[len(all)-1:])
	}
	// A page rolls each directory up with one Seek: its cost does not
	// depend on the 100 keys under each prefix.
	_, steps, err := s.listObjects("b", ListOptions{Delimiter: "/", MaxKeys: 100})
	if err != nil || steps > 101 {
		t.Fatalf("a 100-entry page took %d cursor moves (%v)", steps, err)
	}
	inDir, _ := pageAll(t, s, ListOptions{Prefix: "dir123/", Delimiter: "/", MaxKeys: 1000})
	if len(inDir) != 100 || inDir[0] != "k:dir123/file000" || inDir[99] != "k:dir123/file099" {
		t.Fatalf("dir123 lists %d entries", len(inDir))
	}
	flat, pages := pageAll(t, s, ListOptions{MaxKeys: 1000})
	if len(flat) != len(keys) || pages != 21 {
		t.Fatalf("flat listing: %d keys in %d pages", len(flat), pages)
	}
}

func TestListVersionsPaging(t *testing.T) {
	s := openTest(t)
	mustCreateBucket(t, s, "b", VersioningEnabled)
	var want []string // key@version newest first within a key
	for _, key := range []string{"a", "b/1", "b/2", "c"} {
		var ids []string
		for range 3 {
			o, _ := putData(t, s, "b", key, key)
			ids = append(ids, key+"@"+o.VersionID)
		}
		if key == "c" {
			m, _, err := s.DeleteObject("b", "c", "")
			if err != nil {
				t.Fatalf("DeleteObject: %v", err)
			}
			ids = append(ids, "c@"+m.VersionID)
		}
		slices.Reverse(ids)
		want = append(want, ids...)
	}
	for max := 1; max <= 14; max++ {
		var got []string
		var latest []string
		opt := ListOptions{MaxKeys: max}
		for {
			res, err := s.ListVersions("b", opt)
			if err != nil {
				t.Fatalf("ListVersions: %v", err)
			}
			for _, o := range res.Objects {
				got = append(got, o.Key+"@"+o.VersionID)
				if o.IsLatest {
					latest = append(latest, o.Key)
				}
			}
			if !res.Truncated {
				break
			}
			opt.After, opt.AfterVersion = res.NextAfter, res.NextAfterVersion
		}
		if !slices.Equal(got, want) || !slices.Equal(latest, []string{"a", "b/1", "b/2", "c"}) {
			t.Fatalf("max %d:\n got %v latest %v\nwant %v", max, got, latest, want)
		}
	}

	res, err := s.ListVersions("b", ListOptions{Delimiter: "/"})
	if err != nil || len(res.CommonPrefixes) != 1 || res.CommonPrefixes[0] != "b/" || len(res.Objects) != 7 {
		t.Fatalf("with delimiter: %v objects, prefixes %v, %v", len(res.Objects), res.CommonPrefixes, err)
	}
	if !res.Objects[3].DeleteMarker || res.Objects[3].Key != "c" || !res.Objects[3].IsLatest {
		t.Fatalf("marker entry = %+v", res.Objects[3])
	}
	// A key marker alone skips the whole key; an unknown version marker too.
	for _, opt := range []ListOptions{{After: "b/1"}, {After: "b/1", AfterVersion: "gone"}} {
		res, err = s.ListVersions("b", opt)
		if err != nil || len(res.Objects) != 7 || res.Objects[0].Key != "b/2" || !res.Objects[0].IsLatest {
			t.Fatalf("%+v: first %+v of %d, %v", opt, res.Objects[0], len(res.Objects), err)
		}
	}
	res, _ = s.ListVersions("b", ListOptions{Prefix: "b/2", After: "a", AfterVersion: "gone"})
	if len(res.Objects) != 3 || res.Objects[0].Key != "b/2" {
		t.Fatalf("prefix after marker: %d objects", len(res.Objects))
	}
}

func TestMaxKeysIsCapped(t *testing.T) {
	s := openTest(t)
	mustCreateBucket(t, s, "b", "")
	keys := make([]string, 1005)
	for i := range keys {
		keys[i] = fmt.Sprintf("k%05d", i)
	}
	putKeys(t, s, "b", keys)
	for _, max := range []int{0, -1, 5000} {
		res, err := s.ListObjects("b", ListOptions{MaxKeys: max})
		if err != nil || len(res.Objects) != 1000 || !res.Truncated || res.NextAfter != "k00999" {
			t.Fatalf("MaxKeys %d: %d objects truncated %v next %q (%v)", max, len(res.Objects), res.Truncated, res.NextAfter, err)
		}
	}
}

func BenchmarkListObjects100k(b *testing.B) {
	s := openTest(b)
	mustCreateBucket(b, s, "b", "")
	keys := make([]string, 100_000)
	for i := range keys {
		keys[i] = fmt.Sprintf("data/%02d/object-%06d.bin", i%50, i)
	}
	putKeys(b, s, "b", keys)
	after := "data/25/"
	for b.Loop() {
		res, err := s.ListObjects("b", ListOptions{After: after, MaxKeys: 1000})
		if err != nil || len(res.Objects) != 1000 {
			b.Fatalf("ListObjects: %d objects, %v", len(res.Objects), err)
		}
	}
}
