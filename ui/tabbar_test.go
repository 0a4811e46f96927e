package ui

import (
	"fmt"
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/golden"
)

// TestTabBarFits: at 80, 100 and 120 columns, with each view open, the
// list pane's title shows the open view's name and its whole context
// ("3 buckets"); where the five full labels and the context do not fit
// (100 columns), the other tabs keep only their numbers. The golden holds
// the title line of each.
func TestTabBarFits(t *testing.T) {
	var out strings.Builder
	for _, size := range [][2]int{{80, 24}, {100, 30}, {120, 36}} {
		m := loaded(t, newFakeData(0), newFakeWorker(), size[0], size[1], true)
		for i := range m.views {
			press(m, itoa(i+1))
			lines := strings.Split(ansi.Strip(m.View().Content), "\n")
			title := lines[1]
			fmt.Fprintf(&out, "%dx%d %d: %s\n", size[0], size[1], i+1, title)
			v := m.cur()
			if !strings.Contains(title, itoa(i+1)+" "+v.Tab()+" ") || !strings.Contains(title, " · "+v.Title()+" ") {
				t.Errorf("%dx%d, view %d: the title %q lacks %q or its whole context %q", size[0], size[1], i+1, title, v.Tab(), v.Title())
			}
		}
	}
	golden.RequireEqual(t, out.String())
}
