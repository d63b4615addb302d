#!/usr/bin/env bash
# Reports a CI result to Tundra's ingester: POST $TUNDRA_API_BASE/webhooks/ci with `Authorization: Bearer
# $TUNDRA_CI_TOKEN`. Reads repository, branch, SHA, pipeline URL and job name from GitHub Actions' or GitLab CI's
# environment; elsewhere pass them as options. See docs/ci.md.
#
#   report.sh success|failure [--repository OWNER/NAME] [--branch B] [--sha SHA] [--url URL] [--job NAME]
#                             [--project PROJECT_KEY]
#
# Exit 0 when Tundra accepted it (or already had it), 2 on a usage error, 1 when Tundra could not be told.
set -euo pipefail

usage() {
  sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//' >&2
  exit 2
}

status="${1:-}"
case "$status" in
  success | failure) shift ;;
  *) usage ;;
esac

repository="" branch="" sha="" url="" job="" provider="other" delivery=""
project="${TUNDRA_PROJECT:-}"

if [[ "${GITHUB_ACTIONS:-}" == "true" ]]; then
  provider="github-actions"
  repository="${GITHUB_REPOSITORY:-}"
  # A pull request's run is on a merge ref; the branch Tundra pushed is the head ref.
  branch="${GITHUB_HEAD_REF:-${GITHUB_REF_NAME:-}}"
  sha="${GITHUB_SHA:-}"
  if [[ -n "${GITHUB_RUN_ID:-}" ]]; then
    url="${GITHUB_SERVER_URL:-https://github.com}/${GITHUB_REPOSITORY:-}/actions/runs/${GITHUB_RUN_ID}"
    delivery="gha-${GITHUB_RUN_ID}-${GITHUB_RUN_ATTEMPT:-1}-${GITHUB_JOB:-job}-${status}"
  fi
  job="${GITHUB_JOB:-}"
elif [[ "${GITLAB_CI:-}" == "true" ]]; then
  provider="gitlab-ci"
  repository="${CI_PROJECT_PATH:-}"
  branch="${CI_MERGE_REQUEST_SOURCE_BRANCH_NAME:-${CI_COMMIT_REF_NAME:-}}"
  sha="${CI_COMMIT_SHA:-}"
  url="${CI_PIPELINE_URL:-}"
  job="${CI_JOB_NAME:-}"
  if [[ -n "${CI_JOB_ID:-}" ]]; then delivery="glci-${CI_JOB_ID}-${status}"; fi
fi

while [[ $# -gt 0 ]]; do
  [[ $# -ge 2 ]] || usage
  case "$1" in
    --repository) repository="$2" ;;
    --branch) branch="$2" ;;
    --sha) sha="$2" ;;
    --url) url="$2" ;;
    --job) job="$2" ;;
    --project) project="$2" ;;
    *) usage ;;
  esac
  shift 2
done

: "${TUNDRA_API_BASE:?set TUNDRA_API_BASE to the ingester's base URL}"
: "${TUNDRA_CI_TOKEN:?set TUNDRA_CI_TOKEN (a CI secret) to the ingester's TUNDRA_CI_TOKEN}"
if [[ -z "$repository" || -z "$branch" ]]; then
  echo "report.sh: repository and branch are unknown here: pass --repository and --branch" >&2
  exit 2
fi
if [[ -z "$delivery" ]]; then
  delivery="cli-$(cat /proc/sys/kernel/random/uuid 2>/dev/null || echo "$(date +%s)-$RANDOM$RANDOM")"
fi

# A JSON string literal: backslashes, quotes and control characters escaped.
json_string() {
  local value="$1"
  value="${value//\\/\\\\}"
  value="${value//\"/\\\"}"
  value="${value//$'\n'/\\n}"
  value="${value//$'\r'/\\r}"
  value="${value//$'\t'/\\t}"
  printf '"%s"' "$value"
}
optional() { if [[ -n "$1" ]]; then json_string "$1"; else printf 'null'; fi; }

body="{\"status\":$(json_string "$status"),\"repository\":$(json_string "$repository"),\"branch\":$(json_string "$branch")"
body+=",\"sha\":$(optional "$sha"),\"url\":$(optional "$url"),\"job\":$(optional "$job"),\"provider\":$(json_string "$provider")"
if [[ -n "$project" ]]; then body+=",\"project\":$(json_string "$project")"; fi
body+="}"

# Retries resend the same X-Tundra-Delivery, so Tundra records the result once however many attempts it takes.
if ! response=$(curl --silent --show-error --fail-with-body --retry 3 --max-time 10 \
  -H "Authorization: Bearer ${TUNDRA_CI_TOKEN}" \
  -H "Content-Type: application/json" \
  -H "X-Tundra-Delivery: ${delivery}" \
  --data-binary "$body" \
  "${TUNDRA_API_BASE%/}/webhooks/ci"); then
  echo "report.sh: Tundra did not accept the report: ${response:-no answer}" >&2
  exit 1
fi
echo "report.sh: reported ${status} for ${repository}@${branch}: ${response}"
