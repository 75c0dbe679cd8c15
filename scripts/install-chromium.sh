#!/usr/bin/env bash
# install-chromium.sh installs Debian's Chromium for the browser tests of the
# HTML report (reports/ and internal/browsertest/). It is idempotent: when
# /usr/bin/chromium is already there it only prints the version. The tests
# fail (never skip) without it, and point here.
set -euo pipefail

CHROMIUM=/usr/bin/chromium

if [ ! -x "$CHROMIUM" ]; then
	SUDO=""
	if [ "$(id -u)" -ne 0 ]; then
		SUDO="sudo"
	fi
	export DEBIAN_FRONTEND=noninteractive
	$SUDO apt-get update
	$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium fonts-liberation
fi

"$CHROMIUM" --version
