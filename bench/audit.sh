#!/usr/bin/env bash
# Bench for key usage and the audit (issue 14): N small objects (default
# 10,000; half SSE-KMS under one customer managed key, half the bucket
# default SSE-S3) uploaded with Debian's aws CLI to one `s3crypt serve`,
# then `s3crypt kms key-usage` and `s3crypt audit --objects` over them.
# Reports each one's time, S3/KMS requests and peak RSS (GNU time), and
# the machine's load (the figures depend on it).
#
#   bench/audit.sh [N]
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-10000}
aws_bin=/usr/bin/aws
[ -x "$aws_bin" ] || { echo "needs Debian's aws CLI: apt-get install -y awscli" >&2; exit 1; }
[ -x /usr/bin/time ] || { echo "needs GNU time: apt-get install -y time" >&2; exit 1; }
command -v jq >/dev/null || { echo "needs jq" >&2; exit 1; }

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
s3c=("$work/s3crypt" --data "$work/data")

key=$("${s3c[@]}" kms create-key --alias alias/bench --json | jq -r .KeyMetadata.Arn)
"${aws[@]}" s3 mb s3://bench >/dev/null
half=$((n / 2))
mkdir -p "$work/kms" "$work/s3"
for i in $(seq "$half"); do printf 'object %d\n' "$i" >"$work/kms/k$i"; done
for i in $(seq "$((n - half))"); do printf 'object %d\n' "$i" >"$work/s3/s$i"; done
start=$(date +%s)
"${aws[@]}" s3 cp --only-show-errors --recursive "$work/kms" s3://bench/kms/ --sse aws:kms --sse-kms-key-id "$key"
"${aws[@]}" s3 cp --only-show-errors --recursive "$work/s3" s3://bench/s3/
echo "uploaded $n objects in $(( $(date +%s) - start )) s (aws CLI)"

# run NAME FILTER CMD… runs CMD under GNU time, keeps its JSON output and
# prints its time, peak RSS and what jq FILTER says of the output.
run() {
	local name=$1 filter=$2
	shift 2
	/usr/bin/time -f "%e %M" -o "$work/time" "$@" >"$work/$name.json" 2>"$work/$name.err" || [ "$name" = audit ] ||
		{ cat "$work/$name.err" >&2; exit 1; }
	read -r secs rss <"$work/time"
	printf '%-18s %7.1f s %6s MiB   %s\n' "$name" "$secs" "$((rss / 1024))" "$(jq -r "$filter" "$work/$name.json")"
}
printf 'load average before: %s (%s cores)\n' "$(cut -d' ' -f1-3 /proc/loadavg)" "$(nproc)"
run key-usage '"\(.VersionsScanned) versions, \(.S3Requests) S3 requests; under the key: \(.Objects) objects, \(.Bytes) bytes"' \
	"${s3c[@]}" kms key-usage --key-id alias/bench --json
run audit '"\(.VersionsScanned) versions, \(.Requests) requests; \(.Findings | length) findings"' \
	"${s3c[@]}" audit --objects --json
printf 'load average after: %s\n' "$(cut -d' ' -f1-3 /proc/loadavg)"
