#!/bin/sh
# Container health: healthy only when ARI answers GET /ari/asterisk/ping with
# the configured credentials, i.e. Asterisk is up, its HTTP server and ARI are
# loaded, and the backend will be able to log in.
# The credentials go to curl on stdin (never on its command line, visible in
# ps), and nothing here prints them.
set -u
base=${ARI_HEALTHCHECK_URL:-http://127.0.0.1:8088}
if [ -z "${ASTERISK_ARI_USERNAME:-}" ] || [ -z "${ASTERISK_ARI_PASSWORD:-}" ]; then
  echo "unhealthy: ASTERISK_ARI_USERNAME or ASTERISK_ARI_PASSWORD is not set" >&2
  exit 1
fi
# Inside a double-quoted curl config value, backslash and quote are escaped.
quote() { printf '%s' "$1" | sed 's/\\/\\\\/g; s/"/\\"/g'; }
body=$(
  printf 'user = "%s:%s"\n' "$(quote "$ASTERISK_ARI_USERNAME")" "$(quote "$ASTERISK_ARI_PASSWORD")" |
    curl --silent --show-error --fail --max-time 3 --config - "$base/ari/asterisk/ping" 2>&1
) || {
  echo "unhealthy: ARI did not answer the ping with the configured credentials: $body" >&2
  exit 1
}
case $body in
  *'"ping"'*'"pong"'*) exit 0 ;;
esac
echo "unhealthy: unexpected answer to the ARI ping" >&2
exit 1
