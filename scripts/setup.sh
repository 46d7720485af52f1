#!/usr/bin/env bash
# Set up tocapp on this machine: system packages, a virtual environment in .venv, the database.
# Safe to run again: a step that is already done is skipped.
#
# Usage: scripts/setup.sh [--with-test-tools]
#   --with-test-tools  also install what the tests need (Debian's Chromium for the browser
#                      tests, a Redis server for the Redis job queue's test, PostgreSQL for
#                      the second run of the suite, Node.js and npm for axe-core, the
#                      accessibility checker the browser tests inject, from
#                      tests/browser/package-lock.json);
#                      TOCAPP_TEST_TOOLS=1 does the same.
# TOCAPP_PYTHON names the Python (3.11 or newer) that builds .venv; the default is python3.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
root=$(pwd -P)
venv="$root/.venv"

with_test_tools=${TOCAPP_TEST_TOOLS:-0}
for arg in "$@"; do
  case $arg in
    --with-test-tools) with_test_tools=1 ;;
    -h | --help) sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "setup.sh: unknown option '$arg' (try --help)" >&2; exit 2 ;;
  esac
done

say() { printf '%s\n' "$*"; }
fail() { printf 'setup.sh: %s\n' "$*" >&2; exit 1; }

log=$(mktemp "${TMPDIR:-/tmp}/tocapp-setup.XXXXXX")
trap 'rm -f "$log"' EXIT

# Run a noisy command with its output kept aside; show the end of it only if the command fails.
quietly() {
  if ! "$@" >"$log" 2>&1; then
    tail -n 40 "$log" >&2
    return 1
  fi
}

# --- System packages -------------------------------------------------------------------------
# dot draws the flowcharts; Pango and HarfBuzz are what WeasyPrint needs for PDFs; DejaVu gives
# every export the same font offline; poppler-utils lets the tests read PDFs back.
packages=(graphviz libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core
  poppler-utils)
if [[ $with_test_tools == 1 ]]; then
  # Debian's postgresql brings postgresql-client-<version>: pg_dump, pg_restore and psql, which
  # the backup tests run (a PostgreSQL server of your own needs postgresql-client for backups).
  packages+=(chromium redis-server postgresql)
  # npm installs axe-core for the accessibility tests; a node and npm already on PATH will do.
  if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
    packages+=(nodejs npm)
  fi
fi

python=${TOCAPP_PYTHON:-python3}
python_path=$(command -v "$python" || true)
if [[ -z $python_path && $python == python3 ]]; then
  packages+=(python3 python3-venv)
elif [[ $python_path == /usr/bin/python3* ]] && ! "$python" -c 'import ensurepip' 2>/dev/null; then
  # Debian's own Python makes virtual environments only with python3-venv installed.
  packages+=(python3-venv)
fi

missing=()
if command -v dpkg-query >/dev/null; then
  for package in "${packages[@]}"; do
    if [[ $(dpkg-query -W -f='${Status}' "$package" 2>/dev/null) != "install ok installed" ]]; then
      missing+=("$package")
    fi
  done
else
  # Not a Debian system: check the commands we call, and trust the rest to the reader.
  for command in dot pdftoppm $([[ $with_test_tools == 1 ]] && echo chromium redis-server initdb pg_dump pg_restore psql node npm); do
    command -v "$command" >/dev/null || fail "'$command' is missing. Install the equivalents of: ${packages[*]}"
  done
fi

if ((${#missing[@]})); then
  if [[ $(id -u) == 0 ]]; then
    say "Installing system packages: ${missing[*]} (this can take a few minutes)..."
    export DEBIAN_FRONTEND=noninteractive
    quietly apt-get update || fail "apt-get update failed (see above)."
    quietly apt-get install -y --no-install-recommends -o DPkg::Lock::Timeout=300 "${missing[@]}" \
      || fail "installing ${missing[*]} failed (see above)."
  else
    {
      say "tocapp needs some system packages that are not installed. Please run:"
      say ""
      say "  sudo apt-get update && sudo apt-get install -y --no-install-recommends ${missing[*]}"
      say ""
      say "and then run $0 again."
    } >&2
    exit 1
  fi
fi

# --- Python and the virtual environment ------------------------------------------------------
command -v "$python" >/dev/null \
  || fail "tocapp needs Python 3.11 or newer, and '$python' was not found. Install python3 or set TOCAPP_PYTHON."
"$python" -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
  || fail "tocapp needs Python 3.11 or newer; '$python' is $("$python" -V 2>&1). Set TOCAPP_PYTHON to a newer one."

venv_works() {
  [[ -x $venv/bin/python ]] \
    && "$venv/bin/python" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null
}
if ! venv_works; then
  if [[ -e $venv ]]; then
    say "The .venv folder does not work (moved, or its Python has gone); building it again..."
    rm -rf "$venv"
  fi
  say "Creating .venv with $("$python" -V 2>&1)..."
  if ! quietly "$python" -m venv "$venv"; then
    rm -rf "$venv"
    fail "could not create .venv (on Debian: sudo apt-get install python3-venv)."
  fi
fi

# Reinstall only when pyproject.toml (or the extras asked for) changed, or the install does not
# point at this checkout.
extras="dev,postgres,redis"
stamp="$venv/.tocapp-install-stamp"
wanted=$({ sha256sum pyproject.toml; echo "extras=$extras"; } | sha256sum | cut -d' ' -f1)
installed_from_here() {
  (cd / && "$venv/bin/python" -c '
import os, sys, tocapp
sys.exit(os.path.realpath(tocapp.__file__) != os.path.join(sys.argv[1], "tocapp", "__init__.py"))
' "$root") 2>/dev/null
}
if [[ $(cat "$stamp" 2>/dev/null) != "$wanted" ]] || ! installed_from_here; then
  say "Installing tocapp and its Python packages into .venv..."
  # Playwright drives Debian's Chromium; it must never try to download a browser of its own.
  PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 PIP_DISABLE_PIP_VERSION_CHECK=1 \
    quietly "$venv/bin/python" -m pip install --no-input -e ".[$extras]" \
    || fail "pip install failed (see above)."
  printf '%s\n' "$wanted" >"$stamp"
fi

# --- Browser test tools ----------------------------------------------------------------------
# axe-core, exactly as tests/browser/package-lock.json pins it, into tests/browser/node_modules
# (git ignores it). npm ci starts from nothing, so run it only when the lock file changed.
if [[ $with_test_tools == 1 ]]; then
  browser_tests="$root/tests/browser"
  npm_stamp="$browser_tests/node_modules/.tocapp-install-stamp"
  npm_wanted=$(sha256sum "$browser_tests/package-lock.json" | cut -d' ' -f1)
  if [[ $(cat "$npm_stamp" 2>/dev/null) != "$npm_wanted" ]] \
    || [[ ! -f $browser_tests/node_modules/axe-core/axe.min.js ]]; then
    say "Installing the browser test tools (axe-core) with npm ci..."
    quietly npm ci --prefix "$browser_tests" --no-audit --no-fund \
      || fail "npm ci --prefix tests/browser failed (see above)."
    printf '%s\n' "$npm_wanted" >"$npm_stamp"
  fi
fi

# --- Database --------------------------------------------------------------------------------
quietly "$venv/bin/python" -m flask --app tocapp db upgrade \
  || fail "bringing the database up to date failed (see above)."

say "Setup done: system packages, .venv and the database are up to date."
