#!/usr/bin/env bash
# Runs the action server and the Rasa server in the foreground; Ctrl-C (or either
# one stopping) stops both. Usage: scripts/run_servers.sh MODEL_FILE
set -uo pipefail
model=${1:?usage: run_servers.sh MODEL_FILE}
bin=${VENV:-.venv}/bin
pids=()
stop() {
  trap - INT TERM EXIT
  kill "${pids[@]}" 2>/dev/null
  wait
}
trap stop INT TERM EXIT

mkdir -p var
"$bin/rasa" run actions --port "$ACTION_PORT" &
pids+=($!)
"$bin/rasa" run --model "$model" --port "$RASA_PORT" \
  --credentials credentials.yml --endpoints endpoints.yml --cors "${CORS_ORIGINS:-*}" &
pids+=($!)
echo "Action server on :$ACTION_PORT, Rasa server on :$RASA_PORT (REST and socket.io). Ctrl-C stops both."
wait -n
