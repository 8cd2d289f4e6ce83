#!/bin/bash
# A Redfish service shaped by someone else: the DMTF's own mockup server
# (../shared/third_party/dmtf-redfish-mockup-server, not the project's
# emulator) serving its public rack-server mockup - once as published, once
# edited the way real services deviate: the BMC known only by Dell's name
# for it, the BIOS only by a RelatedItem written as a bare string, a
# Lenovo-style empty "Pending" slot beside it, Links.ManagedBy as one
# object, and no push URI (a BMC that only pulls).  It serves static
# resources and accepts no images, so this is show and the plan (--dry-run).
. "$(dirname "$0")/../lib/common.sh"
set -e
MOCK="$ROOT/../shared/third_party/dmtf-redfish-mockup-server"
if [ ! -f "$MOCK/redfishMockupServer.py" ] || ! command -v python3 > /dev/null; then
    echo "-- skipped: no DMTF mockup server (../shared/third_party) or no python3 here"
    finish
fi
export SAFEFLASH_REDFISH_PASSWORD=anything
MPIDS=""
trap 'kill $MPIDS 2>/dev/null || true; wait 2>/dev/null; rm -rf "$WORK"' EXIT
"$SFBMC" mkimage --component bios --version 1.46 --size 1000 -o "$WORK/bios.img"

# mock_start DIR: serve DIR's mockup on a free port; sets T.
mock_start() {
    for _ in 1 2 3 4 5; do
        local port; port=$(shuf -i 20000-60000 -n 1)
        python3 "$MOCK/redfishMockupServer.py" -H 127.0.0.1 -p "$port" -D "$1" \
            > "$WORK/mock.log" 2>&1 &
        MPID=$!
        MPIDS="$MPIDS $MPID"
        for _ in $(seq 60); do
            curl -sf -o /dev/null "http://127.0.0.1:$port/redfish/v1" && break
            sleep 0.1
        done
        if curl -sf -o /dev/null "http://127.0.0.1:$port/redfish/v1"; then
            T="redfish://admin@127.0.0.1:$port"
            return 0
        fi
        kill "$MPID" 2>/dev/null || true
    done
    fail "the mockup server did not start: $(tail -5 "$WORK/mock.log")"
    finish
}

step "the DMTF public rack-server mockup as published"
cp -r "$MOCK/mockups/public-rackmount1" "$WORK/as-published"
mock_start "$WORK/as-published"
expect_exit 0 "$SF" show "$T" --plain-http
expect_contains "how it takes images" "$OUT" "images by push (HttpPushUri)"
expect_contains "the BMC by its Manager link" "$OUT" "  bmc              1.45.455b66-rev4"
expect_contains "the BIOS by its system link" "$OUT" "  bios             P79 v1.45"
expect_exit 0 "$SF" show "$T" --plain-http --json
expect_eq "what --component takes" "$(jq -r '[.firmware[] | .component] | join(" ")' <<<"$OUT")" "bmc SS bios"
expect_exit 0 "$SF" install "$WORK/bios.img" "$T" --component bios --plain-http --dry-run
expect_contains "the plan" "$OUT" "Plan for $T: push every image (dry run)"
expect_contains "the BIOS, staged for the host's reset" "$OUT" "Contoso BIOS Firmware P79 v1.45 -> the image's version, pushed (HttpPushUri), staged for the host's next reset (1092 bytes)"
kill "$MPID"; wait "$MPID" 2>/dev/null || true

step "the same mockup, written as real services deviate from it"
D="$WORK/deviant"
cp -r "$MOCK/mockups/public-rackmount1" "$D"
FI="$D/redfish/v1/UpdateService/FirmwareInventory"
edit() { jq "$2" "$1" > "$1.new" && mv "$1.new" "$1"; }
# The BMC by Dell's name for it alone: no Id word, no RelatedItem.
edit "$FI/BMC/index.json" '.Name = "Integrated Dell Remote Access Controller" | .Id = "25227" | del(.RelatedItem)'
# The BIOS by a RelatedItem written as a bare string, and no BIOS word.
edit "$FI/BIOS/index.json" '.Name = "Contoso Firmware" | .Id = "F1" | .RelatedItem = "/redfish/v1/Systems/437XR1138R2"'
# Lenovo's empty pending slot beside it.
mkdir "$FI/BIOS-Pending"
jq '.Id = "F1-Pending" | .Name = "Contoso Firmware Pending" | .Version = null | ."@odata.id" = "/redfish/v1/UpdateService/FirmwareInventory/BIOS-Pending" | .Status.State = "Disabled"' \
    "$FI/BIOS/index.json" > "$FI/BIOS-Pending/index.json"
edit "$FI/index.json" '.Members += [{"@odata.id": "/redfish/v1/UpdateService/FirmwareInventory/BIOS-Pending"}]'
edit "$D/redfish/v1/Systems/437XR1138R2/index.json" '.Links.ManagedBy = .Links.ManagedBy[0]'
# No push URI: this BMC only pulls.
edit "$D/redfish/v1/UpdateService/index.json" 'del(.HttpPushUri) | del(.HttpPushUriOptions)'
mock_start "$D"
expect_exit 0 "$SF" show "$T" --plain-http
expect_contains "shown, though it only pulls" "$OUT" "images by pull only (SimpleUpdate"
expect_contains "the BMC by its vendor's name" "$OUT" "  bmc              1.45.455b66-rev4"
expect_contains "the BIOS by its RelatedItem string" "$OUT" "  bios             P79 v1.45"
expect_contains "the empty slot is no second BIOS" "$OUT" "F1-Pending"
expect_exit 10 "$SF" install "$WORK/bios.img" "$T" --component bios --plain-http --dry-run
one_line "a push refused in one line" "$ERR"
expect_contains "with the way out" "$ERR" "use --pull URL"
expect_exit 0 "$SF" install --pull "http://127.0.0.1:1/bios.img" "$T" --component bios --plain-http --dry-run
expect_contains "a pull is planned" "$OUT" "Contoso Firmware P79 v1.45 -> the image's version, pulled by the BMC (SimpleUpdate), staged for the host's next reset"
finish
