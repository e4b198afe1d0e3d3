#!/usr/bin/env bash
# Runs a command as a child that ends with whoever started this script: on SIGTERM/SIGINT, and also
# when that parent dies (a runner killed with -9 still leaves no gateway behind).
#   watched.sh COMMAND [ARGS...]
set -u
parent=$PPID
"$@" &
child=$!
stop() { kill -TERM "$child" 2>/dev/null; wait "$child" 2>/dev/null; exit 0; }
trap stop TERM INT
while kill -0 "$child" 2>/dev/null && kill -0 "$parent" 2>/dev/null; do
  sleep 1
done
stop
