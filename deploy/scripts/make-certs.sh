#!/usr/bin/env bash
# Makes a local certificate authority and a server certificate for one site,
# for admit-server's [server] tls_cert / tls_key and the kiosks' --ca.
#
# Usage: deploy/scripts/make-certs.sh OUT_DIR [NAME ...]
#   NAME: DNS names or IP addresses the server is reached by
#         (default: localhost 127.0.0.1 ::1)
# Writes OUT_DIR/ca.crt (give to kiosks), OUT_DIR/ca.key (keep offline),
# OUT_DIR/server.crt and OUT_DIR/server.key (mode 0600) for the server.
# An existing CA in OUT_DIR is reused, so several sites can share one.
set -euo pipefail
if [[ $# -lt 1 || "$1" == -h || "$1" == --help ]]; then
    sed -n '2,10p' "$0"
    exit 2
fi
out="$1"
shift
names=("$@")
[[ ${#names[@]} -eq 0 ]] && names=(localhost 127.0.0.1 ::1)
command -v openssl >/dev/null || { echo "make-certs: openssl is missing (apt-get install openssl)" >&2; exit 1; }
mkdir -p "$out"
umask 077

if [[ ! -f "$out/ca.key" ]]; then
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 825 \
        -subj "/CN=admit local CA" -keyout "$out/ca.key" -out "$out/ca.crt" 2>/dev/null
    echo "make-certs: new CA in $out/ca.crt"
fi

san=""
for n in "${names[@]}"; do
    if [[ "$n" =~ ^[0-9.]+$ || "$n" == *:* ]]; then san+="IP:$n,"; else san+="DNS:$n,"; fi
done
san="${san%,}"

openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=${names[0]}" \
    -keyout "$out/server.key" -out "$out/server.csr" 2>/dev/null
openssl x509 -req -in "$out/server.csr" -CA "$out/ca.crt" -CAkey "$out/ca.key" -CAcreateserial \
    -days 397 -out "$out/server.crt" \
    -extfile <(printf "subjectAltName=%s\nextendedKeyUsage=serverAuth\nbasicConstraints=CA:FALSE\n" "$san") 2>/dev/null
rm -f "$out/server.csr"
chmod 0644 "$out/ca.crt" "$out/server.crt"
echo "make-certs: $out/server.crt for $san (key $out/server.key)"
