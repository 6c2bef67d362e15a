#!/usr/bin/env bash
# Runs the action server, the Rasa server and the clinic web page in the foreground;
# Ctrl-C (or any one of them stopping) stops them all. Usage: scripts/run_servers.sh MODEL_FILE
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
"$bin/python" -m webapp.server &
pids+=($!)
dashboard="on http://localhost:${WEB_PORT:-8080}/nurse"
[ -n "${NURSE_TOKEN:-}" ] || dashboard="off (set NURSE_TOKEN to turn it on)"
echo "Action server on :$ACTION_PORT, Rasa server on :$RASA_PORT (REST and socket.io)," \
  "clinic page with the chat on http://localhost:${WEB_PORT:-8080}/, nurses' dashboard $dashboard." \
  "Ctrl-C stops them all."
wait -n
