#!/usr/bin/env bash
# Runs the action server, the Rasa server and the clinic web page in the foreground;
# Ctrl-C (or any one of them stopping) stops them all. Usage: tools/run_servers.sh MODEL_FILE
# SERVERS picks which to start (default "actions rasa web"; "rasa" adds one more Rasa server
# to a shared PostgreSQL tracker store and Redis lock store).
set -uo pipefail
servers=" ${SERVERS:-actions rasa web} "
# Every setting not in the environment takes its default from settings.env (its one home).
while IFS= read -r line; do
  [[ $line =~ ^([A-Z_]+)=(.*)$ ]] || continue
  name=${BASH_REMATCH[1]}
  [ -n "${!name+x}" ] || export "$name=$(eval "echo \"${BASH_REMATCH[2]}\"")"
done < "$(dirname "$0")/../settings.env"
# No usage data leaves the machine, whatever the environment says.
export RASA_TELEMETRY_ENABLED=false
model=${1:?usage: run_servers.sh MODEL_FILE}
# The web server loads newly published models from here on (webapp/publisher.py).
export MODEL=$model
# Publishing loads a new model into each Rasa server through Rasa's HTTP API (PUT /model). The
# API needs this token for every call; unless the clinic sets one, a random one is made for this
# run, known only to these processes (in their environment, never in their arguments).
if [ -z "${RASA_API_TOKEN:-}" ]; then
  RASA_API_TOKEN=$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')
  export RASA_API_TOKEN
fi
bin=${VENV:-.venv}/bin
web_bin=${WEB_VENV:-.venv-web}/bin  # the web server has its own environment (webapp/requirements.txt)
pids=()
stop() {
  trap - INT TERM EXIT
  kill "${pids[@]}" 2>/dev/null
  wait
}
trap stop INT TERM EXIT

mkdir -p var
# Browsers may call the Rasa server only from the clinic's page (space-separated origins).
cors_origins=${CORS_ORIGINS:-"http://localhost:$WEB_PORT http://127.0.0.1:$WEB_PORT"}
if [[ $servers == *" actions "* ]]; then
  "$bin/python" -m actions.server &
  pids+=($!)
fi
if [[ $servers == *" rasa "* ]]; then
  # rasa run, with its HTTP API behind RASA_API_TOKEN (rasa_addons/__main__.py).
  "$bin/python" -m rasa_addons run --model "$model" --port "$RASA_PORT" \
    --credentials "${CREDENTIALS_FILE:-credentials.yml}" --endpoints "${ENDPOINTS_FILE:-endpoints.yml}" --cors $cors_origins &
  pids+=($!)
fi
if [[ $servers == *" web "* ]]; then
  "$web_bin/python" -m webapp.server &
  pids+=($!)
fi
dashboard="on http://localhost:$WEB_PORT/nurse (accounts: make staff-account)"
echo "Started:$servers(action server on :$ACTION_PORT, Rasa server on :$RASA_PORT with REST and socket.io," \
  "clinic page with the chat on http://localhost:$WEB_PORT/, nurses' dashboard $dashboard)." \
  "Ctrl-C stops them all."
wait -n
