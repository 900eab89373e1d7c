#!/usr/bin/env bash
# Crash harness, long form: the CrashRecoveryTests integration test with
# KILLS (default 100) SIGKILLs. Four clients commit three-row transactions
# and record each only after its acknowledgement; after every kill the
# server restarts on the same data directory; at the end every acknowledged
# transaction must be present in full and none may be partly present.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
swift build --build-tests
HELIOS_CRASH_KILLS="${KILLS:-100}" swift test --skip-build --filter CrashRecoveryTests 2>&1 | grep -E "crash harness|error|Executed"
