#!/usr/bin/env bash
# Prints the path of a command, taking it from a Debian package when it is not on the PATH:
#
#   scripts/debian-tool.sh COMMAND PACKAGE
#
# The package is fetched with `apt-get download` and unpacked under .data/tools/PACKAGE (git-ignored) without being
# installed, so no service starts and nothing on the machine changes. Used by test.sh for promtool (prometheus)
# and kubectl (kubernetes-client).
set -euo pipefail
cd "$(dirname "$0")/.."
command=$1 package=$2

if found=$(command -v "$command" 2>/dev/null); then
  echo "$found"
  exit 0
fi

root="$PWD/.data/tools/$package"
binary="$root/usr/bin/$command"
if [ ! -x "$binary" ]; then
  if ! command -v apt-get >/dev/null 2>&1; then
    echo "debian-tool.sh: $command is not on the PATH and apt-get is not available to fetch Debian's $package" >&2
    exit 1
  fi
  work=$(mktemp -d)
  trap 'rm -rf "$work"' EXIT
  echo "debian-tool.sh: fetching $command from Debian's $package with apt-get" >&2
  if ! (cd "$work" && apt-get download -qq "$package" >/dev/null 2>&1); then
    [ "$(id -u)" = 0 ] && apt-get update -qq >/dev/null 2>&1 || true
    (cd "$work" && apt-get download -qq "$package" >/dev/null)
  fi
  rm -rf "$root" && mkdir -p "$root"
  dpkg-deb -x "$work"/*.deb "$root"
fi
echo "$binary"
