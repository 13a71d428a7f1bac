#!/usr/bin/env bash
# Renders /etc/asterisk from the environment (refusing to start when a
# required value is missing; ASTERISK_SYSTEM_NAME, the node's systemname,
# defaults to the host name), then runs Asterisk in the foreground in place of
# this script, so that it receives the container's signals directly.
set -euo pipefail
asterisk-render-config /usr/local/share/prosaas-asterisk/config /etc/asterisk
# res_config_pgsql builds its libpq connection string without a timeout, and libpq
# waits for the operating system's TCP timeout (minutes) on an unreachable host;
# libpq reads the bound from the environment instead. A staff extension lookup
# then fails within seconds while the database is away, and Asterisk retries later.
export PGCONNECT_TIMEOUT="${PGCONNECT_TIMEOUT:-5}"
# -f foreground, -n no colours in the logs, -T timestamps on console lines.
exec /usr/sbin/asterisk -f -n -T "$@"
