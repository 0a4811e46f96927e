#!/usr/bin/env bash
# Replays the demo tapes (vhs/*.tape) N rounds in a row and reports, per
# round, whether every tape passed and how long the replays took, then
# per tape its passes and its slowest replay.
#
#   bench/tapes.sh [N] [TAPE-REGEX]    e.g. bench/tapes.sh 20, bench/tapes.sh 5 'lesson-'
#
# Each round is one run of TestTapesReplay (`go test ./vhs/ -run
# 'TestTapesReplay/<regex>'`, compiled once): a round builds s3crypt
# (from Go's build cache after the first), which "replays" leaves out
# (the test logs how long the build took); "wall" is the whole round. PARALLEL (default: go test's,
# GOMAXPROCS) bounds how many tapes replay at once. Logs stay in $LOGDIR
# (default a temporary directory). Exit status 1 if any round failed.
set -uo pipefail
cd "$(dirname "$0")/.."
n=${1:-20}
pattern=${2:-.}
logdir=${LOGDIR:-$(mktemp -d -t tapes-bench.XXXXXX)}
mkdir -p "$logdir"
go test -c -o "$logdir/vhs.test" ./vhs/ || exit 1
args=(-test.run "^TestTapesReplay\$/${pattern}" -test.count=1 -test.v -test.timeout 30m)
if [ -n "${PARALLEL:-}" ]; then
	args+=(-test.parallel "$PARALLEL")
fi
echo "$n rounds of: go test ./vhs/ -run 'TestTapesReplay/${pattern}'${PARALLEL:+ -parallel $PARALLEL}  ($(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg))"
failed=0
for i in $(seq "$n"); do
	start=$(date +%s.%N)
	(cd vhs && "$logdir/vhs.test" "${args[@]}") >"$logdir/round-$i.log" 2>&1
	status=$?
	end=$(date +%s.%N)
	awk -v i="$i" -v wall="$(echo "$end - $start" | bc)" -v status="$status" '
		/built s3crypt in/ { b = $NF; sub(/s$/, "", b) }
		END { printf "round %2d: %s  replays %6.1f s  (wall %6.1f s, build %.1f s)\n", i, status == 0 ? "PASS" : "FAIL", wall - b, wall, b }' "$logdir/round-$i.log"
	if [ $status -ne 0 ]; then
		failed=$((failed + 1))
	fi
done
echo
echo "$((n - failed)) of $n rounds passed (load now $(cut -d' ' -f1-3 /proc/loadavg))"
cat "$logdir"/round-*.log | awk '
	/^    --- (PASS|FAIL): TestTapesReplay\// {
		name = $3; sub(/^TestTapesReplay\//, "", name)
		t = $4; gsub(/[()s]/, "", t); t += 0
		runs[name]++
		if ($2 == "PASS:") pass[name]++
		if (t > slow[name]) slow[name] = t
	}
	END {
		printf "%-40s %7s %9s\n", "tape", "passed", "slowest"
		for (k in runs) printf "%-40s %3d/%-3d %8.1fs\n", k, pass[k], runs[k], slow[k]
	}' | sort
if [ $failed -ne 0 ]; then
	echo
	grep -h -A12 -E '^\s+[a-z_]+_test\.go:[0-9]+:' "$logdir"/round-*.log | head -60
fi
echo "logs: $logdir"
[ $failed -eq 0 ]
