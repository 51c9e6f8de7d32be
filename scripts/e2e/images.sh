#!/usr/bin/env bash
# Builds the two images the e2e test runs, as OCI archives (there is no registry here):
#   pause.tar    localhost/swcni-e2e/pause:1    a static C pause process, the CRI sandbox image
#   busybox.tar  localhost/swcni-e2e/busybox:1  Debian's static busybox with the applets the test uses
#   images.sh OUT_DIR
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out=$1
mkdir -p "$out"
gcc -static -Os -s -o "$out/pause" "$here/pause.c"
python3 "$here/oci.py" "$out/pause.tar" localhost/swcni-e2e/pause:1 --entrypoint '["/pause"]' --file /pause="$out/pause"
links=()
for a in sh httpd wget timeout ip hostname echo cat ls ps sleep kill mkdir; do links+=(--link "/bin/$a=busybox"); done
python3 "$here/oci.py" "$out/busybox.tar" localhost/swcni-e2e/busybox:1 --cmd '["sh"]' \
    --file /bin/busybox="$(command -v busybox)" "${links[@]}" --dir /www --dir /tmp --dir /etc --dir /root
