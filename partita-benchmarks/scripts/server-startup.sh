#!/usr/bin/env bash
# Time from launching `partita server` (as ./partita runs it, JIT flags included) to /api/health
# answering 200 and to the first local worker listed by /api/workers.
set -u
# Needs the distribution: run ./partita once (or ./mvnw -q -pl partita-cli -am package -DskipTests).
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
JDK="${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}"
LIB="$ROOT/partita-cli/target/dist/lib"
JVMCI="$ROOT/partita-cli/target/dist/jvmci"
for i in 1 2 3; do
  d=$(mktemp -d); port=$((20000 + RANDOM % 20000))
  t0=$(date +%s%N)
  $JDK/bin/java --enable-native-access=ALL-UNNAMED --sun-misc-unsafe-memory-access=allow \
    -XX:+UnlockExperimentalVMOptions -XX:+EnableJVMCI "--upgrade-module-path=$JVMCI" \
    -cp "$LIB/*" io.partita.cli.Main server --port $port --data "$d/data" --local-workers 2 >"$d/out" 2>&1 &
  pid=$!
  until curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/api/health" 2>/dev/null | grep -q 200; do sleep 0.02; done
  t1=$(date +%s%N)
  until [ -f "$d/data/admin-token" ] && curl -s -H "Authorization: Bearer $(cat $d/data/admin-token)" "http://127.0.0.1:$port/api/workers" | grep -q '"kind":"local"'; do sleep 0.02; done
  t2=$(date +%s%N)
  echo "run $i: healthy $(( (t1-t0)/1000000 )) ms, first local worker connected $(( (t2-t0)/1000000 )) ms"
  kill $pid; wait $pid
  rm -rf "$d"
done
