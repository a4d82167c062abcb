#!/usr/bin/env bash
# Signed updates on a simulated device, against a real local server: keys
# provisioned with `sim init --pubkey` reach both the bootloader and the
# service; the factory image must be signed; every refusal is printed with
# its reason; key rotation with `sim keys`; a Golden entry; expiry with a
# trusted time.
source "$(dirname "$0")/lib.sh"
cd "$WORK"
start_server

# Two signing keys (the release key and its successor) and a key of another curve.
for k in old new; do
  expect_rc 0 "$SYSOTA" key gen -o "$k.pem"
  expect_rc 0 "$SYSOTA" key pub "$k.pem" -o "$k.pub.pem"
  eval "${k}_id=\$(sed -n 's/^Key id: //p' \"\$WORK/out\")"
done
openssl ecparam -name secp384r1 -genkey -noout -out p384.pem 2>/dev/null
openssl ec -in p384.pem -pubout -out p384.pub.pem 2>/dev/null

# publish KEY VERSION [manifest add options...]: a signed entry for app_vVERSION.bin.
publish() {
  local key=$1 v=$2
  shift 2
  expect_rc 0 "$SYSOTA" manifest add "$WORK/www/manifest.json" --image "$WORK/www/app_v$v.bin" --version "$v" \
    --url "$URL/app_v$v.bin" --sign-image "$key.pem" "$@"
}
# sign KEY [manifest sign options...]: the manifest's .sig, with the next Sequence.
sign() {
  local key=$1
  shift
  expect_rc 0 "$SYSOTA" manifest sign "$WORK/www/manifest.json" --key "$key.pem" "$@"
}

"$SYSOTA" sim mkimage --version 1 --size 6000 -o v1.bin >/dev/null
for v in 2 3 4 5 6; do image $v 20K >/dev/null; done

# ---- provisioning: keys at init --------------------------------------------------

# A third key, a P-384 key, a private key, a key given twice: refused, no folder left.
expect_rc 1 "$SYSOTA" sim init bad --pubkey old.pub.pem --pubkey new.pub.pem --pubkey old.pub.pem
expect_line 'at most 2 keys at once'
expect_rc 1 "$SYSOTA" sim init bad --pubkey p384.pub.pem
expect_line 'p384.pub.pem: a key, but not ECDSA P-256'
expect_rc 1 "$SYSOTA" sim init bad --pubkey old.pem
expect_line 'old.pem: a private key: a device holds the public half only'
expect_rc 1 "$SYSOTA" sim init bad --pubkey old.pub.pem --pubkey old.pub.pem
expect_line 'given twice'
[ ! -e bad ] || fail "a refused init left a folder"

expect_rc 0 "$SYSOTA" sim init dev --manifest "$URL/manifest.json" --pubkey old.pub.pem --hardware-id board-a
expect_line "^  trusted keys    $old_id: signed manifests and images only$"
expect_line '^  hardware id     board-a$'
expect_eq "keys after init" "$(json dev 's["security"]["keys"], s["security"]["hardware_id"]')" "['$old_id'] board-a"
expect_rc 2 "$SYSOTA" sim config dev keys=
expect_line 'sysota sim keys'

# ---- provisioning: the factory image ---------------------------------------------

# Unsigned, or signed by a key the device does not trust: refused, nothing programmed.
expect_rc 1 "$SYSOTA" sim flash dev v1.bin
expect_line "dev trusts key $old_id, and v1.bin is not signed"
expect_rc 1 "$SYSOTA" sim flash dev v1.bin --sign-key new.pem
expect_line 'does not verify over its SHA-256 with any key dev'
expect_eq "record after refused flashes" "$(json dev 's["running"]["record"]')" False
# A signature file of the wrong length; --signature with --sign-key.
head -c 63 /dev/zero >short.sig64
expect_rc 1 "$SYSOTA" sim flash dev v1.bin --signature short.sig64
expect_line '63 bytes; a signature is 64 bytes'
expect_rc 2 "$SYSOTA" sim flash dev v1.bin --signature short.sig64 --sign-key old.pem

# --unsigned-factory: programmed, trusted by its digest; no signature kept.
expect_rc 0 "$SYSOTA" sim flash dev v1.bin --unsigned-factory
expect_line 'unsigned factory image \(--unsigned-factory\)'
expect_eq "store after an unsigned factory" "$(json dev 'len(s["store"])')" 0

# The signature as `manifest add --sign-image` writes it (base64 of r||s), decoded: programmed, kept as v1.sig.
expect_rc 0 "$SYSOTA" manifest add scratch.json --image v1.bin --version 1 --url "$URL/v1.bin" --sign-image old.pem
"$PY" -c 'import json,sys; print(json.load(open("scratch.json"))["ota"][0]["Signature"])' | base64 -d >v1.sig64
expect_rc 0 "$SYSOTA" sim flash dev v1.bin --signature v1.sig64
expect_line "^  signature: by trusted key $old_id, kept in the store as v1.sig$"
cmp -s dev/store/v1.sig v1.sig64 || fail "the store does not hold the factory image's signature as v1.sig"
expect_rc 0 "$SYSOTA" sim flash dev v1.bin --sign-key old.pem
expect_line 'kept in the store as v1.sig'

# ---- a signed update end to end ---------------------------------------------------

publish old 2 --floor 2
sign old --hardware-id board-a
expect_rc 0 "$SYSOTA" manifest check "$WORK/www/manifest.json" --pubkey old.pub.pem --images "$WORK/www"
expect_rc 0 "$SYSOTA" sim run dev --until ready
expect_line '^app v1: first start after the factory programmer: golden copy of v1 kept'
expect_line '^check: manifest signature valid, Sequence 1 accepted$'
expect_line '^verify v2: ok \(SHA-256 matches the manifest, Signature by a trusted key\)$'
expect_eq "security while v2 waits" "$(json dev 's["security"]["sequence"], s["security"]["floor"], s["security"]["pending_floor"], s["security"]["pending_version"]')" "1 0 2 2"
# The bootloader holds the keys too: on a copy of the device, v2's signature
# in the store swapped for another image's makes it refuse v2 before erasing anything.
cp -a dev swapped
cp swapped/store/v1.sig swapped/store/v2.sig
expect_rc 0 "$SYSOTA" sim run swapped --until boot
expect_line '^boot: 1 candidate\(s\) passed over \(failed verification or unreadable\)$'
expect_eq "swapped: still v1" "$(json swapped 's["running"]["version"], [i["status"] for i in s["images"] if i["version"] == 2]')" "1 ['F0']"
expect_rc 0 "$SYSOTA" sim run dev --until confirmed
expect_line '^boot: installed v2 \(first boot, attempt 1 of 3\)$'
expect_line '^app v2: confirmed'
expect_eq "running after the signed update" "$(json dev 's["running"]["version"], s["running"]["status"]')" "2 F8"
expect_eq "security after confirming v2" "$(json dev 's["security"]["keys"], s["security"]["sequence"], s["security"]["floor"], s["security"]["pending_floor"]')" "['$old_id'] 1 2 0"
expect_eq "signatures kept" "$(json dev 'sorted(f["name"] for f in s["store"] if f["name"].endswith(".sig"))')" "['v1.sig', 'v2.sig']"
expect_rc 0 "$SYSOTA" sim status dev
expect_line "^security: key $old_id \(signed manifests and images only\), hardware id board-a$"
expect_line '^  manifest Sequence 1 accepted \(an older one is refused\); floor v2'

# ---- refusals ------------------------------------------------------------------------

# The genuine manifest of Sequence 1, kept to replay it later.
cp www/manifest.json seq1.json
cp www/manifest.json.sig seq1.json.sig
publish old 3
sign old
cp www/manifest.json seq2.json

# One byte changed on the server after signing: refused before any entry is read.
sed -i 's/"Version": 3/"Version": 4/' www/manifest.json
cmp -s www/manifest.json seq2.json && fail "the tampering changed nothing"
expect_rc 1 "$SYSOTA" sim run dev --until idle
expect_line '^check refused: OTA_ERR_SIGNATURE \(signature does not verify\)$'
expect_line "^  its .sig does not verify over the manifest as served"
expect_line 'run: idle not reached: the update check failed: OTA_ERR_SIGNATURE'
expect_eq "sequence after a tampered manifest" "$(json dev 's["security"]["sequence"]')" 1

# The genuine one again: Sequence 2 accepted, v3 installed.
cp seq2.json www/manifest.json
expect_rc 0 "$SYSOTA" sim run dev --until confirmed
expect_line '^check: manifest signature valid, Sequence 2 accepted$'
expect_eq "after v3" "$(json dev 's["running"]["version"], s["security"]["sequence"]')" "3 2"

# The older genuine manifest (Sequence 1) served again: a replay, refused.
cp seq1.json www/manifest.json
cp seq1.json.sig www/manifest.json.sig
expect_rc 1 "$SYSOTA" sim run dev --until idle
expect_line '^check refused: OTA_ERR_REPLAY \(manifest older than the last one accepted \(replay\)\)$'
expect_line '^  this device has accepted Sequence 2'
cp seq2.json www/manifest.json
sign old

# A manifest for other hardware.
sign old --hardware-id board-b
expect_rc 1 "$SYSOTA" sim run dev --until idle
expect_line '^check refused: OTA_ERR_HARDWARE \(manifest for other hardware\)$'
expect_line "^  its HardwareId is not this device's \(board-a\)"
sign old --hardware-id board-a

# No .sig at all: unsigned.
mv www/manifest.json.sig held.sig
expect_rc 1 "$SYSOTA" sim run dev --until idle
expect_line '^check refused: OTA_ERR_UNSIGNED'
mv held.sig www/manifest.json.sig

# An entry whose Signature is another image's (the manifest itself signed):
# the download is refused at verification and deleted.
publish old 4
publish old 5
"$PY" - www/manifest.json <<'PYEOF'
import json, sys
path = sys.argv[1]
text = open(path).read()
sig = {e["Version"]: e["Signature"] for e in json.loads(text)["ota"]}
open(path, "w").write(text.replace(sig[5], sig[4]))
PYEOF
sign old
expect_rc 1 "$SYSOTA" sim run dev --until idle
expect_line '^verify v5: FAILED: OTA_ERR_SIGNATURE \(signature does not verify\), the file is deleted$'
expect_line "^  the entry's Signature is not by a trusted key over the image's SHA-256$"
expect_eq "store after a refused image" "$(json dev '[f["name"] for f in s["store"] if "v5" in f["name"]]')" "[]"

# Expires: without a trusted time it is not checked; with one past it, refused.
publish old 5
sign old --expires 2090-01-01T00:00:00Z
expect_rc 1 "$SYSOTA" sim run dev --until idle --trusted-time 2091-01-01T00:00:00Z
expect_line '^check refused: OTA_ERR_EXPIRED \(manifest expired\)$'
expect_line "^  its Expires is before the device's trusted time \(2091-01-01T00:00:"
expect_rc 2 "$SYSOTA" sim run dev --trusted-time yesterday
expect_rc 0 "$SYSOTA" sim run dev --until confirmed --trusted-time 2089-12-31T00:00:00Z
expect_eq "after v5" "$(json dev 's["running"]["version"]')" 5

# ---- key rotation -----------------------------------------------------------------------

# The device gets a firmware carrying both keys; releases move to the new key.
expect_rc 0 "$SYSOTA" sim keys dev --pubkey old.pub.pem --pubkey new.pub.pem
expect_line '^dev: 2 keys'
expect_rc 1 "$SYSOTA" sim keys dev --pubkey old.pub.pem --pubkey new.pub.pem --pubkey old.pub.pem
expect_line 'at most 2 keys at once'
expect_eq "keys during the rotation" "$(json dev 's["security"]["keys"]')" "['$old_id', '$new_id']"
publish new 6
sign new
expect_rc 0 "$SYSOTA" sim run dev --until confirmed
expect_line '^boot: installed v6'
# Then the old key is retired: a manifest it signs is refused by its key id.
expect_rc 0 "$SYSOTA" sim keys dev --pubkey new.pub.pem
expect_eq "keys after the rotation" "$(json dev 's["security"]["keys"]')" "['$new_id']"
sign old
expect_rc 1 "$SYSOTA" sim run dev --until idle
expect_line '^check refused: OTA_ERR_KEY_UNKNOWN \(signed with a key the device does not trust\)$'
expect_line "^  its .sig names a key this device does not trust \(it trusts $new_id\)"
sign new
expect_rc 0 "$SYSOTA" sim run dev --until idle
expect_rc 0 "$SYSOTA" sim keys dev
expect_line "^  key id $new_id$"

# ---- a Golden entry replaces the golden copy ------------------------------------------

expect_eq "golden before" "$(json dev 's["golden"]["version"]')" 1
publish new 4 --golden
sign new
expect_rc 0 "$SYSOTA" sim run dev --until idle
expect_line '^golden image replaced: factory.bin is now v4 \(signed Golden entry\)$'
expect_eq "golden after" "$(json dev 's["golden"]["version"], s["running"]["version"]')" "4 6"
expect_eq "golden row" "$(json dev '[i["version"] for i in s["images"] if i["name"] == "factory.bin"]')" "[4]"
cmp -s dev/store/factory.bin www/app_v4.bin || fail "factory.bin is not the new golden image"
expect_rc 0 "$SYSOTA" sim status dev
expect_line '^golden: v4$'

# ---- a device without keys: the original's unsigned updates ----------------------------

expect_rc 0 "$SYSOTA" sim keys dev --none
expect_line 'no key \(compatibility mode'
expect_eq "no keys" "$(json dev 's["security"]["keys"]')" "[]"
echo "ok"
