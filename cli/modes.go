package cli

import (
	"strings"

	"github.com/alecthomas/kong"

	"github.com/s3crypt/s3crypt/modes"
)

// modeVars fills the flags that name encryption modes from the modes
// table: put's --sse values and their help.
func modeVars() kong.Vars {
	var help []string
	for _, v := range modes.APIValues() {
		var names []string
		for _, m := range modes.Offered() {
			if m.API == v {
				names = append(names, m.Name)
			}
		}
		help = append(help, v+" ("+strings.Join(names, ", ")+")")
	}
	return kong.Vars{
		"sse_help": strings.Join(help, ", "),
		"sse_enum": strings.Join(append([]string{"", "none"}, modes.APIValues()...), ","),
	}
}
