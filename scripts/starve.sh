#!/usr/bin/env bash
# starve.sh PERCENT COMMAND [ARG...]: runs COMMAND with it and every process
# it starts (a test binary and its browser) allowed to run only PERCENT % of
# the time, by stopping and continuing them every 100 ms. It shows how tests
# behave on a loaded machine (10 is about what each process gets at a load
# average of 20 on 2 cores) without loading the machine: the stopped
# processes use no CPU, and nothing else is slowed.
#
#   scripts/starve.sh 10 go test ./crawler -run TestRender -count=1
set -euo pipefail
if [ $# -lt 2 ] || ! [[ $1 =~ ^[0-9]+$ ]] || [ "$1" -lt 1 ] || [ "$1" -gt 100 ]; then
  echo "usage: $0 PERCENT(1-100) COMMAND [ARG...]" >&2
  exit 2
fi
pct=$1
shift
# A session of its own: every process COMMAND starts, the browser's
# included, is found by its session id.
setsid "$@" &
leader=$!
run=$(awk -v p="$pct" 'BEGIN { printf "%.3f", p / 1000 }')
stop=$(awk -v p="$pct" 'BEGIN { printf "%.3f", (100 - p) / 1000 }')
# The leader stays a zombie until waited for: "alive" must not count it.
alive() { local s; s=$(ps -o stat= -p "$leader" 2>/dev/null) && [[ $s != Z* ]]; }
members() { ps -o pid= -s "$leader" 2>/dev/null || true; }
signal() {
  local p
  for p in $(members); do
    kill "-$1" "$p" 2>/dev/null || true
  done
}
trap 'signal CONT' EXIT
trap 'signal CONT; kill -TERM "$leader" 2>/dev/null || true' INT TERM
if [ "$pct" -lt 100 ]; then
  while alive; do
    sleep "$run"
    signal STOP
    sleep "$stop"
    signal CONT
  done
fi
set +e
wait "$leader"
rc=$?
exit "$rc"
