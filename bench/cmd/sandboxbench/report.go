package main

import (
	"fmt"
	"io"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"
)

// row is one line of the result table.
type row struct {
	name     string
	samples  int
	took     time.Duration // median
	mbps     float64       // median; set directly when there is no timed transfer
	min, max float64       // spread of MB/s over the rounds
	ratio    float64       // median MB/s ÷ dd's median MB/s, 0 when not shown
	hwmKB    int64         // highest peak RSS over the rounds
	note     string
}

// results collects the samples of every row, in the order first added.
type results struct {
	order []string
	by    map[string][]sample
}

func newResults() *results { return &results{by: map[string][]sample{}} }

func (r *results) add(name string, s sample) {
	if _, ok := r.by[name]; !ok {
		r.order = append(r.order, name)
	}
	r.by[name] = append(r.by[name], s)
}

// rows summarises dd first, then names in order; each rate is the median
// over the rounds, and each PUT's ratio is to dd's median.
func (r *results) rows(dd string, names []string, size int64) []row {
	summarise := func(name string) row {
		ss := r.by[name]
		rates := make([]float64, len(ss))
		var durs []time.Duration
		out := row{name: name, samples: len(ss)}
		for i, s := range ss {
			rates[i] = float64(size) / 1e6 / s.took.Seconds()
			durs = append(durs, s.took)
			out.hwmKB = max(out.hwmKB, s.hwmKB)
			if s.note != "" && (out.note == "" || s.note != "sha256 ok") {
				out.note = s.note
			}
		}
		slices.Sort(rates)
		slices.Sort(durs)
		out.mbps, out.took = median(rates), durs[len(durs)/2]
		out.min, out.max = rates[0], rates[len(rates)-1]
		return out
	}
	ddRow := summarise(dd)
	ddRow.note = "the disk's ceiling for a synced write"
	rows := []row{ddRow}
	for _, n := range names {
		x := summarise(n)
		if strings.Contains(n, "PUT") && ddRow.mbps > 0 {
			x.ratio = x.mbps / ddRow.mbps
		}
		rows = append(rows, x)
	}
	return rows
}

func median(sorted []float64) float64 {
	n := len(sorted)
	if n%2 == 1 {
		return sorted[n/2]
	}
	return (sorted[n/2-1] + sorted[n/2]) / 2
}

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

// printTable writes the results: one table with dd, each operation's
// median MB/s and spread, each PUT's ratio to dd (the goal is ≥ 0.85×)
// and the server's peak RSS (the goal is ≤ 64 MiB).
func printTable(w io.Writer, rows []row, o options, load string) {
	fmt.Fprintf(w, "%d MiB object, %d MiB parts × %d parallel, %d round(s), load average at the end: %s\n",
		o.size>>20, o.part>>20, o.conc, o.rounds, load)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "operation\tseconds\tMB/s\tspread MB/s\t× dd\tserver peak RSS\tnote")
	for _, r := range rows {
		if r.samples == 0 {
			fmt.Fprintf(tw, "%s\t\t%s\t\t\t\t%s\n", r.name, mbpsText(r.mbps), r.note)
			continue
		}
		ratio, rss := "", ""
		if r.ratio > 0 {
			ratio = fmt.Sprintf("%.2f", r.ratio)
		}
		if r.hwmKB > 0 {
			rss = fmt.Sprintf("%d MiB", r.hwmKB>>10)
		}
		fmt.Fprintf(tw, "%s\t%.2f\t%.0f\t%.0f–%.0f\t%s\t%s\t%s\n", r.name, r.took.Seconds(), r.mbps, r.min, r.max, ratio, rss, r.note)
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
