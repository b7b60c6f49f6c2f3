#!/bin/bash
# What direct TLS costs on no-op tasks (docs/decisions.md, D-tls-host-1): runs `./partita server
# --local-workers 2` plain and with --tls-cert/--tls-key, interleaved ROUNDS times, and times
# `submit --wait` of a 200,000-partition no-op job against each. Usage (from the repository root):
#   partita-benchmarks/scripts/tls-overhead.sh [ROUNDS]
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
P="$ROOT/partita"
ROUNDS=${1:-3}
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
JH=${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}
"$JH/bin/keytool" -genkeypair -alias grid -keyalg EC -validity 2 -dname CN=localhost \
    -ext SAN=dns:localhost,ip:127.0.0.1 -storetype PKCS12 -keystore "$W/grid.p12" -storepass changeit >/dev/null 2>&1
"$JH/bin/keytool" -exportcert -rfc -alias grid -keystore "$W/grid.p12" -storepass changeit > "$W/cert.pem"
openssl pkcs12 -in "$W/grid.p12" -nocerts -nodes -passin pass:changeit | openssl pkey > "$W/key.pem"
echo '{"name": "noop", "function": "examples/noop", "partitions": 200000}' > "$W/noop.json"

run() { # mode port
    local mode=$1 port=$2 d="$W/data-$1-$2" extra=() url cl=()
    if [ "$mode" = tls ]; then
        extra=(--tls-cert "$W/cert.pem" --tls-key "$W/key.pem"); url=https://localhost:$port; cl=(--ca-cert "$W/cert.pem")
    else
        url=http://localhost:$port
    fi
    "$P" server --port "$port" --data "$d" --local-workers 2 "${extra[@]}" > "$W/server-$mode-$port.log" 2>&1 &
    local spid=$!
    for _ in $(seq 1 240); do grep -q "Local worker started" "$W/server-$mode-$port.log" && break; sleep 0.5; done
    local t0 t1
    t0=$(date +%s.%N)
    "$P" submit "$W/noop.json" --wait --coordinator "$url" --token "$(cat "$d/admin-token")" "${cl[@]}" >/dev/null 2>&1
    t1=$(date +%s.%N)
    kill "$spid"; wait "$spid" 2>/dev/null || true
    echo "$mode seconds=$(echo "$t1 - $t0" | bc) tasks/s=$(echo "200000 / ($t1 - $t0)" | bc)"
}
for r in $(seq 1 "$ROUNDS"); do
    run plain $((18100 + r)); run tls $((18200 + r))
done
