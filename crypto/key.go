package crypto

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strconv"
)

// maxRandomKeyLen bounds RandomKey; no key this package handles is longer.
const maxRandomKeyLen = 1024

// fingerprintLabel separates Key fingerprints from any other use of an HMAC
// keyed by the same bytes.
const fingerprintLabel = "s3crypt key fingerprint v1"

// Key is secret key material. It never prints, formats, logs or marshals its
// bytes: every fmt verb, String, GoString, MarshalJSON, MarshalText and
// LogValue give a redacted placeholder. Wipe zeroes the bytes when the key is
// no longer needed.
//
// The bytes are reachable only through a closure: fmt prints a func as an
// address and reflection cannot look inside one, so even reflection-based
// printing of a struct that holds a Key (in an unexported field, or with a
// verb fmt rejects) cannot show them. Use *Key; a copied Key value shares
// the same bytes.
type Key struct {
	material func() *[]byte
}

// holdBytes returns the closure a Key keeps its bytes behind.
func holdBytes(b []byte) func() *[]byte {
	p := &b
	return func() *[]byte { return p }
}

// NewKey returns a Key holding a copy of b. The caller should wipe b (for
// example with clear) if it no longer needs it.
func NewKey(b []byte) *Key {
	c := make([]byte, len(b))
	copy(c, b)
	return &Key{material: holdBytes(c)}
}

// RandomKey returns a Key of n bytes from crypto/rand.
func RandomKey(n int) (*Key, error) {
	if n <= 0 || n > maxRandomKeyLen {
		return nil, fmt.Errorf("random key: length %d out of range 1..%d", n, maxRandomKeyLen)
	}
	b := make([]byte, n)
	if _, err := io.ReadFull(rand.Reader, b); err != nil {
		return nil, fmt.Errorf("random key: %w", err)
	}
	return &Key{material: holdBytes(b)}, nil
}

// Bytes returns the live key bytes, or nil once the key is wiped. The slice
// is the key itself: do not retain it, modify it or let it escape into logs;
// it is zeroed by Wipe.
func (k *Key) Bytes() []byte {
	if k == nil || k.material == nil {
		return nil
	}
	return *k.material()
}

// Len returns the key length in bytes (0 once wiped).
func (k *Key) Len() int {
	return len(k.Bytes())
}

// Wipe zeroes the key bytes and drops them. It is safe to call more than
// once and on a nil Key.
func (k *Key) Wipe() {
	if k == nil || k.material == nil {
		return
	}
	p := k.material()
	clear(*p)
	*p = nil
}

// Wiped reports whether the key holds no bytes (wiped, empty or nil).
func (k *Key) Wiped() bool {
	return k.Len() == 0
}

// Fingerprint returns a short identifier of the key that is safe to display:
// the first 16 hex digits of HMAC-SHA256 keyed by the key over a fixed
// label. It cannot be reversed into the key; it does let someone holding a
// candidate key check it, so do not fingerprint low-entropy secrets.
// A wiped key's fingerprint is "(wiped)".
func (k *Key) Fingerprint() string {
	if k.Wiped() {
		return "(wiped)"
	}
	mac := hmac.New(sha256.New, k.Bytes())
	mac.Write([]byte(fingerprintLabel))
	sum := mac.Sum(nil)
	return hex.EncodeToString(sum[:8])
}

// redacted is what every textual form of a Key shows.
func (k *Key) redacted() string {
	if k == nil {
		return "[key: nil]"
	}
	if k.Wiped() {
		return "[key wiped]"
	}
	return "[key redacted: " + strconv.Itoa(k.Len()) + " bytes]"
}

// String returns a redacted placeholder, never the key.
func (k *Key) String() string { return k.redacted() }

// GoString returns a redacted placeholder for %#v, never the key.
func (k *Key) GoString() string { return k.redacted() }

// Format implements fmt.Formatter so that every verb (%v %s %q %x %X %d …)
// prints the redacted placeholder.
func (k *Key) Format(f fmt.State, _ rune) {
	_, _ = io.WriteString(f, k.redacted())
}

// LogValue implements slog.LogValuer with the redacted placeholder.
func (k *Key) LogValue() slog.Value {
	return slog.StringValue(k.redacted())
}

// MarshalJSON encodes the key as the JSON string "[redacted]".
func (k *Key) MarshalJSON() ([]byte, error) {
	return []byte(`"[redacted]"`), nil
}

// MarshalText encodes the key as "[redacted]".
func (k *Key) MarshalText() ([]byte, error) {
	return []byte("[redacted]"), nil
}

// errKeyLen reports a key of the wrong size without revealing it.
func errKeyLen(what string, got, want int) error {
	return fmt.Errorf("%s must be %d bytes, got %d", what, want, got)
}

// ErrWipedKey is returned when a wiped (or nil) key is used.
var ErrWipedKey = errors.New("key has been wiped")
