#!/bin/bash
# instructions.sh BIN...: instructions executed (valgrind callgrind, Ir) by
# each stdio MCP server from spawn through initialize and tools/list to its
# exit at end of input, three runs each; a run whose tools/list was not
# answered (valgrind 3.19 cannot run the Go runtime's rdtscp, which it
# reaches when threads contend for a lock) is marked answered=0: ignore it.
# Instruction counts do not depend on the machine's load, unlike wall time.
# The Meshes credentials are well-formed dummies: a start makes no request.
set -u
req='{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"bench","version":"1"}}}
{"jsonrpc":"2.0","method":"notifications/initialized"}
{"jsonrpc":"2.0","id":2,"method":"tools/list"}'
log=$(mktemp)
trap 'rm -f "$log" callgrind.out.bench.*' EXIT
for b in "$@"; do
	for i in 1 2 3; do
		answered=$( (echo "$req"; sleep 0.3) |
			GOMAXPROCS=1 GOGC=off GODEBUG=asyncpreemptoff=1 \
			MESHES_API_URL=http://127.0.0.1:1 MESHES_ACCESS_KEY=mk_aaaaaaaaaaaaaaaaaaaaaaaa \
			MESHES_SECRET_KEY=aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa \
			MESHES_ORG_ID=123e4567-e89b-42d3-a456-426614174000 \
			valgrind --tool=callgrind --callgrind-out-file=callgrind.out.bench.$i "$b" 2>"$log" |
			grep -c '"id":2')
		echo "$(basename "$b") run$i answered=$answered $(grep -o 'Collected : [0-9]*' "$log")"
	done
done
