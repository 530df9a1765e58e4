#!/usr/bin/env bash
# Three meshes-mcp replicas behind HAProxy, one shared sandbox, 32 MCP
# clients; one replica is killed (SIGKILL) halfway through. Installs
# HAProxy from Debian's packages if it is missing, then runs the Go test
# that does the work (lb/haproxy_test.go) and prints its figures.
#
#   scripts/loadbalancer.sh            # 15 s per phase
#   MESHES_LB_SECONDS=30 scripts/loadbalancer.sh
#
# Everything listens on 127.0.0.1 and stops by itself.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v haproxy >/dev/null; then
  apt-get update -qq
  apt-get install -y -qq haproxy >/dev/null
fi
haproxy -v | sed -n 1p
MESHES_LB_SECONDS="${MESHES_LB_SECONDS:-15}" \
  go test -count=1 -v -timeout 10m -run '^TestThreeReplicasBehindHAProxy$' ./lb/ |
  grep -E 'RESULT|failed in flight|^(--- |ok|FAIL|PASS)'
