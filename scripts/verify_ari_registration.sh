#!/usr/bin/env bash
# Tells whether the backend's Stasis application is registered in Asterisk.
#
# Usage: scripts/verify_ari_registration.sh [--node name] [--docker [service]] [--backend [url]] [--timeout seconds] [--quiet]
#
# Reads ASTERISK_ARI_URL, ASTERISK_ARI_USERNAME, ASTERISK_ARI_PASSWORD and ARI_APP_NAME
# from the environment, and from ./.env (or $ENV_FILE) for variables not already set.
# With several Asterisk nodes (ASTERISK_NODES=a=http://ast-a:8088,b=...) every node is
# checked, each with ASTERISK_ARI_USERNAME_<NODE> / ASTERISK_ARI_PASSWORD_<NODE> when set
# (the node's name upper-cased, '-' as '_'), else the shared credentials.
# Checks GET /ari/applications/{app}. Usable from cron and as a container health check.
#
#   --node name         check this node of ASTERISK_NODES only
#   --docker [service]  also run `asterisk -rx "ari show apps"` in the compose service
#                       (default: asterisk; compose file: $COMPOSE_FILE or docker-compose.sip.yml)
#   --backend [url]     also check the backend's GET /ready (default: http://127.0.0.1:${PORT:-3000})
#   --timeout seconds   per-request timeout (default 5)
#   --quiet             print nothing on success
#
# Exit codes (several nodes: one line per node, the first failing node's code):
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

docker_mode=0 docker_service=asterisk backend_mode=0 backend_url="" timeout=5 quiet=0 only_node=""
while [ $# -gt 0 ]; do
  case "$1" in
    --node)
      [ $# -gt 1 ] || { echo "FAIL: --node needs a node name" >&2; exit $EXIT_CONFIG; }
      only_node=$2; shift ;;
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

# The nodes to check: "name url" lines.
nodes=""
if [ -n "${ASTERISK_NODES:-}" ]; then
  IFS=',' read -r -a entries <<< "$ASTERISK_NODES"
  for entry in "${entries[@]}"; do
    entry=$(printf '%s' "$entry" | tr -d '[:space:]')
    [ -n "$entry" ] || continue
    case "$entry" in *=*) ;; *) fail $EXIT_CONFIG "ASTERISK_NODES: '$entry' must be name=url" ;; esac
    nodes="$nodes${entry%%=*} ${entry#*=}"$'\n'
  done
  [ -n "$nodes" ] || fail $EXIT_CONFIG "ASTERISK_NODES lists no node"
else
  missing=""
  [ -n "${ASTERISK_ARI_URL:-}" ] || missing="$missing ASTERISK_ARI_URL"
  [ -n "${ASTERISK_ARI_USERNAME:-}" ] || missing="$missing ASTERISK_ARI_USERNAME"
  [ -n "${ASTERISK_ARI_PASSWORD:-}" ] || missing="$missing ASTERISK_ARI_PASSWORD"
  [ -z "$missing" ] || fail $EXIT_CONFIG "missing configuration:$missing (environment or $env_file)"
  nodes="${ASTERISK_NODE_NAME:-asterisk} $ASTERISK_ARI_URL"$'\n'
fi
if [ -n "$only_node" ]; then
  nodes=$(printf '%s' "$nodes" | awk -v want="$only_node" '$1 == want')
  [ -n "$nodes" ] && nodes="$nodes"$'\n'
  [ -n "$nodes" ] || fail $EXIT_CONFIG "--node: no node named '$only_node' (ASTERISK_NODES)"
fi
node_count=$(printf '%s' "$nodes" | grep -c .)

# The credentials go to curl on stdin, never on its command line (visible in ps);
# inside a double-quoted curl config value, backslash and quote are escaped.
curl_quote() { local v=${1//\\/\\\\}; printf '%s' "${v//\"/\\\"}"; }
body_file=$(mktemp) err_file=$(mktemp)
trap 'rm -f "$body_file" "$err_file"' EXIT

# Checks one node; sets node_code (0 = registered) and node_message.
check_node() { # name url
  local name=$1 base=$2 suffix user password url curl_status curl_exit reason message user_var password_var
  suffix=$(printf '%s' "$name" | tr '[:lower:]-' '[:upper:]_')
  user_var="ASTERISK_ARI_USERNAME_$suffix" password_var="ASTERISK_ARI_PASSWORD_$suffix"
  user=${!user_var:-${ASTERISK_ARI_USERNAME:-}}
  password=${!password_var:-${ASTERISK_ARI_PASSWORD:-}}
  node_code=0 node_message=""
  local missing=""
  [ -n "$user" ] || missing="$missing ASTERISK_ARI_USERNAME"
  [ -n "$password" ] || missing="$missing ASTERISK_ARI_PASSWORD"
  if [ -n "$missing" ]; then node_code=$EXIT_CONFIG node_message="missing configuration:$missing (environment or $env_file)"; return; fi
  case "$base" in http://*|https://*) ;; *) node_code=$EXIT_CONFIG node_message="the ARI URL must start with http:// or https://"; return ;; esac
  base=${base%/}; base=${base%/ari}
  url="$base/ari/applications/$app"
  curl_status=$(
    printf 'user = "%s:%s"\n' "$(curl_quote "$user")" "$(curl_quote "$password")" |
      curl --silent --show-error --config - --max-time "$timeout" \
        --output "$body_file" --write-out '%{http_code}' "$url" 2>"$err_file"
  )
  curl_exit=$?
  if [ $curl_exit -ne 0 ]; then
    reason=$(sed -n 's/^curl: ([0-9]*) //p' "$err_file" | head -n 1)
    node_code=$EXIT_UNREACHABLE node_message="Asterisk ARI unreachable at $base (${reason:-curl exit $curl_exit})"
    return
  fi
  message=$(sed -n 's/.*"message"[[:space:]]*:[[:space:]]*"\([^"]*\)".*/\1/p' "$body_file" | head -n 1)
  case "$curl_status" in
    200) ;;
    401) node_code=$EXIT_AUTH node_message="ARI credentials rejected for user '$user' at $base (401)"; return ;;
    404) node_code=$EXIT_NOT_REGISTERED node_message="ARI application '$app' is not registered at $base (${message:-404}): is a backend running and holding this node?"; return ;;
    000) node_code=$EXIT_UNREACHABLE node_message="Asterisk ARI unreachable at $base (no HTTP answer)"; return ;;
    *) node_code=$EXIT_UNEXPECTED node_message="unexpected answer from $url: HTTP $curl_status ${message}"; return ;;
  esac
  if ! grep -q "\"name\"[[:space:]]*:[[:space:]]*\"$app\"" "$body_file"; then
    node_code=$EXIT_UNEXPECTED node_message="unexpected body from $url (no application named '$app')"
    return
  fi
  node_message="ARI application '$app' is registered at $base"
}

first_failure=0
while read -r name node_url; do
  [ -n "$name" ] || continue
  check_node "$name" "$node_url"
  label=""
  [ "$node_count" -gt 1 ] && label="node $name: "
  if [ "$node_code" -ne 0 ]; then
    echo "FAIL: $label$node_message" >&2
    [ $first_failure -ne 0 ] || first_failure=$node_code
  elif [ "$node_count" -gt 1 ] && [ $quiet -eq 0 ]; then
    echo "OK: $label$node_message"
  fi
  last_message=$node_message
done <<< "$nodes"
[ $first_failure -eq 0 ] || exit $first_failure
base=${last_message##* at }

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

if [ "$node_count" -gt 1 ]; then
  [ $quiet -eq 1 ] || echo "OK: ARI application '$app' is registered on all $node_count nodes$details"
else
  [ $quiet -eq 1 ] || echo "OK: ARI application '$app' is registered at $base$details"
fi
exit 0
