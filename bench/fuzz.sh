#!/bin/sh
# bench/fuzz.sh — run the native Go fuzz targets (issue #11) for as long as
# asked, one after another:
#   bench/fuzz.sh 10m                 every target for 10 minutes each
#   bench/fuzz.sh 30s FuzzChunkedBody one target (or several names)
# Found failures are written to testdata/fuzz/<Target>/ beside the target;
# commit one with the fix as its regression seed. .ci/run runs every target
# for a few seconds (FUZZTIME, default 3s) with bench/fuzz.sh --ci.
# Exits non-zero if any target found a failure.
set -eu
cd "$(dirname "$0")/.."

# package target, one per line: the list .ci/run also runs.
targets='./sandbox/sigv4 FuzzAuthHeader
./sandbox/sigv4 FuzzPresignedQuery
./sandbox/sigv4 FuzzCanonicalRequest
./sandbox/sigv4 FuzzChunkedBody
./sandbox FuzzS3XMLBody
./sandbox FuzzS3Headers
./sandbox FuzzKMSRequest
./sandbox FuzzDataDirFiles
./sandbox/kms FuzzCiphertextBlob
./sandbox/kms FuzzCanonicalContext
./sandbox/s3 FuzzAtRestRange
./sandbox/store FuzzObjectRecord
./crypto FuzzCSEMetadata
./crypto FuzzCSEDecrypt
./crypto FuzzSSECKeyFile
./bucketpolicy FuzzParse'

if [ "${1:-}" = "--ci" ]; then
  time=${FUZZTIME:-3s}
  shift
else
  time=${1:-1m}
  [ $# -gt 0 ] && shift
fi
want="$*"

# Fuzz workers (default: one per core); on a shared machine keep it low.
parallel=${FUZZ_PARALLEL:-2}
failed=""
while read -r pkg target; do
  if [ -n "$want" ] && ! echo " $want " | grep -q " $target "; then
    continue
  fi
  echo "== $target ($pkg, $time)"
  if ! go test -run '^$' -fuzz "^$target\$" -fuzztime "$time" -parallel "$parallel" "$pkg" </dev/null; then
    failed="$failed $target"
  fi
done <<EOF
$targets
EOF
if [ -n "$failed" ]; then
  echo "FAIL:$failed"
  exit 1
fi
