#!/usr/bin/env bash
# Set up (if needed), load the demo study, and run tocapp: gunicorn for the pages, and the job
# worker that builds PDF and Word comparison reports in the background. Ctrl+C stops both.
# TOCAPP_HOST and TOCAPP_PORT choose where it listens (default 127.0.0.1:5000).
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
host=${TOCAPP_HOST:-127.0.0.1}
port=${TOCAPP_PORT:-5000}

bash scripts/setup.sh

# The demo loader does nothing if the demo study is already there; it prints the demo login.
demo_output=$(.venv/bin/python -m flask --app tocapp demo load)
printf '%s\n' "$demo_output"
login=$(printf '%s\n' "$demo_output" | sed -n 's/.*Demo login: \([^ ]*\) \/ password \([^ ]*\).*/\1 \/ \2/p')

# Say so now, rather than after a printed URL that then does not work.
if ! .venv/bin/python - "$host" "$port" <<'EOF'; then
import socket, sys
with socket.socket() as s:
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        s.bind((sys.argv[1], int(sys.argv[2])))
    except OSError:
        sys.exit(1)
EOF
  echo "start.sh: $host:$port is already in use. Stop what is using it, or pick another port:" >&2
  echo "  TOCAPP_PORT=5001 $0" >&2
  exit 1
fi

url="http://$host:$port"
if [[ -n $login ]]; then
  echo "tocapp is running at $url — log in as $login"
else
  echo "tocapp is running at $url — log in with the demo login shown above"
fi
echo "(Press Ctrl+C to stop.)"

# The worker runs in a session of its own, so Ctrl+C reaches only gunicorn; when gunicorn has
# stopped, the worker gets one SIGINT, which lets reports being built finish (a second would
# stop them half-way).
setsid .venv/bin/python -m flask --app tocapp jobs worker &
worker=$!
stop_worker() {
  if kill -0 "$worker" 2>/dev/null; then
    echo "Stopping the report worker (reports being built are finished first)..."
    kill -INT "$worker" 2>/dev/null || true
    wait "$worker" 2>/dev/null || true
  fi
}
trap stop_worker EXIT
TOCAPP_WORKERS=${TOCAPP_WORKERS:-2} TOCAPP_BIND="$host:$port" .venv/bin/python -m gunicorn -c deploy/gunicorn.conf.py wsgi:app
