package main

import (
	"fmt"
	"io"
	"os/exec"
	"strconv"
	"strings"
	"text/tabwriter"
)

// opensslRow runs `openssl speed -evp aes-256-gcm -seconds 2` and keeps
// the 16384-byte column: one core's raw AES-256-GCM throughput.
func opensslRow() row {
	r := row{name: "openssl speed -evp aes-256-gcm (16 KiB blocks, 1 core)"}
	out, err := exec.Command("openssl", "speed", "-evp", "aes-256-gcm", "-seconds", "2").Output()
	if err != nil {
		r.note = "n/a: " + err.Error()
		return r
	}
	for _, line := range strings.Split(string(out), "\n") {
		f := strings.Fields(line)
		if len(f) == 7 && strings.EqualFold(f[0], "AES-256-GCM") {
			// Columns are in 1000s of bytes per second, suffixed "k".
			k, err := strconv.ParseFloat(strings.TrimSuffix(f[6], "k"), 64)
			if err == nil {
				r.mbps = k * 1000 / 1e6
				r.note = "raw cipher speed, for comparison"
				return r
			}
		}
	}
	r.note = "n/a: no AES-256-GCM line in the output"
	return r
}

// printTable writes the results.
func printTable(w io.Writer, rows []row, size int64) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "operation (%d MiB object)\tseconds\tMB/s\tserver peak RSS\tnote\n", size>>20)
	for _, r := range rows {
		if r.took == 0 {
			fmt.Fprintf(tw, "%s\t\t%s\t\t%s\n", r.name, mbpsText(r.mbps), r.note)
			continue
		}
		mbps := float64(r.bytes) / 1e6 / r.took.Seconds()
		fmt.Fprintf(tw, "%s\t%.2f\t%.0f\t%d MiB\t%s\n", r.name, r.took.Seconds(), mbps, r.hwmKB>>10, r.note)
	}
	tw.Flush()
}

// mbpsText formats a rate, or "n/a" when there is none.
func mbpsText(v float64) string {
	if v == 0 {
		return "n/a"
	}
	return fmt.Sprintf("%.0f", v)
}
