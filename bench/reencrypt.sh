#!/bin/sh
# bench/reencrypt.sh — bulk re-encryption rate on the sandbox: builds
# s3crypt, fills a fresh sandbox with 2,000 × 64 KiB and then 4 × 1 GiB
# SSE-S3 objects, and times `s3crypt reencrypt --recursive` to SSE-KMS
# with a bucket key, by UpdateObjectEncryption and with --copy (every byte
# rewritten): objects/s, MB/s, the process's peak RSS (the sandbox runs in
# it), and the load average before and after (the machine may be shared).
# Flags go to the Go program:
#   bench/reencrypt.sh -objects 2000 -size-kib 64 -big 4 -big-mib 1024 -concurrency 8
# Needs about 2.5 × big × big-mib of free space in $TMPDIR.
set -eu
cd "$(dirname "$0")/.."
exec go run ./bench/cmd/reencryptbench "$@"
