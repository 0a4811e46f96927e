#!/usr/bin/env bash
# Bench for client-side encryption (issue 10), in one run on one machine:
#  1. AES-256-GCM MB/s on one core: s3crypt's streaming GCM (seal, open)
#     beside the standard library's one-shot GCM (go test -bench, -cpu 1),
#     wall clock and per CPU second, and `openssl speed -evp aes-256-gcm`
#     (16 KiB blocks, one process, CPU time);
#  2. a SIZE_MIB (default 1024) `s3crypt put --client-side` and `get` beside
#     the same file with SSE-S3, against one `s3crypt serve`, with peak RSS
#     (GNU time's maximum resident set size) and the client's CPU time.
# Each ratio is printed with its aim (issue 10): streaming GCM >= 0.8x the
# standard library per core (MB per CPU second), client-side put/get >=
# 0.9x SSE-S3 (wall clock), peak RSS <= 64 MiB.
# The machine may be shared: load is printed before and after, and every
# figure is the median of RUNS runs (default 3; for an even count the lower
# middle value) with its min–max spread.
#
#   bench/cse.sh [SIZE_MIB] [RUNS]
set -euo pipefail
cd "$(dirname "$0")/.."
size_mib=${1:-1024}
runs=${2:-3}
[ -x /usr/bin/time ] || { echo "needs GNU time: apt-get install -y time" >&2; exit 1; }
command -v openssl >/dev/null || { echo "needs openssl: apt-get install -y openssl" >&2; exit 1; }

work=$(mktemp -d)
serve_pid=
cleanup() { [ -n "$serve_pid" ] && kill "$serve_pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT

# stats prints "median (min–max)" of the numbers on stdin, one a line.
stats() { sort -n | awk '{ v[NR] = $1 } END { printf "%.0f (%.0f–%.0f)", v[int((NR + 1) / 2)], v[1], v[NR] }'; }
median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

echo "load before: $(cut -d' ' -f1-3 /proc/loadavg); $(nproc) cores; $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"

# 1. GCM on one core. The runs are interleaved (one go test per run), and
# each benchmark also reports MB per CPU second of the process (the
# MB/cpu-s column), which waiting for a core on a loaded machine does not
# lower; openssl speed reports CPU time (user) as well.
go test -c -o "$work/crypto.test" ./crypto/
for _ in $(seq "$runs"); do
	"$work/crypto.test" -test.run '^$' -test.bench 'GCM(Stdlib|Stream)(Seal|Open)$' -test.cpu 1 -test.benchtime 300x
done >"$work/gcm.txt"
# unit U's figure of benchmark B: the field before U.
field() { awk -v b="Benchmark$1" -v u="$2" '$1 == b { for (i = 2; i <= NF; i++) if ($i == u) print $(i - 1) }' "$work/gcm.txt"; }
gcm() { field "$1" MB/s; }
gcmcpu() { field "$1" MB/cpu-s; }
for b in GCMStdlibSeal GCMStreamSeal GCMStdlibOpen GCMStreamOpen; do
	gcm "$b" | median >"$work/$b"
	gcmcpu "$b" | median >"$work/$b.cpu"
done
for _ in $(seq "$runs"); do
	openssl speed -evp aes-256-gcm -bytes 16384 -seconds 2 2>/dev/null | awk '/^AES-256-GCM|^aes-256-gcm/ { v = $NF; sub(/k$/, "", v); printf "%.0f\n", v / 1000 }'
done >"$work/openssl"
ratio() { awk -v a="$(cat "$work/$1")" -v b="$(cat "$work/$2")" 'BEGIN { if (b > 0) printf "%.2fx", a / b; else print "-" }'; }
# verdict RATIO AIM prints "aim ≥ AIM×: ✓" or "✗" for a ratio such as 0.93x.
verdict() { awk -v r="${1%x}" -v a="$2" 'BEGIN { printf "aim >= %sx: %s", a, (r != "-" && r + 0 >= a ? "met" : "NOT met") }'; }
printf '%-34s %-24s %-24s %s\n' "AES-256-GCM, 1 core" "MB/s wall, median (min–max) of $runs" "MB per CPU second" "stream / stdlib (wall, CPU)"
printf '%-34s %-24s %-24s\n' "  openssl speed (16 KiB)" "-" "$(stats <"$work/openssl")"
printf '%-34s %-24s %-24s\n' "  Go stdlib one-shot Seal (1 MiB)" "$(gcm GCMStdlibSeal | stats)" "$(gcmcpu GCMStdlibSeal | stats)"
printf '%-34s %-24s %-24s %s, %s (per core: %s)\n' "  s3crypt streaming seal" "$(gcm GCMStreamSeal | stats)" "$(gcmcpu GCMStreamSeal | stats)" \
	"$(ratio GCMStreamSeal GCMStdlibSeal)" "$(ratio GCMStreamSeal.cpu GCMStdlibSeal.cpu)" "$(verdict "$(ratio GCMStreamSeal.cpu GCMStdlibSeal.cpu)" 0.8)"
printf '%-34s %-24s %-24s\n' "  Go stdlib one-shot Open (1 MiB)" "$(gcm GCMStdlibOpen | stats)" "$(gcmcpu GCMStdlibOpen | stats)"
printf '%-34s %-24s %-24s %s, %s (per core: %s)\n' "  s3crypt streaming open" "$(gcm GCMStreamOpen | stats)" "$(gcmcpu GCMStreamOpen | stats)" \
	"$(ratio GCMStreamOpen GCMStdlibOpen)" "$(ratio GCMStreamOpen.cpu GCMStdlibOpen.cpu)" "$(verdict "$(ratio GCMStreamOpen.cpu GCMStdlibOpen.cpu)" 0.8)"

# 2. 1 GiB client-side against SSE-S3.
go build -o "$work/s3crypt" .
s3c=("$work/s3crypt" --data "$work/data")
"${s3c[@]}" serve >"$work/serve.env" 2>"$work/serve.err" &
serve_pid=$!
for _ in $(seq 100); do grep -q AWS_REGION "$work/serve.env" 2>/dev/null && break; sleep 0.1; done
"${s3c[@]}" mb s3://bench >/dev/null
"${s3c[@]}" kms create-key --alias alias/bench >/dev/null
head -c "$((size_mib << 20))" /dev/urandom >"$work/big"

# timed CMD… runs CMD under GNU time and appends "seconds maxrss_kib
# cpu_seconds" (the client's user + system time) to $work/$label.
timed() {
	local label=$1
	shift
	/usr/bin/time -f "%e %M %U %S" -o "$work/time" "$@" >/dev/null 2>"$work/cmd.err" || { cat "$work/cmd.err" >&2; exit 1; }
	awk '{ print $1, $2, $3 + $4 }' "$work/time" >>"$work/$label"
}
for _ in $(seq "$runs"); do
	timed sse-put "${s3c[@]}" put "$work/big" s3://bench/sse --sse AES256
	timed cse-put "${s3c[@]}" put "$work/big" s3://bench/cse --client-side --kms-key alias/bench
	timed sse-get "${s3c[@]}" get s3://bench/sse "$work/out"
	cmp "$work/big" "$work/out"
	rm -f "$work/out"
	timed cse-get "${s3c[@]}" get s3://bench/cse "$work/out"
	cmp "$work/big" "$work/out"
	rm -f "$work/out"
done
mbps() { awk -v n="$size_mib" '{ printf "%.0f\n", n * 1.048576 / $1 }' "$work/$1"; }
cpums() { awk '{ printf "%.0f\n", $3 * 1000 }' "$work/$1"; } # the s3crypt client's CPU ms (not the server's)
rss() { awk '{ printf "%.0f\n", $2 / 1024 }' "$work/$1" | sort -n | tail -1; }
printf '\n%-34s %-22s %-22s %s\n' "$size_mib MiB, MB/s" "SSE-S3" "client-side (V3)" "client-side / SSE-S3 (medians)"
for op in put get; do
	r=$(awk -v a="$(mbps cse-$op | median)" -v b="$(mbps sse-$op | median)" 'BEGIN { printf "%.2fx", a / b }')
	printf '%-34s %-22s %-22s %s (%s)\n' "  s3crypt $op" "$(mbps sse-$op | stats)" "$(mbps cse-$op | stats)" "$r" "$(verdict "$r" 0.9)"
done
for op in put get; do
	printf '%-34s %-22s %-22s\n' "  $op, client CPU ms" "$(cpums sse-$op | stats)" "$(cpums cse-$op | stats)"
done
max_rss=$(printf '%s\n' "$(rss cse-put)" "$(rss cse-get)" | sort -n | tail -1)
printf '%-34s SSE-S3 put %s / get %s MiB; client-side put %s / get %s MiB (aim <= 64 MiB: %s)\n' "  peak RSS (max of runs)" \
	"$(rss sse-put)" "$(rss sse-get)" "$(rss cse-put)" "$(rss cse-get)" "$([ "$max_rss" -le 64 ] && echo met || echo NOT met)"
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
