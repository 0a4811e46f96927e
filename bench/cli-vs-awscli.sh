#!/usr/bin/env bash
# Bench for the action core (issue 3): a 1 GiB SSE-KMS upload and download
# with `s3crypt put/get` and with Debian's aws CLI (`aws s3 cp --sse aws:kms`),
# side by side, against the same `s3crypt serve`. Reports both throughputs,
# the ratio, and s3crypt's peak RSS (GNU time's maximum resident set size).
#
#   bench/cli-vs-awscli.sh [SIZE_MIB]     (default 1024)
set -euo pipefail
cd "$(dirname "$0")/.."
size_mib=${1:-1024}
aws_bin=/usr/bin/aws
[ -x "$aws_bin" ] || { echo "needs Debian's aws CLI: apt-get install -y awscli" >&2; exit 1; }
[ -x /usr/bin/time ] || { echo "needs GNU time: apt-get install -y time" >&2; exit 1; }

work=$(mktemp -d)
serve_pid=
cleanup() { [ -n "$serve_pid" ] && kill "$serve_pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT

go build -o "$work/s3crypt" .
"$work/s3crypt" --data "$work/data" serve >"$work/serve.env" 2>"$work/serve.err" &
serve_pid=$!
for _ in $(seq 100); do grep -q AWS_REGION "$work/serve.env" 2>/dev/null && break; sleep 0.1; done
# shellcheck disable=SC1090
source <(grep '^export' "$work/serve.env")
export AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null AWS_PAGER=
aws=("$aws_bin" --endpoint-url "$AWS_ENDPOINT_URL" --ca-bundle "$AWS_CA_BUNDLE")

head -c "$((size_mib << 20))" /dev/urandom >"$work/big"
"${aws[@]}" s3 mb s3://bench >/dev/null

# secs CMD… runs CMD under GNU time; prints "seconds maxrss_kib".
secs() { /usr/bin/time -f "%e %M" -o "$work/time" "$@" >/dev/null 2>"$work/cmd.err" || { cat "$work/cmd.err" >&2; exit 1; }; cat "$work/time"; }

read -r s3c_put s3c_put_rss < <(secs "$work/s3crypt" --data "$work/data" put "$work/big" s3://bench/s3crypt --sse aws:kms)
read -r s3c_get s3c_get_rss < <(secs "$work/s3crypt" --data "$work/data" get s3://bench/s3crypt "$work/out-s3crypt")
cmp "$work/big" "$work/out-s3crypt"
rm -f "$work/out-s3crypt"
read -r aws_put _ < <(secs "${aws[@]}" s3 cp --only-show-errors --sse aws:kms "$work/big" s3://bench/awscli)
read -r aws_get _ < <(secs "${aws[@]}" s3 cp --only-show-errors s3://bench/awscli "$work/out-aws")
cmp "$work/big" "$work/out-aws"

mbps() { awk -v n="$size_mib" -v s="$1" 'BEGIN { printf "%.0f", n * 1.048576 / s }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b / a }'; }
printf '%-28s %10s %10s\n' "1 GiB SSE-KMS ($size_mib MiB)" "s3crypt" "aws CLI"
printf '%-28s %10s %10s   s3crypt is %sx\n' "put, MB/s" "$(mbps "$s3c_put")" "$(mbps "$aws_put")" "$(ratio "$s3c_put" "$aws_put")"
printf '%-28s %10s %10s   s3crypt is %sx\n' "get, MB/s" "$(mbps "$s3c_get")" "$(mbps "$aws_get")" "$(ratio "$s3c_get" "$aws_get")"
printf '%-28s %7s MiB / %s MiB (put / get)\n' "s3crypt peak RSS" "$((s3c_put_rss / 1024))" "$((s3c_get_rss / 1024))"
printf '%-28s %s\n' "aws CLI" "$("$aws_bin" --version 2>&1)"
