#!/bin/sh
set -eu
cd "$(dirname "$0")/.."
luacheck -q binding spec examples bin bench scripts
cppcheck --quiet --error-exitcode=1 --enable=warning,performance,portability --std=c99 \
  --inline-suppr -I core core binding
