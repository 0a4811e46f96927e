// Package styles holds every colour and text style of s3crypt's terminal
// UI in one Styles struct built for a light or dark background. Views take
// their styles from here and never pick colours themselves; the colours are
// semantic tokens (primary, subtle, success, warning, error, and the domain
// ones: S3, KMS, you, plaintext, ciphertext, key).
//
// Nothing here relies on colour alone: the focused pane has a thick border,
// the selected row a marker and bold text, so the UI still reads under
// NO_COLOR (Bubble Tea then strips colours at output).
package styles

import (
	"image/color"

	"charm.land/bubbles/v2/help"
	"charm.land/lipgloss/v2"
)

// Icons used across views.
const (
	IconSelected  = "▸"
	IconFolder    = "▸"
	IconBucket    = "◫"
	IconKey       = "⚿"
	IconOK        = "✓"
	IconFail      = "✗"
	IconCancel    = "⊘"
	IconWiped     = "⌫" // erased: not ✗, which says a step failed
	IconSkipped   = "–" // a step that never happened
	IconMoreAbove = "▲"
	IconMoreBelow = "▼"
	IconLit       = "●"
	IconPending   = "○"
	IconArrowR    = "▶"
	IconArrowL    = "◀"
	IconDot       = "·"
	IconBucketKy  = "B"
)

// Palette is the set of semantic colours for one background.
type Palette struct {
	Primary, Subtle, Muted, Text, Surface color.Color
	Success, Warning, Error               color.Color
	S3, KMS, You                          color.Color
	Plaintext, Ciphertext, Key            color.Color
}

// NewPalette returns the colours for a dark or light background.
func NewPalette(isDark bool) Palette {
	ld := lipgloss.LightDark(isDark)
	c := lipgloss.Color
	return Palette{
		Primary:    ld(c("#5A3FD0"), c("#A58BFF")),
		Subtle:     ld(c("#B9B4C9"), c("#4A4560")),
		Muted:      ld(c("#6E6A7C"), c("#8E8AA0")),
		Text:       ld(c("#1E1B2E"), c("#E8E6F0")),
		Surface:    ld(c("#F1EEFA"), c("#221F33")),
		Success:    ld(c("#1E7F4F"), c("#5FD7A0")),
		Warning:    ld(c("#9A6200"), c("#F2C14E")),
		Error:      ld(c("#B3261E"), c("#FF7A7A")),
		S3:         ld(c("#B34D00"), c("#FF9F4A")),
		KMS:        ld(c("#0B6FA8"), c("#5EC8FF")),
		You:        ld(c("#7A2E8E"), c("#E08BFF")),
		Plaintext:  ld(c("#A0185A"), c("#FF6FAE")),
		Ciphertext: ld(c("#2F6B2F"), c("#8FD98F")),
		Key:        ld(c("#8A6A00"), c("#FFD75E")),
	}
}

// Styles is every style the UI uses.
type Styles struct {
	IsDark  bool
	Palette Palette

	// Frame.
	Logo, HeaderText, HeaderDim, HeaderBadge lipgloss.Style
	Status, StatusError, StatusOK            lipgloss.Style
	Help                                     help.Styles

	// Panes.
	Border, BorderFocused lipgloss.Style // foreground of the border runes
	Title, TitleFocused   lipgloss.Style
	Tab, TabActive        lipgloss.Style
	Empty, Dim, Bold      lipgloss.Style
	Label, Value          lipgloss.Style
	Breadcrumb            lipgloss.Style

	// Tables.
	ColHeader, Row, RowSelected, RowMarker lipgloss.Style
	Folder                                 lipgloss.Style

	// Encryption badges.
	EncS3, EncKMS, EncDSSE, EncSSEC, EncClient, EncNone, EncUnknown lipgloss.Style

	// Key states.
	StateEnabled, StateDisabled, StatePending lipgloss.Style

	// Flow.
	You, S3, KMS                         lipgloss.Style
	ArrowLit, ArrowPending, ArrowDrawn   lipgloss.Style
	StepTime, StepCurrent                lipgloss.Style
	StepFailed, StepSkipped, ScrollMark  lipgloss.Style
	Plaintext, Ciphertext, Key, KeyWiped lipgloss.Style
	ChipOff                              lipgloss.Style

	// Dialogs and errors.
	Dialog, DialogBorder, DialogTitle   lipgloss.Style
	FieldLabel, FieldFocused, Hint      lipgloss.Style
	Button, ButtonFocused, ButtonDanger lipgloss.Style
	ErrWhat, ErrWhy, ErrFix             lipgloss.Style
	Secret                              lipgloss.Style

	// Jobs.
	JobRunning, JobDone, JobFailed lipgloss.Style

	// Lessons: the header's badge while a lesson's sandbox is open, a
	// passed step, the blog post's mistake a step explains.
	LessonBadge, Passed, Erratum lipgloss.Style
	// Markdown is how lesson text is drawn (ui's markdown renderer).
	Markdown Markdown
}

// Markdown styles lesson text. A span inside others takes its own
// properties over theirs (bold code in a link is bold, code-coloured and
// underlined). Text is every run's base; nothing relies on colour alone:
// headings and strong text are bold, emphasis italic, links underlined.
type Markdown struct {
	Text, Heading, Strong, Emph, Code, Link lipgloss.Style
	CodeBlock, Quote, QuoteBar, ListMark    lipgloss.Style
	Rule                                    lipgloss.Style
}

// New builds the styles for a dark or light background.
func New(isDark bool) *Styles {
	p := NewPalette(isDark)
	n := lipgloss.NewStyle
	fg := func(c color.Color) lipgloss.Style { return n().Foreground(c) }
	s := &Styles{IsDark: isDark, Palette: p}

	s.Logo = n().Bold(true).Foreground(p.Surface).Background(p.Primary).Padding(0, 1)
	s.HeaderText = fg(p.Text)
	s.HeaderDim = fg(p.Muted)
	s.HeaderBadge = n().Bold(true).Foreground(p.Primary)
	s.Status = fg(p.Muted)
	s.StatusError = n().Bold(true).Foreground(p.Error)
	s.StatusOK = fg(p.Success)
	s.Help = help.DefaultStyles(isDark)
	s.Help.ShortKey = n().Bold(true).Foreground(p.Primary)
	s.Help.FullKey = s.Help.ShortKey
	s.Help.ShortDesc = fg(p.Muted)
	s.Help.FullDesc = fg(p.Muted)
	s.Help.ShortSeparator = fg(p.Subtle)
	s.Help.FullSeparator = fg(p.Subtle)

	s.Border = fg(p.Subtle)
	s.BorderFocused = fg(p.Primary)
	s.Title = fg(p.Muted)
	s.TitleFocused = n().Bold(true).Foreground(p.Primary)
	s.Tab = fg(p.Muted)
	s.TabActive = n().Bold(true).Underline(true).Foreground(p.Primary)
	s.Empty = n().Italic(true).Foreground(p.Muted)
	s.Dim = fg(p.Muted)
	s.Bold = n().Bold(true).Foreground(p.Text)
	s.Label = fg(p.Muted)
	s.Value = fg(p.Text)
	s.Breadcrumb = n().Bold(true).Foreground(p.S3)

	s.ColHeader = n().Bold(true).Foreground(p.Muted)
	s.Row = fg(p.Text)
	s.RowSelected = n().Bold(true).Foreground(p.Text).Background(p.Surface)
	s.RowMarker = n().Bold(true).Foreground(p.Primary).Background(p.Surface)
	s.Folder = n().Bold(true).Foreground(p.S3)

	s.EncS3 = fg(p.S3)
	s.EncKMS = fg(p.KMS)
	s.EncDSSE = n().Bold(true).Foreground(p.KMS)
	s.EncSSEC = fg(p.You)
	s.EncClient = n().Bold(true).Foreground(p.You)
	s.EncNone = n().Bold(true).Foreground(p.Error)
	s.EncUnknown = fg(p.Muted)

	s.StateEnabled = fg(p.Success)
	s.StateDisabled = fg(p.Warning)
	s.StatePending = n().Bold(true).Foreground(p.Error)

	s.You = n().Bold(true).Foreground(p.You)
	s.S3 = n().Bold(true).Foreground(p.S3)
	s.KMS = n().Bold(true).Foreground(p.KMS)
	s.ArrowLit = n().Foreground(p.Text)
	s.ArrowPending = fg(p.Subtle)
	s.ArrowDrawn = n().Italic(true).Foreground(p.Muted)
	s.StepTime = fg(p.Muted)
	s.StepCurrent = n().Bold(true).Foreground(p.Primary)
	s.StepFailed = n().Bold(true).Foreground(p.Error)
	s.StepSkipped = n().Italic(true).Foreground(p.Muted)
	s.ScrollMark = n().Bold(true).Foreground(p.Muted)
	s.Plaintext = n().Bold(true).Foreground(p.Plaintext)
	s.Ciphertext = n().Bold(true).Foreground(p.Ciphertext)
	s.Key = n().Bold(true).Foreground(p.Key)
	s.KeyWiped = n().Strikethrough(true).Foreground(p.Muted)
	s.ChipOff = fg(p.Subtle)

	s.DialogBorder = fg(p.Primary)
	s.Dialog = n().Border(lipgloss.RoundedBorder()).BorderForeground(p.Primary).Padding(0, 1)
	s.DialogTitle = n().Bold(true).Foreground(p.Primary)
	s.FieldLabel = fg(p.Muted)
	s.FieldFocused = n().Bold(true).Foreground(p.Primary)
	s.Hint = n().Italic(true).Foreground(p.Muted)
	s.Button = n().Foreground(p.Muted).Padding(0, 1)
	s.ButtonFocused = n().Bold(true).Foreground(p.Surface).Background(p.Primary).Padding(0, 1)
	s.ButtonDanger = n().Bold(true).Foreground(p.Surface).Background(p.Error).Padding(0, 1)
	s.ErrWhat = n().Bold(true).Foreground(p.Error)
	s.ErrWhy = fg(p.Text)
	s.ErrFix = fg(p.Success)
	s.Secret = n().Bold(true).Foreground(p.Plaintext)

	s.JobRunning = fg(p.Primary)
	s.JobDone = fg(p.Success)
	s.JobFailed = fg(p.Error)

	s.LessonBadge = n().Bold(true).Foreground(p.Surface).Background(p.Warning).Padding(0, 1)
	s.Passed = n().Bold(true).Foreground(p.Success)
	s.Erratum = n().Bold(true).Foreground(p.Warning)
	s.Markdown = markdownStyle(p)
	return s
}

// markdownStyle is lesson text's styles, from the palette.
func markdownStyle(p Palette) Markdown {
	n := lipgloss.NewStyle
	return Markdown{
		Text:      n().Foreground(p.Text),
		Heading:   n().Bold(true).Foreground(p.Primary),
		Strong:    n().Bold(true),
		Emph:      n().Italic(true),
		Code:      n().Foreground(p.Text).Background(p.Surface),
		Link:      n().Underline(true).Foreground(p.KMS),
		CodeBlock: n().Foreground(p.Text).Background(p.Surface),
		Quote:     n().Italic(true).Foreground(p.Muted),
		QuoteBar:  n().Foreground(p.Subtle),
		ListMark:  n().Foreground(p.Primary),
		Rule:      n().Foreground(p.Subtle),
	}
}
