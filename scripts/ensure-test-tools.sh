#!/usr/bin/env bash
# Makes sure of the tools the tests run for real, installing the missing ones from Debian's packages: `pnpm test`
# (the README's test command) runs this first, and so CI (.ci/run) does too. Quick when everything is there.
set -euo pipefail

need=()
command -v redis-server >/dev/null 2>&1 || need+=(redis-server)
command -v git >/dev/null 2>&1 || need+=(git)
# The observability tests check the Prometheus config and rules with promtool and run a real Prometheus; Debian's
# prometheus package has both.
if ! command -v promtool >/dev/null 2>&1 || ! command -v prometheus >/dev/null 2>&1; then need+=(prometheus); fi
# `docker compose config` or `docker-compose config` validates infra/docker-compose.yml (the client only: no Docker
# engine is needed).
if ! { command -v docker >/dev/null 2>&1 && docker compose version >/dev/null 2>&1; } &&
  ! command -v docker-compose >/dev/null 2>&1; then
  need+=(docker-compose)
fi
# Reports draw their charts with DejaVu Sans (a render test checks that text is drawn).
[ -e /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || need+=(fonts-dejavu-core)
# The console's browser tests drive Debian's Chromium through playwright-core (which never downloads a browser).
command -v chromium >/dev/null 2>&1 || need+=(chromium)
[ ${#need[@]} -eq 0 ] && exit 0

if [ "$(id -u)" = 0 ]; then
  as_root=()
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
  as_root=(sudo -n)
else
  as_root=(none)
fi
if [ "${as_root[*]}" = none ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "The tests need ${need[*]}, which this machine lacks. Install them (Debian or Ubuntu:" \
    "sudo apt-get install ${need[*]}) and run the tests again." >&2
  exit 1
fi
echo "test tools: installing ${need[*]} from Debian's packages"
"${as_root[@]}" apt-get update -qq
"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
