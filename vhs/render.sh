#!/usr/bin/env bash
# Renders every demo tape (vhs/*.tape, or the tapes named) without a
# browser: builds s3crypt once, then `s3crypt tape render` replays each in
# a virtual terminal and writes its GIF (the tape's Output: docs/tour.gif,
# vhs/out/*.gif) and a PNG at each Screenshot (vhs/shots/).
# Run from anywhere; needs Go, and Debian's awscli for vhs/aws-cli.tape.
set -euo pipefail
cd "$(dirname "$0")/.."
bin_dir=$(mktemp -d)
trap 'rm -rf "$bin_dir"' EXIT
go build -o "$bin_dir/s3crypt" .
tapes=("$@")
if [ ${#tapes[@]} -eq 0 ]; then
	tapes=(vhs/*.tape)
fi
for t in "${tapes[@]}"; do
	"$bin_dir/s3crypt" tape render "$t"
done
