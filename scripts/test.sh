#!/usr/bin/env bash
# Run every check: ruff (lint and format), mypy, then pytest twice: on SQLite, then on PostgreSQL
# (a throwaway cluster the tests start and stop themselves). Arguments are passed to pytest.
# Exits non-zero if any check fails, and if pytest ran no tests at all.
set -uo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

bash scripts/setup.sh --with-test-tools || exit 1

export PATH="$PWD/.venv/bin:$PATH"
export TOCAPP_CHROMIUM=${TOCAPP_CHROMIUM:-/usr/bin/chromium}
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1

failed=()

echo "--- ruff check"
ruff check . || failed+=("ruff check")

echo "--- ruff format --check"
ruff format --check . || failed+=("ruff format")

echo "--- mypy"
mypy || failed+=("mypy")

for database in sqlite postgresql; do
  echo "--- pytest on $database"
  TOCAPP_TEST_DATABASE=$database python -m pytest "$@"
  status=$?
  if [[ $status == 5 ]]; then
    echo "pytest ran no tests on $database; that counts as a failure."
  fi
  if [[ $status != 0 ]]; then
    failed+=("pytest on $database")
  fi
done

if ((${#failed[@]})); then
  echo "FAILED: ${failed[*]}"
  exit 1
fi
