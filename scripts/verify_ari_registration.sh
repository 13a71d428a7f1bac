#!/usr/bin/env bash
# Tells whether the backend's Stasis application is registered in Asterisk.
#
# Usage: scripts/verify_ari_registration.sh [--docker [service]] [--backend [url]] [--timeout seconds] [--quiet]
#
# Reads ASTERISK_ARI_URL, ASTERISK_ARI_USERNAME, ASTERISK_ARI_PASSWORD and ARI_APP_NAME
# from the environment, and from ./.env (or $ENV_FILE) for variables not already set.
# Checks GET /ari/applications/{app}. Usable from cron and as a container health check.
#
#   --docker [service]  also run `asterisk -rx "ari show apps"` in the compose service
#                       (default: asterisk; compose file: $COMPOSE_FILE or docker-compose.sip.yml)
#   --backend [url]     also check the backend's GET /ready (default: http://127.0.0.1:${PORT:-3000})
#   --timeout seconds   per-request timeout (default 5)
#   --quiet             print nothing on success
#
# Exit codes:
#   0  registered (one line: OK ...)
#   1  unexpected answer from Asterisk
#   2  configuration missing or invalid
#   3  Asterisk unreachable (connection refused, DNS, timeout)
#   4  credentials rejected (401)
#   5  application not registered (404)
#   6  backend not ready (--backend)
#   7  the Asterisk CLI check failed or disagrees (--docker)
set -u

EXIT_UNEXPECTED=1 EXIT_CONFIG=2 EXIT_UNREACHABLE=3 EXIT_AUTH=4 EXIT_NOT_REGISTERED=5
EXIT_BACKEND=6 EXIT_DOCKER=7

script_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
project_dir=$(dirname "$script_dir")

docker_mode=0 docker_service=asterisk backend_mode=0 backend_url="" timeout=5 quiet=0
while [ $# -gt 0 ]; do
  case "$1" in
    --docker)
      docker_mode=1
      if [ $# -gt 1 ] && [ "${2#-}" = "$2" ]; then docker_service=$2; shift; fi ;;
    --backend)
      backend_mode=1
      if [ $# -gt 1 ] && [ "${2#-}" = "$2" ]; then backend_url=$2; shift; fi ;;
    --timeout)
      [ $# -gt 1 ] || { echo "FAIL: --timeout needs a value" >&2; exit $EXIT_CONFIG; }
      timeout=$2; shift ;;
    --quiet|-q) quiet=1 ;;
    -h|--help) sed -n '2,/^set -u/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "FAIL: unknown option $1 (see --help)" >&2; exit $EXIT_CONFIG ;;
  esac
  shift
done

fail() { # code message
  echo "FAIL: $2" >&2
  exit "$1"
}

# Loads KEY=VALUE lines from an env file without executing it; variables
# already in the environment win.
load_env_file() {
  local file=$1 line key value
  while IFS= read -r line || [ -n "$line" ]; do
    line=${line%$'\r'}
    case "$line" in ''|'#'*) continue ;; esac
    line=${line#export }
    key=${line%%=*}
    [ "$key" = "$line" ] && continue
    key=$(printf '%s' "$key" | tr -d '[:space:]')
    case "$key" in ''|*[!A-Za-z0-9_]*) continue ;; esac
    value=${line#*=}
    case "$value" in
      \"*\") value=${value#\"}; value=${value%\"} ;;
      \'*\') value=${value#\'}; value=${value%\'} ;;
    esac
    [ -z "${!key+set}" ] && export "$key=$value"
  done < "$file"
}

env_file=${ENV_FILE:-.env}
[ -f "$env_file" ] && load_env_file "$env_file"

command -v curl >/dev/null 2>&1 || fail $EXIT_CONFIG "curl is not installed"
app=${ARI_APP_NAME:-prosaas_ai}
base=${ASTERISK_ARI_URL:-}
user=${ASTERISK_ARI_USERNAME:-}
password=${ASTERISK_ARI_PASSWORD:-}
missing=""
[ -n "$base" ] || missing="$missing ASTERISK_ARI_URL"
[ -n "$user" ] || missing="$missing ASTERISK_ARI_USERNAME"
[ -n "$password" ] || missing="$missing ASTERISK_ARI_PASSWORD"
[ -z "$missing" ] || fail $EXIT_CONFIG "missing configuration:$missing (environment or $env_file)"
case "$base" in http://*|https://*) ;; *) fail $EXIT_CONFIG "ASTERISK_ARI_URL must start with http:// or https://" ;; esac
base=${base%/}; base=${base%/ari}
url="$base/ari/applications/$app"

# The credentials go to curl on stdin, never on its command line (visible in ps);
# inside a double-quoted curl config value, backslash and quote are escaped.
curl_quote() { local v=${1//\\/\\\\}; printf '%s' "${v//\"/\\\"}"; }
body_file=$(mktemp) err_file=$(mktemp)
trap 'rm -f "$body_file" "$err_file"' EXIT
curl_status=$(
  printf 'user = "%s:%s"\n' "$(curl_quote "$user")" "$(curl_quote "$password")" |
    curl --silent --show-error --config - --max-time "$timeout" \
      --output "$body_file" --write-out '%{http_code}' "$url" 2>"$err_file"
)
curl_exit=$?
if [ $curl_exit -ne 0 ]; then
  reason=$(sed -n 's/^curl: ([0-9]*) //p' "$err_file" | head -n 1)
  fail $EXIT_UNREACHABLE "Asterisk ARI unreachable at $base (${reason:-curl exit $curl_exit})"
fi
message=$(sed -n 's/.*"message"[[:space:]]*:[[:space:]]*"\([^"]*\)".*/\1/p' "$body_file" | head -n 1)
case "$curl_status" in
  200) ;;
  401) fail $EXIT_AUTH "ARI credentials rejected for user '$user' at $base (401)" ;;
  404) fail $EXIT_NOT_REGISTERED "ARI application '$app' is not registered at $base (${message:-404}): is the backend running and connected?" ;;
  000) fail $EXIT_UNREACHABLE "Asterisk ARI unreachable at $base (no HTTP answer)" ;;
  *) fail $EXIT_UNEXPECTED "unexpected answer from $url: HTTP $curl_status ${message}" ;;
esac
grep -q "\"name\"[[:space:]]*:[[:space:]]*\"$app\"" "$body_file" ||
  fail $EXIT_UNEXPECTED "unexpected body from $url (no application named '$app')"

details=""
if [ $docker_mode -eq 1 ]; then
  compose_file=${COMPOSE_FILE:-$project_dir/docker-compose.sip.yml}
  command -v docker >/dev/null 2>&1 || fail $EXIT_DOCKER "--docker: the docker command is not installed"
  cli_output=$(docker compose -f "$compose_file" exec -T "$docker_service" asterisk -rx "ari show apps" 2>&1)
  cli_exit=$?
  [ $cli_exit -eq 0 ] || fail $EXIT_DOCKER "--docker: 'asterisk -rx \"ari show apps\"' in service '$docker_service' failed (exit $cli_exit): $(printf '%s' "$cli_output" | head -n 1)"
  printf '%s\n' "$cli_output" | tr -d '\r' | sed 's/[[:space:]]*$//' | grep -qx "$app" ||
    fail $EXIT_DOCKER "--docker: Asterisk CLI does not list '$app' in 'ari show apps'"
  details="$details; CLI lists it"
fi

if [ $backend_mode -eq 1 ]; then
  backend_url=${backend_url:-http://127.0.0.1:${PORT:-3000}}
  backend_url=${backend_url%/}
  ready_status=$(curl --silent --max-time "$timeout" --output "$body_file" --write-out '%{http_code}' "$backend_url/ready" 2>/dev/null)
  case "$ready_status" in
    200) details="$details; backend ready" ;;
    000) fail $EXIT_BACKEND "backend unreachable at $backend_url" ;;
    *) fail $EXIT_BACKEND "backend not ready at $backend_url (HTTP $ready_status): $(tr -d '\n' < "$body_file" | head -c 300)" ;;
  esac
fi

[ $quiet -eq 1 ] || echo "OK: ARI application '$app' is registered at $base$details"
exit 0
