#!/usr/bin/env bash
# `npm run check:deploy` (CI, after npm test): what deploying needs, checked without an account or a
# Docker daemon. The Worker bundles as `wrangler deploy` would upload it; the systemd unit passes
# systemd-analyze verify (with ExecStart= pointed at the relay installed from the package, since
# /usr/local/bin/perezvon-relay exists only on a PBX host); the container's build context is made and
# its entrypoint runs.
set -euo pipefail
cd "$(dirname "$0")/.."
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

echo "== wrangler deploy --dry-run"
WRANGLER_SEND_METRICS=false npx wrangler deploy --dry-run --outdir "$tmp/worker"
test -s "$tmp/worker/index.js"

echo "== container build context (deploy/Dockerfile)"
npx tsx scripts/image-context.ts "$tmp/image" --check

echo "== systemd unit (deploy/perezvon-relay.service)"
if command -v systemd-analyze >/dev/null; then
  mkdir -p "$tmp/unit"
  sed "s#^ExecStart=/usr/local/bin/perezvon-relay #ExecStart=$tmp/image/app/node_modules/.bin/perezvon-relay #" \
    deploy/perezvon-relay.service > "$tmp/unit/perezvon-relay.service"
  grep -q "^ExecStart=$tmp/" "$tmp/unit/perezvon-relay.service"
  systemd-analyze verify "$tmp/unit/perezvon-relay.service"
  echo "systemd-analyze verify: ok"
else
  echo "systemd-analyze not found: unit not verified"
fi
echo "check:deploy passed"
