#!/bin/sh
# Runs a command against a private, unlocked GNOME Keyring (Secret Service) on a private D-Bus session bus,
# so keystore tests exercise the real QtKeychain -> libsecret -> D-Bus -> gnome-keyring path headless (CI, root,
# no display) without ever touching the invoking user's own keyring: HOME and the XDG directories point into a
# temporary directory that is removed afterwards.
#
#   with-keyring.sh <command> [args...]
set -eu

if [ "$#" -eq 0 ]; then
    echo "usage: $0 command [args...]" >&2
    exit 2
fi
for tool in dbus-run-session gnome-keyring-daemon; do
    if ! command -v "$tool" >/dev/null 2>&1; then
        echo "$0: $tool is not installed (Debian: dbus-daemon, gnome-keyring)" >&2
        exit 1
    fi
done

scratch=$(mktemp -d "${TMPDIR:-/tmp}/fieldnotes-keyring.XXXXXX")
trap 'rm -rf "$scratch"' EXIT INT TERM

export HOME="$scratch/home"
export XDG_DATA_HOME="$scratch/data"        # login.keyring is created here
export XDG_CONFIG_HOME="$scratch/config"
export XDG_CACHE_HOME="$scratch/cache"
export XDG_RUNTIME_DIR="$scratch/runtime"   # the daemon's control socket
mkdir -p "$HOME" "$XDG_DATA_HOME" "$XDG_CONFIG_HOME" "$XDG_CACHE_HOME" "$XDG_RUNTIME_DIR"
chmod 0700 "$scratch" "$XDG_RUNTIME_DIR"
unset DBUS_SESSION_BUS_ADDRESS GNOME_KEYRING_CONTROL DISPLAY WAYLAND_DISPLAY
# Tells the test it is inside this sandbox; it refuses to run (fails) otherwise.
export FIELDNOTES_TEST_KEYRING=1

# --unlock reads the login keyring's password from stdin and creates the keyring with it. The password must not
# be empty: with an empty one gnome-keyring asks a GUI prompter instead, which fails without a display and
# leaves no default collection ("Object does not exist at path .../collection/login").
# Not exec'd, so the trap above still cleans up; `set -e` propagates the command's exit status.
dbus-run-session -- sh -c '
    printf "fieldnotes-test" | gnome-keyring-daemon --unlock --components=secrets >/dev/null
    exec "$@"' sh "$@"
