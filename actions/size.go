package actions

import "fmt"

// HumanSize renders a byte count in binary units ("512 B", "1.5 KiB",
// "3.0 GiB"): the one rendering the CLI, the UI and the actions' notes
// share. go-humanize's IBytes rounds differently ("79 MiB"), and the
// screens and goldens show one decimal, so it stays by hand.
func HumanSize(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}
