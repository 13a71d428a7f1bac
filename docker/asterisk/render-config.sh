#!/usr/bin/env bash
# Renders Asterisk's configuration from the image's files and the environment.
#
# Usage: render-config.sh SOURCE_DIR TARGET_DIR
#
# Plain files in SOURCE_DIR are copied; NAME.template files are written as NAME
# with every {{VARIABLE}} replaced by that environment variable. Any problem
# (a required value missing, a value Asterisk's config syntax cannot carry, a
# placeholder this script does not know, a dialplan that sends calls to another
# Stasis application than ARI_APP_NAME) stops with exit 1 before anything is
# written, naming the variable and never echoing a value: some are secrets.
set -euo pipefail
# Bash 5.2 would expand "&" in a ${var//pattern/replacement} replacement.
shopt -u patsub_replacement 2>/dev/null || true

if [ $# -ne 2 ]; then
  echo "usage: $0 SOURCE_DIR TARGET_DIR" >&2
  exit 2
fi
source_dir=$1 target_dir=$2

problems=()
problem() { problems+=("$1"); }

# Values end up inside Asterisk config lines, where ";" starts a comment and
# brackets, commas and quotes have meaning; the ARI credentials also go into a
# curl config line. Secrets are therefore limited to this character set.
SECRET_PATTERN='^[A-Za-z0-9._~+/=!@%^*:-]+$'
MIN_SECRET_LENGTH=12
NAME_PATTERN='^[A-Za-z0-9_-]+$'
HOST_PATTERN='^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?$'
SIP_USER_PATTERN='^[A-Za-z0-9._@+-]+$'

require_value() { # variable pattern what [allowed characters]
  local name=$1 pattern=$2 what=$3 allowed=${4:-}
  local value=${!name:-}
  if [ -z "$value" ]; then
    problem "$name is empty: set it in .env ($what)"
  elif ! [[ $value =~ $pattern ]]; then
    problem "$name contains characters Asterisk's configuration cannot carry${allowed:+ (allowed: $allowed)}"
  fi
}

require_secret() { # variable what
  local name=$1
  local value=${!name:-}
  require_value "$name" "$SECRET_PATTERN" "$2" "letters, digits and ._~+/=!@%^*:-"
  if [ -n "$value" ] && [ ${#value} -lt $MIN_SECRET_LENGTH ]; then
    problem "$name is shorter than $MIN_SECRET_LENGTH characters"
  fi
}

require_value ASTERISK_ARI_USERNAME "$NAME_PATTERN" "the ARI user the backend logs in as"
require_secret ASTERISK_ARI_PASSWORD "the ARI password; there is no default"
require_value ASTERISK_EXTERNAL_ADDRESS "$HOST_PATTERN" "the public address Twilio reaches this host at"
case "${ASTERISK_EXTERNAL_ADDRESS:-}" in
  0.0.0.0) problem "ASTERISK_EXTERNAL_ADDRESS must be the public address, not 0.0.0.0" ;;
esac
require_secret STAFF_100_PASSWORD "SIP password of staff extension 100"
require_secret STAFF_101_PASSWORD "SIP password of staff extension 101"

# res_config_pgsql: the database staff extensions live in (res_pgsql.conf).
require_value ASTERISK_DB_HOST "$HOST_PATTERN" "the PostgreSQL host Asterisk reads staff extensions from"
require_value ASTERISK_DB_PORT '^[0-9]{1,5}$' "the PostgreSQL port, e.g. 5432" "digits"
require_value ASTERISK_DB_NAME "$NAME_PATTERN" "the database the backend migrates"
require_value ASTERISK_DB_USER "$NAME_PATTERN" "the PostgreSQL user Asterisk logs in as"
require_secret ASTERISK_DB_PASSWORD "that user's password"

# Twilio termination is optional: all three variables, or none.
termination=0
if [ -n "${TWILIO_TERMINATION_HOST:-}${TWILIO_TERMINATION_USERNAME:-}${TWILIO_TERMINATION_PASSWORD:-}" ]; then
  termination=1
  require_value TWILIO_TERMINATION_HOST "$HOST_PATTERN" "the trunk's termination SIP URI host, e.g. example.pstn.twilio.com"
  require_value TWILIO_TERMINATION_USERNAME "$SIP_USER_PATTERN" "a user of the trunk's credential list"
  require_secret TWILIO_TERMINATION_PASSWORD "that user's password"
fi

# systemname prefixes every channel id, which keys the call's row: each node
# needs its own. Default: this host's name up to the first dot (in a Docker
# container its id, in a Kubernetes pod off the host network the pod name).
# Asterisk releases before 13 cut the name at 19 characters, so longer names
# are refused rather than risk two nodes cut to the same one.
SYSTEM_NAME_PATTERN='^[A-Za-z0-9][A-Za-z0-9_-]{0,18}$'
if [ -n "${ASTERISK_SYSTEM_NAME:-}" ]; then
  [[ $ASTERISK_SYSTEM_NAME =~ $SYSTEM_NAME_PATTERN ]] ||
    problem "ASTERISK_SYSTEM_NAME must be 1 to 19 letters, digits, - or _, starting with a letter or digit (it prefixes every channel id)"
else
  host_name=$(uname -n)
  ASTERISK_SYSTEM_NAME=${host_name%%.*}
  [[ $ASTERISK_SYSTEM_NAME =~ $SYSTEM_NAME_PATTERN ]] ||
    problem "ASTERISK_SYSTEM_NAME is empty and the host name cannot stand in for it (1 to 19 letters, digits, - or _): set it, one name per Asterisk node"
fi

app_name=${ARI_APP_NAME:-prosaas_ai}
[[ $app_name =~ $NAME_PATTERN ]] || problem "ARI_APP_NAME must contain only letters, digits, _ and -"

# The variables templates may use; anything else is a mistake in a template.
PLACEHOLDERS=(
  ASTERISK_ARI_USERNAME ASTERISK_ARI_PASSWORD ASTERISK_EXTERNAL_ADDRESS
  STAFF_100_PASSWORD STAFF_101_PASSWORD ASTERISK_SYSTEM_NAME
  ASTERISK_DB_HOST ASTERISK_DB_PORT ASTERISK_DB_NAME ASTERISK_DB_USER ASTERISK_DB_PASSWORD
  TWILIO_TERMINATION_HOST TWILIO_TERMINATION_USERNAME TWILIO_TERMINATION_PASSWORD
)
known_placeholder() {
  local candidate
  for candidate in "${PLACEHOLDERS[@]}"; do [ "$candidate" = "$1" ] && return 0; done
  return 1
}

[ -d "$source_dir" ] || problem "source directory $source_dir does not exist"
shopt -s nullglob
sources=("$source_dir"/*)
[ ${#sources[@]} -gt 0 ] || problem "source directory $source_dir is empty"

# Every Stasis() in the dialplan must name the application the backend registers.
if [ -f "$source_dir/extensions.conf" ]; then
  stasis_apps=$(sed -n 's/^[^;]*Stasis(\([^,)]*\).*/\1/p' "$source_dir/extensions.conf" | sort -u)
  [ -n "$stasis_apps" ] || problem "extensions.conf has no Stasis() application"
  while IFS= read -r stasis_app; do
    [ -z "$stasis_app" ] || [ "$stasis_app" = "$app_name" ] ||
      problem "extensions.conf sends calls to Stasis($stasis_app) but ARI_APP_NAME is $app_name"
  done <<< "$stasis_apps"
else
  problem "extensions.conf is missing from $source_dir"
fi

fail_if_problems() {
  if [ ${#problems[@]} -gt 0 ]; then
    echo "asterisk: refusing to start, the configuration is incomplete:" >&2
    printf '  - %s\n' "${problems[@]}" >&2
    exit 1
  fi
}
fail_if_problems

render_template() { # template output
  local line name
  while IFS= read -r line || [ -n "$line" ]; do
    while [[ $line =~ \{\{([A-Za-z0-9_]+)\}\} ]]; do
      name=${BASH_REMATCH[1]}
      if ! known_placeholder "$name"; then
        problem "${1##*/} uses an unknown placeholder {{$name}}"
        return 0
      fi
      line=${line//"{{$name}}"/${!name:-}}
    done
    if [[ $line == *'{{'* || $line == *'}}'* ]]; then
      problem "${1##*/} has a malformed placeholder"
      return 0
    fi
    printf '%s\n' "$line"
  done < "$1" > "$2"
}

# Rendered into a staging folder first: a failure leaves the target untouched.
umask 077
staging=$(mktemp -d "${TMPDIR:-/tmp}/asterisk-config.XXXXXX")
trap 'rm -rf "$staging"' EXIT
# Parameter expansion instead of basename, and one cp for all plain files: a
# process per file made rendering cost most of a second of CPU.
plain_files=()
for source in "${sources[@]}"; do
  [ -f "$source" ] || continue
  file=${source##*/}
  case "$file" in
    pjsip_twilio_termination.conf.template)
      if [ $termination -eq 1 ]; then
        render_template "$source" "$staging/${file%.template}"
      else
        printf '; Twilio termination is not configured (TWILIO_TERMINATION_HOST is empty).\n' > "$staging/${file%.template}"
      fi ;;
    *.template) render_template "$source" "$staging/${file%.template}" ;;
    *) plain_files+=("$source") ;;
  esac
done
[ ${#plain_files[@]} -eq 0 ] || cp -- "${plain_files[@]}" "$staging/"
fail_if_problems

mkdir -p "$target_dir"
rendered_files=("$staging"/*)
[ ${#rendered_files[@]} -eq 0 ] || cp -- "${rendered_files[@]}" "$target_dir/"
echo "asterisk: configuration rendered for system name $ASTERISK_SYSTEM_NAME, ARI user $ASTERISK_ARI_USERNAME, app $app_name, external address $ASTERISK_EXTERNAL_ADDRESS$([ $termination -eq 1 ] && echo ", Twilio termination $TWILIO_TERMINATION_HOST" || echo ", no Twilio termination")"
