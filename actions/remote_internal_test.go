package actions

import (
	"crypto/rand"
	"crypto/rsa"
	"testing"
	"time"

	s3c "github.com/s3crypt/s3crypt/crypto"
)

// TestRemoteKeepsKeyMaterialHere: a job holding a wrapping key in memory
// (a raw keyring) is never handed to the transfer helper, whose pipe
// would carry the key redacted; plain jobs are.
func TestRemoteKeepsKeyMaterialHere(t *testing.T) {
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	aes := func() *s3c.Key { return s3c.NewKey(make([]byte, 32)) }
	here := map[string]Action{
		"put, AES wrapping key":   &Put{ClientSide: &ClientSide{AESWrappingKey: aes()}},
		"put, RSA public key":     &Put{ClientSide: &ClientSide{RSAPublicKey: &rsaKey.PublicKey}},
		"get, AES wrapping key":   &Get{File: "out", AESWrappingKey: aes()},
		"get, RSA private key":    &Get{File: "out", RSAPrivateKey: s3c.NewRSAPrivateKey(rsaKey)},
		"get to standard output":  &Get{File: "-"},
		"SSE-C put, key in hand":  &Put{SSEC: &SSECKey{}},
		"get SSE-C, RSA key held": &GetSSEC{Get: Get{File: "out", RSAPrivateKey: s3c.NewRSAPrivateKey(rsaKey)}},
	}
	for name, a := range here {
		if req := remoteRequestFor(1, a); req != nil {
			t.Errorf("%s: handed to the helper", name)
		}
	}
	for name, a := range map[string]Action{
		"put, KMS client-side": &Put{ClientSide: &ClientSide{KMSKey: "alias/demo"}},
		"put, SSE-KMS":         &Put{},
		"get":                  &Get{File: "out"},
	} {
		if req := remoteRequestFor(1, a); req == nil {
			t.Errorf("%s: kept in the UI's process", name)
		}
	}
}

// TestRemoteProgressThrottle: the helper sends a job's progress at most
// every remoteProgressEvery, each job on its own clock, and always its
// last report and every other event.
func TestRemoteProgressThrottle(t *testing.T) {
	t0 := time.Unix(1000, 0)
	prog := func(job JobID, done int64) Event {
		return ProgressEvent{Job: job, Progress: Progress{Done: done, Total: 100}}
	}
	step := StepEvent{Job: 1, Step: Step{Title: "a step"}}
	cases := []struct {
		e    Event
		at   time.Duration
		pass bool
	}{
		{prog(1, 10), 0, true},
		{prog(1, 20), remoteProgressEvery / 2, false},
		{step, remoteProgressEvery / 2, true},
		{prog(2, 5), remoteProgressEvery / 2, true}, // another job
		{prog(1, 30), remoteProgressEvery, true},
		{prog(1, 40), remoteProgressEvery + 1, false},
		{prog(1, 100), remoteProgressEvery + 2, true}, // the last: all bytes
		{DoneEvent{Job: 1}, remoteProgressEvery + 3, true},
	}
	th := progressThrottle{}
	for i, c := range cases {
		if got := th.pass(c.e, t0.Add(c.at)); got != c.pass {
			t.Errorf("event %d (%T at %v): passed %v, want %v", i, c.e, c.at, got, c.pass)
		}
	}
}
