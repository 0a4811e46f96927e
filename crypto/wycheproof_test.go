package crypto

import (
	"bytes"
	"crypto/subtle"
	"encoding/json"
	"os"
	"testing"
)

// TestGCMStreamWycheproof runs the Wycheproof AES-GCM vectors with a
// 96-bit IV and 128-bit tag (testdata/wycheproof): each valid vector seals
// to exactly its ciphertext and tag and opens back to its message; each
// invalid one fails tag verification. The standard library agrees on
// every one.
func TestGCMStreamWycheproof(t *testing.T) {
	raw, err := os.ReadFile("testdata/wycheproof/aes_gcm_test.json")
	if err != nil {
		t.Fatal(err)
	}
	var file struct {
		NumberOfTests int `json:"numberOfTests"`
		TestGroups    []struct {
			IVSize  int `json:"ivSize"`
			TagSize int `json:"tagSize"`
			Tests   []struct {
				TcID    int      `json:"tcId"`
				Comment string   `json:"comment"`
				Key     string   `json:"key"`
				IV      string   `json:"iv"`
				AAD     string   `json:"aad"`
				Msg     string   `json:"msg"`
				CT      string   `json:"ct"`
				Tag     string   `json:"tag"`
				Result  string   `json:"result"`
				Flags   []string `json:"flags"`
			} `json:"tests"`
		} `json:"testGroups"`
	}
	if err := json.Unmarshal(raw, &file); err != nil {
		t.Fatal(err)
	}
	ran, valid := 0, 0
	for _, g := range file.TestGroups {
		if g.IVSize != 96 || g.TagSize != 128 {
			t.Fatalf("group with iv %d tag %d: only 96/128 belong in the file", g.IVSize, g.TagSize)
		}
		for _, tc := range g.Tests {
			ran++
			key, iv, aad, msg := mustHex(t, tc.Key), mustHex(t, tc.IV), mustHex(t, tc.AAD), mustHex(t, tc.Msg)
			ct, tag := mustHex(t, tc.CT), mustHex(t, tc.Tag)
			// Open: the stream's tag over the ciphertext, compared as DecryptTo does.
			s, err := newGCMStream(key, iv, aad)
			if err != nil {
				t.Fatalf("tc %d: %v", tc.TcID, err)
			}
			pt := bytes.Clone(ct)
			if err := s.open(pt, pt); err != nil {
				t.Fatal(err)
			}
			got := s.tag()
			ok := subtle.ConstantTimeCompare(got[:], tag) == 1
			std := stdSeal(t, key, iv, msg, aad)
			stdOK := bytes.Equal(std, append(bytes.Clone(ct), tag...))
			switch tc.Result {
			case "valid":
				valid++
				if !ok || !bytes.Equal(pt, msg) {
					t.Fatalf("tc %d (%s): valid vector did not open: tag %x, want %s", tc.TcID, tc.Comment, got, tc.Tag)
				}
				// Seal in one call and in 1-byte pieces.
				for _, piece := range []int{len(msg) + 1, 1} {
					s, _ := newGCMStream(key, iv, aad)
					out := make([]byte, len(msg))
					for off := 0; off < len(msg); off += piece {
						end := min(len(msg), off+piece)
						if err := s.seal(out[off:end], msg[off:end]); err != nil {
							t.Fatal(err)
						}
					}
					st := s.tag()
					if !bytes.Equal(out, ct) || !bytes.Equal(st[:], tag) {
						t.Fatalf("tc %d (%s): seal in %d-byte pieces gives %x %x", tc.TcID, tc.Comment, piece, out, st)
					}
				}
				if !stdOK {
					t.Fatalf("tc %d: the standard library disagrees with a valid vector", tc.TcID)
				}
			case "invalid":
				if ok {
					t.Fatalf("tc %d (%s, %v): invalid vector authenticated", tc.TcID, tc.Comment, tc.Flags)
				}
			default:
				t.Fatalf("tc %d: result %q", tc.TcID, tc.Result)
			}
		}
	}
	if ran != file.NumberOfTests || ran < 190 || valid == 0 || valid == ran {
		t.Fatalf("ran %d of %d vectors (%d valid)", ran, file.NumberOfTests, valid)
	}
	t.Logf("%d Wycheproof vectors (%d valid)", ran, valid)
}
