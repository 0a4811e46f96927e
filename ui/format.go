package ui

import (
	"os"
	"strings"
	"time"

	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/s3crypt/s3crypt/actions"
	"github.com/s3crypt/s3crypt/modes"
	"github.com/s3crypt/s3crypt/ui/styles"
)

// humanSize renders a byte count (actions.HumanSize).
func humanSize(n int64) string { return actions.HumanSize(n) }

// humanRate renders bytes per second.
func humanRate(r float64) string {
	if r <= 0 {
		return "—"
	}
	return humanSize(int64(r)) + "/s"
}

// humanTime renders t relative to now: the time today, the date otherwise.
func humanTime(t, now time.Time) string {
	if t.IsZero() {
		return ""
	}
	t = t.In(now.Location())
	switch {
	case t.Year() == now.Year() && t.YearDay() == now.YearDay():
		return t.Format("15:04")
	case t.Year() == now.Year():
		return t.Format("Jan 02")
	}
	return t.Format("2006-01-02")
}

// shortARN keeps a key ARN's resource part: "key/1f2e…".
func shortARN(arn string) string {
	if i := strings.LastIndex(arn, ":"); i >= 0 && strings.HasPrefix(arn, "arn:") {
		arn = arn[i+1:]
	}
	if strings.HasPrefix(arn, "key/") && len(arn) > 12 {
		return arn[:12] + "…"
	}
	return arn
}

// fit pads or truncates s (which may hold styles) to exactly w cells.
func fit(s string, w int) string {
	if w <= 0 {
		return ""
	}
	if sw := lipgloss.Width(s); sw > w {
		return ansi.Truncate(s, w, "…")
	} else if sw < w {
		return s + strings.Repeat(" ", w-sw)
	}
	return s
}

// fitRight right-aligns s in w cells.
func fitRight(s string, w int) string {
	if sw := lipgloss.Width(s); sw < w {
		return strings.Repeat(" ", w-sw) + s
	}
	return fit(s, w)
}

// lines splits s into at most h lines, each fitted to w, padding with
// blank lines up to h.
func block(s string, w, h int) []string {
	ls := strings.Split(s, "\n")
	if len(ls) > h {
		ls = ls[:h]
	}
	out := make([]string, h)
	for i := range out {
		if i < len(ls) {
			out[i] = fit(ls[i], w)
		} else {
			out[i] = strings.Repeat(" ", max(w, 0))
		}
	}
	return out
}

// wrap word-wraps s to w cells.
func wrap(s string, w int) string {
	if w < 8 {
		w = 8
	}
	return ansi.Wrap(s, w, " /") // not ",": ansi.Wrap lets a comma run one cell past w
}

// keyLabel names a key for display: its alias when the Keys list knows it,
// else a short ARN.
func keyLabel(arn string, names map[string]string) string {
	if arn == "" {
		return ""
	}
	if n, ok := names[arn]; ok {
		return n
	}
	return shortARN(arn)
}

// encBadge renders an object's encryption for the encryption column.
func encBadge(st *styles.Styles, e ObjectEnc, names map[string]string) string {
	if !e.Known {
		return st.EncUnknown.Render("…")
	}
	m := modes.ByShort(e.Mode, e.BucketKey)
	if m == nil {
		return st.EncUnknown.Render(e.Mode)
	}
	text := m.Short
	switch {
	case m.UsesKMS():
		text += " " + keyLabel(e.KMSKey, names)
	case m.Key == modes.KeyCustomer && e.SSECKeyMD5 != "":
		text += " md5 " + e.SSECKeyMD5[:min(6, len(e.SSECKeyMD5))] + "…"
	}
	s := toneStyle(st, m.Tone)(strings.TrimSpace(text))
	if e.BucketKey {
		s += " " + st.Key.Render(styles.IconBucketKy)
	}
	if e.Client != "" {
		// The format's label (client-side, S3EC format V3): the colour says
		// client-side, the details pane says what the format is.
		s = st.EncClient.Render(e.Client) + st.Dim.Render(" + ") + s
	}
	return s
}

// toneStyle is the style of a mode's colour family.
func toneStyle(st *styles.Styles, t modes.Tone) func(...string) string {
	switch t {
	case modes.ToneS3:
		return st.EncS3.Render
	case modes.ToneKMS:
		return st.EncKMS.Render
	case modes.ToneDSSE:
		return st.EncDSSE.Render
	case modes.ToneCustomer:
		return st.EncSSEC.Render
	case modes.ToneClient:
		return st.EncClient.Render
	case modes.ToneNone:
		return st.EncNone.Render
	}
	return st.EncUnknown.Render
}

// bucketEncBadge renders a bucket's default encryption.
func bucketEncBadge(st *styles.Styles, e BucketEncryption, names map[string]string) string {
	switch {
	case !e.Loaded:
		return st.EncUnknown.Render("…")
	case e.Err != "":
		return st.StatusError.Render("? " + e.Err)
	}
	m := bucketDefault(e)
	if m == nil {
		return st.EncUnknown.Render(e.SSE)
	}
	if m.ID == modes.None {
		return st.EncNone.Render("no default encryption")
	}
	oe := ObjectEnc{Known: true, Mode: m.Short, KMSKey: e.KMSKey} // the bucket key has its own column
	if m.UsesKMS() && e.KMSKey == "" {
		return encBadge(st, oe, names) + st.EncKMS.Render("aws/s3")
	}
	return encBadge(st, oe, names)
}

// stripWidth is s without styles, for measuring.
func stripWidth(s string) string { return ansi.Strip(s) }

// plural is "1 bucket", "2 buckets".
func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return itoa(n) + " " + many
}

// tildePath shortens a path under the home directory to ~/….
func tildePath(p string) string {
	if home, err := os.UserHomeDir(); err == nil && home != "" && strings.HasPrefix(p, home+"/") {
		return "~" + strings.TrimPrefix(p, home)
	}
	return p
}
