#!/usr/bin/env bash
# The first README command: builds fieldnotes-cli and shows the encrypted store at work on a demo store in
# .demo/store (created with demo data on the first run, reused afterwards).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

cmake --preset dev >/dev/null
cmake --build --preset dev -j "$(nproc)" --target fieldnotes-cli
cli=build/dev/sync/cli/fieldnotes-cli
dir=.demo/store
export FIELDNOTES_PASSPHRASE='demo passphrase, not for real data'
run() { "$cli" --data-dir "$dir" "$@"; }

if [[ ! -f $dir/vault.json ]]; then
    echo "== creating an encrypted demo store in $dir"
    run init >/dev/null
    mkdir -p .demo
    cat > .demo/accounts.csv <<'CSV'
Account Name,Website,Industry,Account Owner,Contact Name,Title,Email,Phone
Polar Foods,https://www.polarfoods.example,Cold-chain logistics,sam.sales@fieldnotes.example,Ana Lind,Head of Operations,ana.lind@polarfoods.example,+46 8 555 0101
Polar Foods,https://www.polarfoods.example,Cold-chain logistics,sam.sales@fieldnotes.example,Jon Berg,IT Manager,jon.berg@polarfoods.example,
Northwind Clinics,northwind-clinics.example,Healthcare,riley.sales@fieldnotes.example,Dr. Mei Chen,Medical Director,mei.chen@northwind.example,
"Harbor & Rail, Ltd.",harbor-rail.example,Freight,sam.sales@fieldnotes.example,"O'Neil, Pat",Procurement Lead,pat.oneil@harbor-rail.example,
CSV
    run import-accounts .demo/accounts.csv
    polar=$(run list account | grep -m1 'Polar Foods' | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
    clinic=$(run list account | grep -m1 'Northwind' | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
    conv=$(run put conversation --json "{\"account_id\":\"$polar\",\"title\":\"Warehouse walk-through\",
        \"occurred_at\":\"2026-11-20T09:30:00Z\",\"channel\":\"in_person\",\"consent\":true,\"status\":\"final\",
        \"notes\":\"Scanners lose signal behind the freezer doors; staff re-key pallets by hand. They value audit trails for food safety and are looking at offline-first handhelds. Competitor pilot: ColdTrack.\"}" |
        python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
    run put insight --json "{\"conversation_id\":\"$conv\",\"account_id\":\"$polar\",\"kind\":\"need\",
        \"text\":\"Offline scanning inside cold storage\",\"quote\":\"We lose signal the second the freezer door closes.\",
        \"importance\":5,\"published\":true}" >/dev/null
    run put insight --json "{\"conversation_id\":\"$conv\",\"account_id\":\"$polar\",\"kind\":\"competitor\",
        \"text\":\"Piloting ColdTrack handhelds\",\"importance\":4,\"published\":false}" >/dev/null
    conv2=$(run put conversation --json "{\"account_id\":\"$clinic\",\"title\":\"Advisory board chat\",
        \"occurred_at\":\"2026-11-24T15:00:00Z\",\"channel\":\"video\",\"consent\":true,\"status\":\"draft\",
        \"notes\":\"Clinics move scheduling to the patient's phone; they value fewer no-shows over new features.\"}" |
        python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
    run put insight --json "{\"conversation_id\":\"$conv2\",\"account_id\":\"$clinic\",\"kind\":\"trend\",
        \"text\":\"Scheduling moves to the patient's phone\",\"importance\":3,\"published\":true}" >/dev/null
    run put lead --json "{\"account_id\":\"$polar\",\"recommendation\":\"Offer the offline handheld bundle before the ColdTrack pilot ends\",
        \"priority\":1,\"horizon\":\"quarter\",\"status\":\"open\"}" >/dev/null
fi

echo "== status";                 run status
echo "== accounts";               run list account
echo "== search: freezer";        run search freezer
echo "== search: offline scan";   run search offline scan
echo "== verify";                 run verify
echo
echo "The store is $dir (passphrase: \"$FIELDNOTES_PASSPHRASE\"). Try: $cli --data-dir $dir search value"
