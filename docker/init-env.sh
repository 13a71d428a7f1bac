#!/bin/sh
# Prepares .env for docker-compose.sip.yml:
#   - creates it from .env.example when it does not exist (mode 0600);
#   - fills every secret that is still empty with a random value (never
#     replaces a value that is set);
#   - lists what only you can provide (public address, provider keys) and exits
#     1 while any of it is missing, so that compose does not start half set up.
# Run it again after editing .env; it prints no secret.
set -eu

root=$(cd "$(dirname "$0")/.." && pwd)
env_file=${ENV_FILE:-$root/.env}
example=$root/.env.example

# Random values use letters and digits only: they go into Asterisk config
# lines and into DATABASE_URL unescaped.
SECRETS="ASTERISK_ARI_PASSWORD MEDIA_GATEWAY_TOKEN POSTGRES_PASSWORD STAFF_100_PASSWORD STAFF_101_PASSWORD OPERATOR_TOKEN"
SECRET_LENGTH=32

umask 077
if [ ! -f "$env_file" ]; then
  cp "$example" "$env_file"
  chmod 600 "$env_file"
  echo "created $env_file from .env.example"
fi

# The value of KEY in the env file (the last assignment wins, as in compose).
value_of() {
  sed -n "s/^$1=//p" "$env_file" | tail -n 1 | sed "s/^\"\(.*\)\"\$/\1/; s/^'\(.*\)'\$/\1/"
}

random_secret() {
  LC_ALL=C tr -dc 'A-Za-z0-9' < /dev/urandom | head -c "$SECRET_LENGTH"
}

generated=""
for key in $SECRETS; do
  if [ -z "$(value_of "$key")" ]; then
    secret=$(random_secret)
    tmp=$(mktemp "$env_file.XXXXXX")
    if grep -q "^$key=" "$env_file"; then
      # Replaces the empty assignment in place (the value has no sed specials).
      sed "s/^$key=.*\$/$key=$secret/" "$env_file" > "$tmp"
    else
      cat "$env_file" > "$tmp"
      printf '%s=%s\n' "$key" "$secret" >> "$tmp"
    fi
    chmod 600 "$tmp"
    mv "$tmp" "$env_file"
    generated="$generated $key"
  fi
done
[ -z "$generated" ] || echo "generated:$generated"

missing=""
describe() { missing="$missing
  $1"; }
[ -n "$(value_of ASTERISK_EXTERNAL_ADDRESS)" ] ||
  describe "ASTERISK_EXTERNAL_ADDRESS  the public IP address of this host (Twilio sends SIP and RTP to it)"
[ -n "$(value_of DEEPGRAM_API_KEY)" ] || describe "DEEPGRAM_API_KEY           speech to text (and the default text to speech)"
[ -n "$(value_of OPENAI_API_KEY)" ] || describe "OPENAI_API_KEY             the language model"
if [ -n "$missing" ]; then
  echo "fill these in $env_file, then run the command again:$missing" >&2
  exit 1
fi
echo "$env_file is complete"
