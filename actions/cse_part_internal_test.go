package actions

import "testing"

// TestCSEPartSize: a client-side upload's part buffers stay within
// cseBufferBudget (5 MiB parts, 3 in flight), a smaller --part-size is
// kept, and an object too large for 10,000 such parts gets larger whole-MiB
// parts, never more than 10,000.
func TestCSEPartSize(t *testing.T) {
	for _, c := range []struct {
		env  *Env
		size int64
		want int64
	}{
		{nil, 1 << 30, 5 << 20},
		{&Env{PartSize: 5 << 20}, 1 << 30, 5 << 20},
		{&Env{PartSize: 64 << 20}, 1 << 30, 5 << 20},
		{nil, 64 << 30, 7 << 20},
	} {
		ps := csePartSize(c.env, c.size)
		if ps != c.want || (c.size+ps-1)/ps > maxParts || ps*maxCSEConcurrency > cseBufferBudget && c.size <= maxParts*(5<<20) {
			t.Errorf("%d bytes: part size %d, want %d", c.size, ps, c.want)
		}
	}
}
