#!/usr/bin/env bash
# A demo exec engine for Tundra (see docs/engines.md for the contract). It does what a coding agent would do, in
# miniature: it writes the step's instructions to steps/<n>.md, appends the step to TUNDRA.md, prints a few lines
# and writes a result file. Every step changes the worktree, so every step gets a commit.
#
# Project configuration: "execEngine": { "kind": "command", "command": ["bash", "scripts/demo-engine.sh"] }
# (an absolute path when the executor's working directory is not the repository root).
set -euo pipefail

: "${TUNDRA_WORKTREE:?run by the Tundra executor: TUNDRA_WORKTREE is not set}"
cd "$TUNDRA_WORKTREE"
step="${TUNDRA_STEP_NUMBER:-1}"
title="$(printf '%s' "${TUNDRA_STEP_TITLE:-untitled step}" | tr -d '\000-\037')"

echo "demo engine: step ${step} of run ${TUNDRA_RUN_ID:-?}: ${title}"
echo "demo engine: working in ${TUNDRA_WORKTREE}"

mkdir -p steps
if [ -n "${TUNDRA_INSTRUCTIONS_FILE:-}" ]; then
  cp "$TUNDRA_INSTRUCTIONS_FILE" "steps/${step}.md"
else
  printf '# %s\n\n%s\n' "$title" "${TUNDRA_STEP_INSTRUCTIONS:-}" > "steps/${step}.md"
fi
[ -f TUNDRA.md ] || printf '# Work done by Tundra\n\n' > TUNDRA.md
printf -- '- TG-%s step %s: %s\n' "${TUNDRA_TAIGA_REF:-?}" "$step" "$title" >> TUNDRA.md
echo "demo engine: wrote steps/${step}.md and appended to TUNDRA.md"
echo "demo engine: a warning on stderr, to show both streams" >&2

if [ -n "${TUNDRA_RESULT_FILE:-}" ]; then
  summary="Recorded step ${step} (${title}) in TUNDRA.md and steps/${step}.md"
  summary="${summary//\\/\\\\}"
  summary="${summary//\"/\\\"}"
  printf '{"status":"succeeded","summary":"%s"}\n' "$summary" > "$TUNDRA_RESULT_FILE"
fi
