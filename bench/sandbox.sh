#!/bin/sh
# bench/sandbox.sh — measure the sandbox region: builds s3crypt, starts
# `s3crypt serve` on a temporary directory, and times a 1 GiB SSE-KMS PUT
# (single request, and multipart with parts in parallel) and GET (single
# and ranged in parallel) through aws-sdk-go-v2, next to
# `dd bs=1M conv=fsync` of the same size on the same disk in the same
# round. One table: dd MB/s, each operation's MB/s (median over the rounds
# and spread), each PUT's ratio to dd (goal ≥ 0.85) and the server's peak
# RSS (goal ≤ 64 MiB), then `openssl speed -evp aes-256-gcm`.
# Flags go to the Go program (bench/cmd/sandboxbench):
#   bench/sandbox.sh -size-mib 256 -part-mib 32 -concurrency 8
#   bench/sandbox.sh -rounds 3 -get=false       # PUTs only, median of 3
#   git archive main | (mkdir -p /tmp/main && tar -x -C /tmp/main)
#   bench/sandbox.sh -rounds 3 -compare /tmp/main  # interleaved with main's build
# Needs about 6 × the object size of free space in $TMPDIR (8 × with -compare).
set -eu
cd "$(dirname "$0")/.."
exec go run ./bench/cmd/sandboxbench "$@"
