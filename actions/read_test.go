package actions_test

import (
	"context"
	"errors"
	"sort"
	"strings"
	"testing"

	"github.com/s3crypt/s3crypt/actions"
)

// TestListPagesThenHeadObjectsAgreeWithLs lists the mixed bucket a page
// at a time without HEADs (as the UI does), then HEADs the keys with
// HeadObjects: the encryption of every object is what `ls` finds in one
// go, because both go through the same HEAD.
func TestListPagesThenHeadObjectsAgreeWithLs(t *testing.T) {
	f := newBKFixture(t)
	res, _ := mustRun(t, f.env, &actions.ListObjects{Bucket: "mix"})
	full := map[string]actions.ObjectEntry{}
	for _, o := range res.(actions.ListObjectsResult).Objects {
		full[o.Key] = o
	}

	var keys []string
	token, pages := "", 0
	for {
		res, _ := mustRun(t, f.env, &actions.ListObjects{Bucket: "mix", Token: token, MaxKeys: 4, Pages: 1, NoHeads: true})
		r := res.(actions.ListObjectsResult)
		pages++
		if r.Pages != 1 || len(r.Objects) > 4 {
			t.Fatalf("page %d: %d pages, %d objects", pages, r.Pages, len(r.Objects))
		}
		for _, o := range r.Objects {
			if o.Encryption != (actions.ObjectEncryption{}) || o.ClientSide != 0 || o.SSECKeyRequired {
				t.Fatalf("NoHeads listing read %s's encryption: %+v", o.Key, o)
			}
			keys = append(keys, o.Key)
		}
		if token = r.Next; token == "" {
			break
		}
		if pages > 5 {
			t.Fatal("the listing does not end")
		}
	}
	if pages != 3 || len(keys) != len(full) || !sort.StringsAreSorted(keys) {
		t.Fatalf("%d pages, keys %q; want 3 pages and the %d keys of ls", pages, keys, len(full))
	}

	res, _ = mustRun(t, f.env, &actions.HeadObjects{Bucket: "mix", Keys: append(keys, "gone.txt"), Concurrency: 3})
	heads := res.([]actions.ObjectEntry)
	if len(heads) != len(keys)+1 {
		t.Fatalf("%d entries for %d keys", len(heads), len(keys)+1)
	}
	for i, h := range heads[:len(keys)] {
		w := full[keys[i]]
		if h.Key != keys[i] || h.Encryption != w.Encryption || h.ClientSide != w.ClientSide || h.SSECKeyRequired != w.SSECKeyRequired || h.HeadError != "" {
			t.Errorf("%s: HeadObjects %+v, ls %+v", keys[i], h, w)
		}
	}
	for _, want := range []struct {
		key    string
		client int
	}{{"cse-v2.bin", 2}, {"cse-v3.bin", 3}} {
		if full[want.key].ClientSide != want.client {
			t.Errorf("%s: client-side format %d, want %d", want.key, full[want.key].ClientSide, want.client)
		}
	}
	if g := heads[len(keys)]; g.HeadError != "deleted since listed" || !strings.HasPrefix(g.Label, "? ") {
		t.Errorf("a missing key: %+v", g)
	}
}

// TestHeadKeyOptional: an SSE-C object HEADed without its key is an
// error of kind SSE-C key required for `s3crypt head`, and with
// KeyOptional (the UI's inspect) a result that says so, with the key's
// MD5 from the sandbox's at-rest view.
func TestHeadKeyOptional(t *testing.T) {
	f := newBKFixture(t)
	_, err, _ := collect(t, f.env, &actions.Head{Bucket: "mix", Key: "ssec.bin"})
	if actions.KindOf(err) != actions.KindSSECKeyRequired {
		t.Fatalf("head without key: %v (kind %q)", err, actions.KindOf(err))
	}
	res, _ := mustRun(t, f.env, &actions.Head{Bucket: "mix", Key: "ssec.bin", KeyOptional: true})
	h := res.(actions.HeadResult)
	if !h.SSECKeyRequired || h.Mode != "SSE-C" || h.AtRest == nil || h.Encryption.SSECKeyMD5 != f.ssecMD5 || h.Size != int64(len("hello, ssec.bin")) {
		t.Fatalf("key-optional head %+v", h)
	}
	// KeyOptional changes nothing for other failures or other objects.
	if _, err, _ := collect(t, f.env, &actions.Head{Bucket: "mix", Key: "none", KeyOptional: true}); actions.KindOf(err) != actions.KindNoSuchKey {
		t.Fatalf("missing object: %v", err)
	}
	res, _ = mustRun(t, f.env, &actions.Head{Bucket: "mix", Key: "cse-v3.bin", KeyOptional: true})
	if h := res.(actions.HeadResult); h.SSECKeyRequired || h.ClientSide == nil || h.ClientSide.Format != 3 {
		t.Fatalf("client-side head %+v", h)
	}
}

// TestWhoAmIOnTheSandbox names the sandbox's account and access key id,
// never its secret.
func TestWhoAmIOnTheSandbox(t *testing.T) {
	env := bkEnv(t)
	var evs []actions.Event
	res, err := actions.RunRead(t.Context(), env, &actions.WhoAmI{}, func(e actions.Event) { evs = append(evs, e) })
	if err != nil {
		t.Fatal(err)
	}
	id := res.(actions.IdentityResult)
	c, err := env.Backend.Config.Credentials.Retrieve(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if !id.Sandbox || id.Account != actions.SandboxAccount || id.AccessKeyID != c.AccessKeyID ||
		id.Summary() != "sandbox account 000000000000 · access key "+c.AccessKeyID {
		t.Fatalf("identity %+v", id)
	}
	if strings.Contains(id.Summary()+eventText(evs), c.SecretAccessKey) {
		t.Fatal("the secret access key was shown")
	}
	// RunRead stops when the context does.
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if _, err := actions.RunRead(ctx, env, &actions.ListBuckets{}, nil); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled listing: %v", err)
	}
}
