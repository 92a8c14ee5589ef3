#!/bin/sh
# Installs what a fresh Debian 12 machine lacks for building, testing and the
# demo. Idempotent and quiet when everything is present.
set -eu
cd "$(dirname "$0")/.."

PKGS="build-essential pkg-config libcurl4-openssl-dev libssl-dev lua5.4 liblua5.4-dev
lua5.3 liblua5.3-dev lua5.1 liblua5.1-0-dev luajit libluajit-5.1-dev lua-cjson lua-busted
lua-check lua-socket lua-luv luarocks cppcheck valgrind openssl curl git zip unzip libtsan2
locales lua-curl python3-requests"

missing=""
for p in $PKGS; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
# Node.js may come from another source than Debian (it does on these machines):
# only ask apt for it when there is no node at all.
command -v node >/dev/null 2>&1 || missing="$missing nodejs npm"
if [ -n "$missing" ]; then
  echo "deps: installing$missing"
  SUDO=""
  [ "$(id -u)" = 0 ] || SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi

if [ ! -f sandbox/node_modules/.package-lock.json ] ||
   [ sandbox/package-lock.json -nt sandbox/node_modules/.package-lock.json ]; then
  echo "deps: npm ci (sandbox)"
  npm ci --prefix sandbox --no-audit --no-fund --loglevel=error >/dev/null
fi
