#!/bin/sh
# Starts the Linux server binary built for this machine's CPU.
#
# An MCPB manifest chooses its command by operating system only, never by
# CPU architecture, so the Linux bundle carries an amd64 and an arm64 binary
# and the manifest runs this script with /bin/sh (it need not be executable:
# some hosts drop execute bits when they unpack a bundle). macOS needs no
# script: its binary is universal.
set -eu
here=$(cd -- "$(dirname -- "$0")/.." && pwd)
case $(uname -m) in
  x86_64 | amd64) bin=$here/linux-x64/meshes-mcp ;;
  aarch64 | arm64) bin=$here/linux-arm64/meshes-mcp ;;
  *)
    echo "meshes-mcp: no binary for CPU $(uname -m) in this bundle; build one with: go install github.com/meshes-mcp/meshes-mcp@latest" >&2
    exit 1
    ;;
esac
if [ ! -f "$bin" ]; then
  echo "meshes-mcp: $bin is missing from this bundle" >&2
  exit 1
fi
[ -x "$bin" ] || chmod +x "$bin" 2>/dev/null || true
exec "$bin" "$@"
