#!/usr/bin/env bash
# Runs a command on a private headless desktop: an Xvfb display, a D-Bus session bus, and an
# unlocked gnome-keyring (the Secret Service), with throw-away XDG dirs so nothing touches the
# user's own. Everything started here ends with the command.
#   tools/with-desktop.sh COMMAND [ARGS...]
set -euo pipefail
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
export XDG_DATA_HOME="$scratch/data" XDG_CONFIG_HOME="$scratch/config" XDG_CACHE_HOME="$scratch/cache"
export NO_AT_BRIDGE=1
mkdir -p "$XDG_DATA_HOME" "$XDG_CONFIG_HOME" "$XDG_CACHE_HOME"
exec xvfb-run -a -s "-screen 0 1280x800x24 -nolisten tcp" \
  dbus-run-session -- bash -c '
    eval "$(printf ci-password | gnome-keyring-daemon --unlock --components=secrets)"
    export GNOME_KEYRING_CONTROL
    exec "$@"' _ "$@"
