#!/usr/bin/env bash
# Branch and time-travel benchmark: builds the release binary, starts
# heliosd on a loopback port and runs bench.py against it.
# Environment: PORT (18190), ROWS (1000000), REPS (7), SKIP_BUILD=1.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
PORT="${PORT:-18190}"
[[ "${SKIP_BUILD:-0}" == 1 ]] || (cd "$ROOT" && swift build -c release --product heliosd)
DATA="$(mktemp -d /tmp/helios-branches.XXXXXX)"
"$ROOT/.build/release/heliosd" serve --port "$PORT" --no-access-log --data-dir "$DATA" &
PID=$!
trap 'kill $PID 2>/dev/null; wait $PID 2>/dev/null || true; rm -rf "$DATA"' EXIT
for _ in $(seq 100); do curl -fs "http://127.0.0.1:$PORT/health" >/dev/null && break; sleep 0.1; done
python3 "$HERE/bench.py" --port "$PORT" --pid "$PID" --rows "${ROWS:-1000000}" --reps "${REPS:-7}"
