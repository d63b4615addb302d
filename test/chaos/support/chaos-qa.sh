#!/usr/bin/env bash
# The chaos suite's QA check: `chaos-qa.sh <state dir> [seconds]`. Records each start in the state directory, takes
# its time (so that a kill finds it busy), then passes when the step wrote its file.
set -euo pipefail
state="$1"
mkdir -p "$state"
echo "start $(date +%s%3N)" >> "$state/qa-$TUNDRA_STEP_ID.log"
sleep "${2:-1}" &
wait $!
test -f "steps/$TUNDRA_STEP_ID.md"
