#!/usr/bin/env bash
# Runs every Deckhand test on a fresh machine: installs what the tests need, builds, runs all test projects,
# and ends with the plain line "N passed, N failed". Exits non-zero on any failure.
set -uo pipefail
cd "$(dirname "$0")"

results=".test-results"
rm -rf "$results"
mkdir -p "$results"

fail_setup() {
  echo "$1" >&2
  echo "0 passed, 1 failed"
  exit 1
}

# What the tests need beyond the .NET SDK (git for later workspace tests, bubblewrap and prlimit for the shell
# isolation tests, PostgreSQL for the app-server storage tests). Installed only when missing, and only where we may
# (root, as on CI); elsewhere we say what to install.
need=()
command -v git >/dev/null 2>&1 || need+=(git)
command -v bwrap >/dev/null 2>&1 || need+=(bubblewrap) # the shell isolation tests run real sandboxes
command -v prlimit >/dev/null 2>&1 || need+=(util-linux) # shell memory and process limits (and setsid for sandboxes)
# The app-server storage tests also run on a throwaway PostgreSQL cluster (initdb + pg_ctl, started by the tests).
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || command -v initdb >/dev/null 2>&1 || need+=(postgresql)
command -v node >/dev/null 2>&1 || need+=(nodejs) # the npm MCP server and the real socket.io-client in the tests
command -v npm >/dev/null 2>&1 || need+=(npm)
[ -x /usr/bin/chromium ] || need+=(chromium) # the Playwright browser test drives Debian's chromium (never `playwright install`)
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}") >/dev/null || fail_setup "apt-get install ${need[*]} failed"
  else
    fail_setup "Please install: ${need[*]}"
  fi
fi

# The real socket.io-client (pinned by tests/socketio-client/package-lock.json), installed once.
if [ ! -d tests/socketio-client/node_modules/socket.io-client ]; then
  (cd tests/socketio-client && npm ci --no-audit --no-fund) >/dev/null 2>&1 || fail_setup "npm ci in tests/socketio-client failed"
fi

command -v dotnet >/dev/null 2>&1 || fail_setup "The .NET SDK (dotnet) is required; see global.json for the version."

# A real npm MCP server for the MCP tests, installed once into a cache outside the repo (only when missing).
# The tests find it through DECKHAND_TEST_MCP_FILESYSTEM.
mcp_fs_version="2026.8.31"
mcp_fs_dir="${DECKHAND_TEST_NPM_CACHE:-/tmp/deckhand-test-npm}"
mcp_fs_bin="$mcp_fs_dir/node_modules/.bin/mcp-server-filesystem"
if [ ! -x "$mcp_fs_bin" ] || ! grep -q "\"version\": \"$mcp_fs_version\"" "$mcp_fs_dir/node_modules/@modelcontextprotocol/server-filesystem/package.json" 2>/dev/null; then
  mkdir -p "$mcp_fs_dir"
  npm install --prefix "$mcp_fs_dir" --no-audit --no-fund --loglevel=error "@modelcontextprotocol/server-filesystem@$mcp_fs_version" >/dev/null \
    || fail_setup "npm install @modelcontextprotocol/server-filesystem failed"
fi
export DECKHAND_TEST_MCP_FILESYSTEM="$mcp_fs_bin"

dotnet build Deckhand.slnx -c Release --nologo -v quiet -clp:ErrorsOnly || fail_setup "Build failed."

# Each test project runs in its own process; a hung test is dumped and killed rather than stalling CI.
dotnet test Deckhand.slnx -c Release --no-build --nologo \
  --logger "trx" --results-directory "$results" \
  --blame-hang-timeout 5m -- RunConfiguration.TestSessionTimeout=1800000
status=$?

passed=0
failed=0
for trx in "$results"/*.trx; do
  [ -e "$trx" ] || continue
  counters=$(grep -o '<Counters [^>]*>' "$trx" | head -n 1)
  p=$(echo "$counters" | sed -n 's/.* passed="\([0-9]*\)".*/\1/p')
  f=$(echo "$counters" | sed -n 's/.* failed="\([0-9]*\)".*/\1/p')
  passed=$((passed + ${p:-0}))
  failed=$((failed + ${f:-0}))
done
if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then
  failed=1 # the runner itself failed (crash, hang, timeout) without a failed test on record
fi
echo "$passed passed, $failed failed"
[ "$status" -eq 0 ] && [ "$failed" -eq 0 ]
