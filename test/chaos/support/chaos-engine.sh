#!/usr/bin/env bash
# The chaos suite's exec engine: a slow step that is easy to kill. It records each start (time, attempt, process
# group) in $CHAOS_STATE, works for $CHAOS_STEP_SECONDS (600 for a title with [hold]), then writes
# steps/<step id>.md and a result file.
set -euo pipefail
state="${CHAOS_STATE:?}"
mkdir -p "$state"
pgid=$(ps -o pgid= $$ | tr -d ' ')
echo "start $(date +%s%3N) attempt $TUNDRA_STEP_ATTEMPT pgid $pgid" >> "$state/exec-$TUNDRA_STEP_ID.log"
echo "engine: working on $TUNDRA_STEP_TITLE"
seconds="${CHAOS_STEP_SECONDS:-2}"
case "$TUNDRA_STEP_TITLE" in *"[hold-once]"*) [ "$TUNDRA_STEP_ATTEMPT" -gt 1 ] || seconds=600 ;; esac
sleep "$seconds" &
wait $!
mkdir -p steps
printf '# %s (attempt %s)\n' "$TUNDRA_STEP_TITLE" "$TUNDRA_STEP_ATTEMPT" > "steps/$TUNDRA_STEP_ID.md"
printf '{"status":"succeeded","summary":"wrote steps/%s.md"}\n' "$TUNDRA_STEP_ID" > "$TUNDRA_RESULT_FILE"
echo "engine: done"
