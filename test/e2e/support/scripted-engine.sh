#!/usr/bin/env bash
# The end-to-end tests' exec engine. What it does is read from the step title, so one running system can play
# every scenario:
#   [fail-twice]   fails its first two attempts, then succeeds
#   [always-fail]  always fails
#   [slow]         signals that it started (a file) and then waits, to be cancelled or killed
#   [slow-once]    like [slow] on its first attempt, then succeeds
#   [orphan-writer] on its first attempt ignores SIGTERM and writes a new file every 10 ms until it is killed;
#                  then succeeds
#   [hold] in the step's instructions (a fix-up step's carry the review's words): prints that it holds, and goes on
#                  once <state>/<step id>.go exists, so a test can act while the step runs
#   otherwise      writes steps/<step id>.md and succeeds with a summary
# Every attempt keeps a copy of its context file as <state>/<step id>.context-<attempt>.md, for the tests to read.
set -euo pipefail
title="${TUNDRA_STEP_TITLE:?}"
state="${E2E_ENGINE_STATE:?}"
mkdir -p "$state"
attempts_file="$state/$TUNDRA_STEP_ID.attempts"
attempt=$(( $(cat "$attempts_file" 2>/dev/null || echo 0) + 1 ))
echo "$attempt" > "$attempts_file"
echo "engine: step '$title', attempt $attempt"
echo "engine: instructions in $TUNDRA_INSTRUCTIONS_FILE"
cp "${TUNDRA_CONTEXT_FILE:?}" "$state/$TUNDRA_STEP_ID.context-$attempt.md"

case "$title" in
  *"[always-fail]"*)
    echo "engine: this step always fails" >&2
    exit 3 ;;
  *"[fail-twice]"*)
    if [ "$attempt" -le 2 ]; then echo "engine: failing attempt $attempt on purpose" >&2; exit 4; fi ;;
  *"[orphan-writer]"*)
    if [ "$attempt" -eq 1 ]; then
      trap '' TERM
      ps -o pgid= $$ | tr -d ' ' > "$state/$TUNDRA_STEP_ID.pgid"
      mkdir -p steps
      echo "engine: writing until killed"
      n=0
      # Nothing stops it but SIGKILL: a retry's `git clean` removing steps/ does not either.
      while :; do
        n=$((n + 1))
        { mkdir -p steps && echo "$n" > "steps/$TUNDRA_STEP_ID-attempt1-$n.txt"; } 2>/dev/null || true
        sleep 0.01
      done
    fi ;;
  *"[slow]"*|*"[slow-once]"*)
    if [[ "$title" != *"[slow-once]"* || "$attempt" -eq 1 ]]; then
      echo "$$" > "$state/$TUNDRA_STEP_ID.pid"
      ps -o pgid= $$ | tr -d ' ' > "$state/$TUNDRA_STEP_ID.pgid"
      # A child of its own, so the test can check the whole process group goes away.
      sleep 600 &
      echo "$!" > "$state/$TUNDRA_STEP_ID.child-pid"
      echo "engine: working slowly"
      wait
    fi ;;
esac

if grep -q '\[hold\]' "$TUNDRA_INSTRUCTIONS_FILE"; then
  echo "engine: holding until told to go"
  until [ -e "$state/$TUNDRA_STEP_ID.go" ]; do sleep 0.05; done
fi

mkdir -p steps
printf '# %s (attempt %s)\n\n' "$title" "$attempt" > "steps/$TUNDRA_STEP_ID.md"
cat "$TUNDRA_INSTRUCTIONS_FILE" >> "steps/$TUNDRA_STEP_ID.md"
printf '{"status":"succeeded","summary":"wrote steps/%s.md","tokens":{"input":120,"output":45},"costUsd":0.002}\n' "$TUNDRA_STEP_ID" > "$TUNDRA_RESULT_FILE"
echo "engine: done"
