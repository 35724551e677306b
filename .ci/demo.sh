#!/usr/bin/env bash
# The first README command: builds the server, the CLI and the app; starts a local fieldnotes-server on
# 127.0.0.1:8470 (SQLite in .demo/server.db) with a demo team; makes an encrypted demo store signed in as the
# marketer, with demo accounts, conversations, insights and a lead (first run only); and opens the app on it.
#
# Device tokens and the remembered store key live in an OS keystore. So that this works the same on a desktop and
# on a fresh server, the demo runs in its own D-Bus session with its own gnome-keyring, kept in .demo/keyring.
#
#   FIELDNOTES_DEMO_NO_APP=1   prepare everything and sync, but do not open the app (scripts, screenshots)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
root=$PWD

if [[ -z "${FIELDNOTES_DEMO_INNER:-}" ]]; then
    cmake --preset dev >/dev/null
    cmake --build --preset dev --target fieldnotes fieldnotes-cli fieldnotes-server
    mkdir -p .demo/keyring/data .demo/keyring/runtime
    chmod 0700 .demo .demo/keyring .demo/keyring/runtime
    export XDG_DATA_HOME=$root/.demo/keyring/data XDG_RUNTIME_DIR=$root/.demo/keyring/runtime
    unset DBUS_SESSION_BUS_ADDRESS GNOME_KEYRING_CONTROL
    exec dbus-run-session -- bash -c '
        printf "fieldnotes-demo" | gnome-keyring-daemon --unlock --components=secrets >/dev/null
        FIELDNOTES_DEMO_INNER=1 exec "$0" "$@"' "$0" "$@"
fi

server=build/dev/sync/server/fieldnotes-server
cli=build/dev/sync/cli/fieldnotes-cli
app=build/dev/qml/fieldnotes
db=sqlite:$root/.demo/server.db
url=http://127.0.0.1:8470
store=.demo/store
export FIELDNOTES_PASSPHRASE='demo passphrase, not for real data'
declare -A password=([admin]='demo-admin-password' [marketer]='demo-marketer-password' [sales]='demo-sales-password')
email() { echo "$1@demo.fieldnotes.example"; }

if [[ ! -f .demo/team ]]; then
    echo "== a demo team on the server"
    team=$("$server" team create "Demo Marketing" --db "$db" | tail -1)
    for role in admin marketer sales; do
        "$server" user add --team "$team" --email "$(email $role)" --role $role --password "${password[$role]}" \
            --db "$db" >/dev/null
    done
    echo "$team" > .demo/team
fi

echo "== fieldnotes-server on $url (log: .demo/server.log)"
"$server" serve --listen 127.0.0.1:8470 --db "$db" > .demo/server.out 2> .demo/server.log &
server_pid=$!
trap 'kill $server_pid 2>/dev/null || true' EXIT
for _ in $(seq 100); do
    grep -q '^listening on' .demo/server.out 2>/dev/null && break
    kill -0 $server_pid 2>/dev/null || { echo "the server did not start (port 8470 in use?); see .demo/server.log" >&2; exit 1; }
    sleep 0.1
done

run() { "$cli" --data-dir "$store" "$@"; }
id_of() { python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])'; }
if [[ ! -f $store/vault.json ]]; then
    echo "== an encrypted demo store in $store, signed in as $(email marketer)"
    run init --remember >/dev/null
    run login --server "$url" --email "$(email marketer)" --password "${password[marketer]}" --device-name "demo laptop" >/dev/null
    cat > .demo/accounts.csv <<'CSV'
Account Name,Website,Industry,Account Owner,Contact Name,Title,Email,Phone
Polar Foods,https://www.polarfoods.example,Cold-chain logistics,sam.sales@fieldnotes.example,Ana Lind,Head of Operations,ana.lind@polarfoods.example,+46 8 555 0101
Polar Foods,https://www.polarfoods.example,Cold-chain logistics,sam.sales@fieldnotes.example,Jon Berg,IT Manager,jon.berg@polarfoods.example,
Northwind Clinics,northwind-clinics.example,Healthcare,riley.sales@fieldnotes.example,Dr. Mei Chen,Medical Director,mei.chen@northwind.example,
"Harbor & Rail, Ltd.",harbor-rail.example,Freight,sam.sales@fieldnotes.example,"O'Neil, Pat",Procurement Lead,pat.oneil@harbor-rail.example,
CSV
    run import-accounts .demo/accounts.csv >/dev/null
    polar=$(run list account | grep -m1 'Polar Foods' | id_of)
    clinic=$(run list account | grep -m1 'Northwind' | id_of)
    conv=$(run put conversation --json "{\"account_id\":\"$polar\",\"title\":\"Warehouse walk-through\",
        \"occurred_at\":\"2026-11-20T09:30:00Z\",\"channel\":\"in_person\",\"consent\":true,\"status\":\"final\",
        \"notes\":\"Scanners lose signal behind the freezer doors; staff re-key pallets by hand. They value audit trails for food safety and are looking at offline-first handhelds. Competitor pilot: ColdTrack.\"}" | id_of)
    run put insight --json "{\"conversation_id\":\"$conv\",\"account_id\":\"$polar\",\"kind\":\"need\",
        \"text\":\"Offline scanning inside cold storage\",\"quote\":\"We lose signal the second the freezer door closes.\",
        \"importance\":5,\"published\":true}" >/dev/null
    run put insight --json "{\"conversation_id\":\"$conv\",\"account_id\":\"$polar\",\"kind\":\"competitor\",
        \"text\":\"Piloting ColdTrack handhelds\",\"importance\":4,\"published\":false}" >/dev/null
    conv2=$(run put conversation --json "{\"account_id\":\"$clinic\",\"title\":\"Advisory board chat\",
        \"occurred_at\":\"2026-11-24T15:00:00Z\",\"channel\":\"video\",\"consent\":true,\"status\":\"draft\",
        \"notes\":\"Clinics move scheduling to the patient's phone; they value fewer no-shows over new features.\"}" | id_of)
    run put insight --json "{\"conversation_id\":\"$conv2\",\"account_id\":\"$clinic\",\"kind\":\"trend\",
        \"text\":\"Scheduling moves to the patient's phone\",\"importance\":3,\"published\":true}" >/dev/null
    run put lead --json "{\"account_id\":\"$polar\",\"recommendation\":\"Offer the offline handheld bundle before the ColdTrack pilot ends\",
        \"priority\":1,\"horizon\":\"quarter\",\"status\":\"open\"}" >/dev/null
fi
if ! run status | grep -q '"signed_in":true'; then   # a store from an older demo, or signed out
    run login --server "$url" --email "$(email marketer)" --password "${password[marketer]}" --device-name "demo laptop" >/dev/null
fi
echo "== sync";   run sync
echo "== status"; run status

cat <<EOF

Demo logins (server $url, team in .demo/team):
  admin     $(email admin)      ${password[admin]}
  marketer  $(email marketer)   ${password[marketer]}   <- the app below is signed in as this user
  sales     $(email sales)      ${password[sales]}
Store passphrase (the key is also remembered in the demo keyring): $FIELDNOTES_PASSPHRASE
A sales device, in another terminal while this runs:
  $cli --data-dir .demo/sales init && $cli --data-dir .demo/sales login --server $url --email $(email sales)
EOF

[[ -n "${FIELDNOTES_DEMO_NO_APP:-}" ]] && exit 0
if [[ -z "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ]]; then
    echo "No display: starting the app on a virtual one (Xvfb :99); 'DISPLAY=:99 import -window root shot.png' shows it."
    Xvfb :99 -screen 0 1280x860x24 >/dev/null 2>&1 &
    trap 'kill $server_pid 2>/dev/null || true; kill %2 2>/dev/null || true' EXIT
    export DISPLAY=:99
    sleep 1
fi
echo "== the app (close its window to stop the demo server)"
"$app" --data-dir "$store" "$@"
