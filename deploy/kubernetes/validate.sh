#!/usr/bin/env bash
# Renders deploy/kubernetes/example with Kustomize and validates the result (validation/validate.mjs); then renders
# validation/broken, a copy with one deliberate mistake per kind of check, and requires the validator to reject it
# naming each mistake. Exits non-zero on any failure. Needs Node.js and npm; kubectl comes from the PATH,
# LAZYMIGRATE_KUBECTL, or Debian's kubernetes-client (scripts/debian-tool.sh).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
kubectl=${LAZYMIGRATE_KUBECTL:-$("$here/../../scripts/debian-tool.sh" kubectl kubernetes-client)}

(cd "$here/validation" && npm ci --silent --no-audit --no-fund >/dev/null)
rendered=$(mktemp) broken=$(mktemp) report=$(mktemp)
trap 'rm -f "$rendered" "$broken" "$report"' EXIT

"$kubectl" kustomize "$here/example" 2>/dev/null >"$rendered"
node "$here/validation/validate.mjs" "$rendered"

"$kubectl" kustomize "$here/validation/broken" 2>/dev/null >"$broken"
if node "$here/validation/validate.mjs" "$broken" >"$report" 2>&1; then
  echo "validate.sh: the deliberately broken manifests were accepted: the validator checks nothing" >&2
  exit 1
fi
for expected in "spec/replicas must be integer" "poolMode must be equal to one of the allowed values" "readinessProbe names port htp"; do
  if ! grep -q "$expected" "$report"; then
    echo "validate.sh: the broken manifests were rejected, but not for \"$expected\":" >&2
    cat "$report" >&2
    exit 1
  fi
done
echo "manifests: the deliberately broken copy is rejected for each of its mistakes"
