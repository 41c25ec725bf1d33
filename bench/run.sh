#!/usr/bin/env bash
# impulse's benchmarks. Run as root:  bench/run.sh [coldstart|pool|api|churn|density|warm|proxy|languages|pull|all] [--quick] [--cold-rounds=N]
# Builds impulse, starts two daemons of its own (bridge and host networking) on scratch directories
# (/var/tmp/impulse-bench/, /run/impulse-bench-*), runs the scenarios with their baselines in the
# same run, prints tables and writes bench/results/<time>.json, bench/results/latest.json and
# bench/results/cold-start.svg.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
"$root/scripts/install-deps" >/dev/null
# pull: a local registry (docker-registry), and the tools that make, push and pull the image as
# other engines would (umoci, skopeo); languages: gcc and libc6-dev build the native example
# function static; proxy: wrk drives the calls, nginx-light is the reference proxy. Installed only
# when missing.
bench_packages=(docker-registry skopeo umoci gcc libc6-dev wrk nginx-light)
missing=()
for p in "${bench_packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing Debian packages for the benchmarks: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq "${missing[@]}" >/dev/null
fi
"$root/scripts/mvn" -q -B -DskipTests package
. "$root/scripts/lib/jdk.sh"
exec "$JAVA_HOME/bin/java" -XX:+UseSerialGC --enable-native-access=ALL-UNNAMED \
  -Dimpulse.repo="$root" -cp "$root/target/impulse.jar:$root/target/test-classes" \
  dev.impulse.bench.Bench "$@"
