#!/usr/bin/env bash
# `sysota sim run` against a real local server: the --until conditions,
# progress lines, failures that stop a run, and TLS.
source "$(dirname "$0")/lib.sh"
cd "$WORK"
start_server

"$SYSOTA" sim mkimage --version 1 --size 6000 -o v1.bin >/dev/null
image 2 256K >/dev/null
"$SYSOTA" sim init dev --manifest "$URL/manifest.json" >/dev/null
"$SYSOTA" sim flash dev v1.bin >/dev/null

# No manifest on the server: the check fails with the HTTP status, the run says why.
expect_rc 1 "$SYSOTA" sim run dev --until idle
expect_line 'check failed: OTA_ERR_HTTP_STATUS'
expect_line 'run: idle not reached: the update check failed: OTA_ERR_HTTP_STATUS'
expect_eq "result of a failed run" "$(json dev 's["last_run"]["result"]')" failed

# --retries N: the run lives through N failures, each followed by the
# service's next periodic check (simulated time), and ends at the next one.
expect_rc 1 "$SYSOTA" sim run dev --until idle --check-now --retries 2
expect_eq "checks of a run with 2 retries" "$(grep -c '^check failed: OTA_ERR_HTTP_STATUS' "$WORK/out")" 3
expect_line '^retry: failure 1 of at most 2; the service tries again at its next check$'
expect_line '^retry: failure 2 of at most 2; '
expect_line 'run: idle not reached: the update check failed: OTA_ERR_HTTP_STATUS'

# --until ready: downloaded (progress by quarters), verified, published; not yet installed.
manifest manifest.json 2
expect_rc 0 "$SYSOTA" sim run dev --until ready
expect_line '^check: v2 available \(running v1\)$'
expect_line '^download v2: [1-9][0-9]?% [0-9]+/262144 bytes$'
expect_line '^download v2: 100% 262144/262144 bytes$'
expect_line '^verify v2: ok'
expect_line '^update ready: v2 stored with row FE, running v1 marked F0'
expect_line '^run: ready reached \(1 boot, 0 resets'
expect_eq "record after ready" "$(json dev 's["running"]["version"], s["running"]["status"]')" "1 F0"
expect_eq "v2 row after ready" "$(json dev '[i["status"] for i in s["images"] if i["version"] == 2]')" "['FE']"

# --until confirmed: the bootloader installs v2, the application confirms it.
expect_rc 0 "$SYSOTA" sim run dev --until confirmed
expect_line '^boot: installed v2 \(first boot, attempt 1 of 3\)$'
expect_line '^app v2: confirmed \(record and row F8\)$'
expect_line '^check: no update \(running v2\)$'
expect_eq "running after confirmed" "$(json dev 's["running"]["version"], s["running"]["status"], s["running"]["flash_ok"]')" "2 F8 True"
expect_eq "v2 row after confirmed" "$(json dev '[i["status"] for i in s["images"] if i["version"] == 2]')" "['F8']"

# --until idle with nothing to do: one check, no download, a direct jump.
expect_rc 0 "$SYSOTA" sim run dev --until idle --check-now
expect_line 'direct jump'
expect_line '^check: no update \(running v2\)$'
grep -q '^download' "$WORK/out" && fail "a run with nothing to do downloaded"

# A digest that does not match: verification fails, nothing is published.
image 3 4000 >/dev/null
manifest manifest.json 3
cp "$WORK/www/app_v2.bin" "$WORK/www/app_v3.bin"
expect_rc 1 "$SYSOTA" sim run dev --until idle
expect_line '^verify v3: FAILED'
expect_line 'the download failed verification: OTA_ERR_DIGEST'
expect_eq "images after a bad digest" "$(json dev 'sorted(i["version"] for i in s["images"])')" "[1, 2]"
expect_eq "store after a bad digest" "$(json dev 'sorted(f["name"] for f in s["store"])')" "['app_v2.bin', 'factory.bin', 'image_database.csv']"

# The periodic timer alone triggers a check (simulated time runs fast while idle),
# and with periodic checks off and no --check-now the run times out.
image 3 4000 >/dev/null
manifest manifest.json 2
expect_rc 0 "$SYSOTA" sim run dev --until idle
expect_line '^check: no update'
expect_rc 0 "$SYSOTA" sim config dev periodic=no
expect_rc 1 "$SYSOTA" sim run dev --until idle --timeout 1
expect_line 'time is up'
expect_rc 0 "$SYSOTA" sim config dev periodic=yes

# --verbose adds the core's log lines.
expect_rc 0 "$SYSOTA" sim run dev --until idle -v
expect_line '^  log: .*running version'

# A store too small for the update: the download fails, nothing is published.
expect_rc 0 "$SYSOTA" sim init small --manifest "$URL/manifest.json" --store-size 100K
"$SYSOTA" sim flash small v1.bin >/dev/null
expect_rc 1 "$SYSOTA" sim run small --until ready
expect_line '^download v2 failed: OTA_ERR_NO_SPACE'
expect_eq "rows of the small store" "$(json small 'sorted(i["version"] for i in s["images"])')" "[1]"
expect_eq "files of the small store" "$(json small 'sorted(f["name"] for f in s["store"])')" "['factory.bin', 'image_database.csv']"
expect_eq "still running v1" "$(json small 's["running"]["version"], s["running"]["status"]')" "1 F8"

# require_tls refuses a plain http:// manifest.
expect_rc 0 "$SYSOTA" sim config dev require_tls=yes
expect_rc 1 "$SYSOTA" sim run dev --until idle
expect_line 'OTA_ERR_TLS_REQUIRED'

# HTTPS (nginx only): refused without the test CA, fine with it (--ca-file at init).
if [ "$(cat "$SERVER_STATE/kind")" = nginx ]; then
  HURL=$(cat "$SERVER_STATE/https_url")
  URL=$HURL manifest tls.json 3
  expect_rc 1 "$SYSOTA" sim run dev --until idle --manifest "$HURL/tls.json"
  expect_line '^check failed: OTA_ERR_TLS_UNKNOWN_ISSUER \(TLS: the certificate is not from a trusted CA\)$'
  expect_rc 0 "$SYSOTA" sim init tdev --manifest "$HURL/tls.json" --ca-file "$SERVER_STATE/ca.crt"
  "$SYSOTA" sim flash tdev v1.bin >/dev/null
  "$SYSOTA" sim config tdev require_tls=yes
  expect_rc 0 "$SYSOTA" sim run tdev --until confirmed
  expect_line '^boot: installed v3'
  expect_eq "running over https" "$(json tdev 's["running"]["version"], s["running"]["status"]')" "3 F8"
  # Behind nginx's redirects (308 for the manifest, 301 for the image): followed.
  image 4 4000 >/dev/null
  URL="$HURL/r301" manifest moved.json 4
  expect_rc 0 "$SYSOTA" sim run tdev --until confirmed --manifest "$HURL/r308/moved.json"
  expect_line '^boot: installed v4'
else
  echo "(no nginx: HTTPS part skipped)"
fi
echo "ok"
