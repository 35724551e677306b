#!/usr/bin/env bash
# Fieldnotes on Debian 12 (bookworm):
#   ./setup.sh          install every package the project needs (idempotent: a second run changes nothing)
#   ./setup.sh demo     install, build, and show the app's engine at work on a demo store
#   ./setup.sh test     install, build, and run every test (the dev preset, then ASan+UBSan)
set -euo pipefail

mode=${1:-install}
case "$mode" in
    install|demo|test) ;;
    *) echo "usage: $0 [install|demo|test]" >&2; exit 2 ;;
esac
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

install_packages() {

# SQLCipher 4.6 (with FTS5) comes from bookworm-backports; stock bookworm has 3.4.1.
backports=/etc/apt/sources.list.d/fieldnotes-bookworm-backports.sources
need_update=0
if ! grep -rqs 'bookworm-backports' /etc/apt/sources.list /etc/apt/sources.list.d/; then
    cat >"$backports" <<'SRC'
Types: deb
URIs: http://deb.debian.org/debian
Suites: bookworm-backports
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
    need_update=1
fi

packages=(
    # toolchain
    build-essential cmake ninja-build ccache pkg-config git clang lld libclang-rt-14-dev
    clang-format clang-tidy
    # Qt 6.4
    qt6-base-dev qt6-base-dev-tools qt6-declarative-dev qt6-declarative-dev-tools
    qt6-tools-dev-tools qt6-l10n-tools libgl-dev
    qt6-httpserver-dev qt6-websockets-dev
    libqt6sql6 libqt6sql6-sqlite libqt6sql6-psql
    qml6-module-qtqml qml6-module-qtqml-workerscript qml6-module-qtquick qml6-module-qtquick-window
    qml6-module-qtquick-controls qml6-module-qtquick-templates qml6-module-qtquick-layouts
    qml6-module-qtquick-dialogs qml6-module-qtqml-models qml6-module-qttest
    qml6-module-qtcore qml6-module-qt-labs-settings qml6-module-qtquick-shapes qml6-module-qt-labs-folderlistmodel
    qt6-qpa-plugins
    # crypto and storage
    libsodium-dev qtkeychain-qt6-dev
    # the server's SQLite backend writes its bulk rows through the C API of the library Qt's driver loads
    libsqlite3-dev
    # tests: server database, keyring, display, skewed clocks (faketime)
    faketime openssl
    postgresql postgresql-client dbus dbus-x11 gnome-keyring libsecret-tools
    xvfb xauth x11-apps imagemagick fonts-dejavu-core
    # tools used by scripts
    python3 curl procps psmisc util-linux
)

missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
sqlcipher_ok=0
if dpkg-query -W -f='${Version}' libsqlcipher-dev 2>/dev/null | grep -q '^4\.'; then sqlcipher_ok=1; fi

if [[ ${#missing[@]} -gt 0 || $sqlcipher_ok -eq 0 ]]; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    if [[ ${#missing[@]} -gt 0 ]]; then
        echo "setup.sh: installing ${missing[*]}"
        apt-get install -y -qq --no-install-recommends "${missing[@]}"
    fi
    if [[ $sqlcipher_ok -eq 0 ]]; then
        echo "setup.sh: installing SQLCipher 4 from bookworm-backports"
        apt-get install -y -qq --no-install-recommends -t bookworm-backports libsqlcipher-dev
    fi
elif [[ $need_update -eq 1 ]]; then
    apt-get update -qq
fi

version=$(dpkg-query -W -f='${Version}' libsqlcipher-dev)
case "$version" in
    4.*) ;;
    *) echo "setup.sh: libsqlcipher-dev $version is not 4.x" >&2; exit 1 ;;
esac
echo "setup.sh: all dependencies present (SQLCipher $version)"
}

if [[ $(id -u) -ne 0 ]]; then
    if ! command -v sudo >/dev/null; then
        echo "setup.sh: run as root (or install sudo)" >&2
        exit 1
    fi
    sudo -E bash "$here/setup.sh" install
else
    install_packages
fi

case "$mode" in
    install) exit 0 ;;
    demo) exec bash "$here/.ci/demo.sh" "${@:2}" ;;
    test) exec bash "$here/.ci/test.sh" ;;
esac
