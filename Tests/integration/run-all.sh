#!/bin/sh
# Runs every integration test (Tests/integration/test-*.sh) against the binaries in the
# build directory given as $1, prints one line per test, and fails if any test failed.
set -u

BUILD=$(cd "${1:?usage: run-all.sh BUILD_DIR}" && pwd)
export BUILD
here=$(cd "$(dirname "$0")" && pwd)
failed=""
count=0

for test in "$here"/test-*.sh; do
    name=$(basename "$test" .sh)
    count=$((count + 1))
    echo "=== $name"
    start=$(date +%s)
    if "$test"; then
        echo "=== $name: passed ($(( $(date +%s) - start )) s)"
    else
        echo "=== $name: FAILED ($(( $(date +%s) - start )) s)"
        failed="$failed $name"
    fi
done

if [ -n "$failed" ]; then
    echo "Integration tests failed:$failed"
    exit 1
fi
echo "All $count integration tests passed."
