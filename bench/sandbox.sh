#!/bin/sh
# bench/sandbox.sh — measure the sandbox region: builds s3crypt, starts
# `s3crypt serve` on a temporary directory, and times a 1 GiB SSE-KMS PUT
# and GET (single request and multipart/ranged in parallel) through
# aws-sdk-go-v2, with the server's peak RSS, next to
# `openssl speed -evp aes-256-gcm`. Flags go to the Go program:
#   bench/sandbox.sh -size-mib 256 -part-mib 32 -concurrency 8
# Needs about 3.5 × the object size of free space in $TMPDIR.
set -eu
cd "$(dirname "$0")/.."
exec go run ./bench/cmd/sandboxbench "$@"
