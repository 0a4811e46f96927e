package tape

import (
	"regexp"
	"strings"
	"sync"
)

// normalizer replaces what re matches with tag.
type normalizer struct {
	re  *regexp.Regexp
	tag string
}

// normalizers replace, in order, what differs from one replay to the next
// with a fixed tag. Order matters: whole ARNs and UUIDs go before the
// shorter hex runs they contain.
var normalizers = sync.OnceValue(func() []normalizer {
	return []normalizer{
		// The replay's directory (/tmp/s3t-<8 hex>) and mktemp's names, where
		// Run.Scrub did not already replace them.
		{regexp.MustCompile(`/tmp/s3t-[0-9a-fX]{8}`), "<root>"},
		// Blob files, named after random ids: whole, or cut by the end of a
		// line (the tail that wrapped starts the next line).
		{regexp.MustCompile(`/blobs/[0-9a-f]{2}/[0-9a-f]*\n[0-9a-f]+\b`), "/blobs/<blob>\n<blob>"},
		{regexp.MustCompile(`/blobs/[0-9a-f]{2}/[0-9a-f]+`), "/blobs/<blob>"},
		// Dates and times.
		{regexp.MustCompile(`\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2}| UTC| [+-]\d{4} UTC)?`), "<time>"},
		{regexp.MustCompile(`\b\d{4}-\d{2}-\d{2}\b`), "<date>"},
		{regexp.MustCompile(`\b\d{2}:\d{2}:\d{2}(\.\d+)?\b`), "<clock>"},
		{regexp.MustCompile(`\b\d{1,2}:\d{2}\b`), "<hh:mm>"},
		// KMS key ids: whole, cut short ("…"), or in the pieces a wrapped
		// line leaves (a head ending in "-", a tail of 4-hex groups and the
		// last 12), whatever digits and letters the random id has.
		{regexp.MustCompile(`\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b`), "<id>"},
		{regexp.MustCompile(`\b[0-9a-f]*[0-9][0-9a-f]*(-[0-9a-f]{0,12}){0,4}…`), "<id>…"},
		{regexp.MustCompile(`\b[0-9a-f]{8}(-[0-9a-f]{4}){0,3}-`), "<id>"},
		{regexp.MustCompile(`\b([0-9a-f]{4}-){1,3}[0-9a-f]{12}\b`), "<id>"},
		{regexp.MustCompile(`\b[0-9a-f]{12}\b`), "<id>"},
		// Ports.
		{regexp.MustCompile(`(127\.0\.0\.1|localhost):\d+`), "$1:<port>"},
		// Random bytes shown as hex pairs, base64 blobs, access key ids.
		{regexp.MustCompile(`\b[0-9a-f]{2}( [0-9a-f]{2}){5,}`), "<bytes>"},
		{regexp.MustCompile(`AKIA[A-Z0-9]{12,}`), "<access-key>"},
		{regexp.MustCompile(`\b[0-9a-f]{32}\b`), "<md5>"}, // ETags, blob names
		// Rates and durations.
		// A unit Run.Scrub took for the tail of a random directory name
		// ("MB/" when the name ends in "MB") is a rate's too.
		{regexp.MustCompile(`\d+(\.\d+)? ?([KMGT]?i?B|X{1,3})/s`), "<rate>"},
		{regexp.MustCompile(`\b\d+(\.\d+)?m\d+(\.\d+)?s\b`), "<dur>"},
		{regexp.MustCompile(`\b\d+(\.\d+)?(ns|µs|us|ms|s|m)\b`), "<dur>"},
	}
})

// md5Value is an SSE-C key's MD5 after "md5", often cut short: a value
// with a digit, a base64 sign or mixed case ("MD5 of your key" stays).
var md5Value = lazyRegexp(`(?i:md5):? +[A-Za-z0-9+/]{2,}={0,2}…?`)

// base64Run is a long run of base64 characters: a blob (data keys,
// ciphertext, key MD5s) when it has letters and a digit, "+" or "=", or
// mixes cases around a "/"; a word ("ServerSideEncryption") stays.
var base64Run = lazyRegexp(`[A-Za-z0-9+/]{20,}={0,2}`)

// base64Tag replaces a base64 run that is a blob.
func base64Tag(s string) string {
	letters := strings.IndexFunc(s, func(r rune) bool { return r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z' }) >= 0
	mixed := strings.ToLower(s) != s && strings.ToUpper(s) != s
	scrubbed := strings.Contains(s, "XXXX") // a path Run.Scrub already fixed
	if letters && !scrubbed && (strings.ContainsAny(s, "0123456789+=") || mixed && strings.Contains(s, "/")) {
		return "<base64>"
	}
	return s
}

// wholeUUID is exactly one UUID.
var wholeUUID = lazyRegexp(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)

// wrappedID is a run of hex and hyphens broken by a newline.
var wrappedID = lazyRegexp(`\b[0-9a-f][0-9a-f-]{0,35}\n[0-9a-f-]{1,36}\b`)

// hexRun is a run of hex digits and hyphens: key ids and UUIDs (whole,
// or the parts a wrapped line left), ETags, MD5s. A run counts as an id
// when it holds both a digit and a letter and at least 4 hex digits, so
// words ("added", "face") and numbers ("2026", account 000000000000)
// stay.
var hexRun = lazyRegexp(`\b[0-9a-f]+(-[0-9a-f]+)*\b-?`)

// idTag replaces a hex run that is an id.
func idTag(s string) string {
	digits, letters, hex := false, false, 0
	for _, c := range s {
		switch {
		case c >= '0' && c <= '9':
			digits = true
			hex++
		case c >= 'a' && c <= 'f':
			letters = true
			hex++
		}
	}
	if !digits || !letters || hex < 4 {
		return s
	}
	return "<id>"
}

// Normalize replaces in screen text what varies between replays (times,
// dates, key ids, ARNs' key parts, ETags, random bytes, ports, temporary
// directories, rates, durations) with fixed tags, and drops trailing
// spaces and empty lines. Goldens hold normalised screens.
func Normalize(screen string) string {
	// A key id the terminal wrapped at the end of a line: both parts.
	screen = wrappedID().ReplaceAllStringFunc(screen, func(m string) string {
		if wholeUUID().MatchString(strings.Replace(m, "\n", "", 1)) {
			return "<id>\n<id>"
		}
		return m
	})
	// An SSE-C key's MD5 first, whole: cut short, its last base64 piece
	// can look like a key id cut short ("wK8d/3f…" would become
	// "wK8d/<id>…").
	screen = md5Value().ReplaceAllStringFunc(screen, func(m string) string {
		i := strings.LastIndexByte(m, ' ') + 1
		if v := m[i:]; strings.ContainsAny(v, "0123456789+/=…") || strings.ToLower(v) != v && strings.ToUpper(v) != v {
			return m[:i] + "<md5>"
		}
		return m
	})
	for _, n := range normalizers() {
		screen = n.re.ReplaceAllString(screen, n.tag)
	}
	screen = base64Run().ReplaceAllStringFunc(screen, base64Tag)
	screen = hexRun().ReplaceAllStringFunc(screen, idTag)
	lines := strings.Split(screen, "\n")
	for i, l := range lines {
		lines[i] = strings.TrimRight(l, " ")
	}
	return strings.TrimRight(strings.Join(lines, "\n"), "\n") + "\n"
}

// lazyRegexp compiles expr on first use, not at package init: every
// s3crypt process links this package (the tape verb), and most never
// replay a tape, so its ~25 expressions are compiled only by those that
// do. Each one made here is also kept in lazyRegexps, for the test that
// compiles them all.
func lazyRegexp(expr string) func() *regexp.Regexp {
	f := sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(expr) })
	lazyRegexps = append(lazyRegexps, f)
	return f
}

// lazyRegexps are the expressions lazyRegexp made.
var lazyRegexps []func() *regexp.Regexp
