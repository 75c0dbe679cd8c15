#!/usr/bin/env bash
# nats-server.sh runs a standalone NATS server with JetStream for a
# distributed crawl (egovbench crawl --nats, egovbench worker) or its
# benchmark. It uses the nats-server on PATH when there is one; otherwise it
# builds the server from the nats-server module this repository already
# depends on (the version go.mod pins, from the module cache: nothing is
# downloaded when the tests have been built once).
#
#   scripts/nats-server.sh [--listen HOST] [--port N] [--store DIR] [-- nats-server flags...]
#
# Defaults: --listen 127.0.0.1 (loopback: workers on other machines need
# --listen 0.0.0.0 and a firewall or TLS/auth in a config of your own),
# --port 4222, --store ./nats-data. The server runs in the foreground; stop
# it with Ctrl-C or SIGTERM. Its streams survive a restart on the same
# store.
set -euo pipefail

listen=127.0.0.1
port=4222
store=./nats-data
extra=()
while [ $# -gt 0 ]; do
	case "$1" in
	--listen) listen=${2:?--listen needs a host}; shift 2 ;;
	--port) port=${2:?--port needs a number}; shift 2 ;;
	--store) store=${2:?--store needs a directory}; shift 2 ;;
	--) shift; extra=("$@"); break ;;
	-h | --help) sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) echo "nats-server.sh: unknown argument $1 (try --help)" >&2; exit 2 ;;
	esac
done
case "$port" in
'' | *[!0-9]*) echo "nats-server.sh: --port $port: want a number" >&2; exit 2 ;;
esac

repo=$(cd "$(dirname "$0")/.." && pwd)
mkdir -p "$store"
store=$(cd "$store" && pwd)

bin=$(command -v nats-server || true)
if [ -z "$bin" ]; then
	bin="$repo/.cache/nats-server"
	if [ ! -x "$bin" ]; then
		echo "nats-server.sh: no nats-server on PATH; building the one go.mod pins into $bin" >&2
		mkdir -p "$repo/.cache"
		(cd "$repo" && go build -o "$bin" github.com/nats-io/nats-server/v2)
	fi
fi

# A result carries a site's pages compressed, a few hundred KB for a large
# site: max_payload is raised above the 1 MB default, as internal/natstest
# does for the tests.
hostport="$listen:$port"
case "$listen" in *:*) hostport="[$listen]:$port" ;; esac
conf="$store/nats.conf"
cat >"$conf" <<EOF
listen: "$hostport"
max_payload: 8MB
jetstream {
  store_dir: "$store"
}
EOF
echo "nats-server.sh: $("$bin" --version) on nats://$hostport, JetStream store $store" >&2
exec "$bin" -c "$conf" "${extra[@]}"
