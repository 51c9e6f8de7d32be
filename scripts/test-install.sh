#!/usr/bin/env bash
# The release build as users get it, checked end to end:
# 1. scripts/install --prefix "$tmp": the files (systemd units included), one inode for every plugin, the demo against $tmp,
#    a foreign file refused without --force, --uninstall leaving $tmp as it found it;
# 2. scripts/package-deb: its file list and control fields, then installed for real with dpkg in a
#    private mount namespace whose /usr, /var and /etc are overlays on the machine's (so the
#    machine's own files and dpkg database are untouched: Debian's containernetworking-plugins is
#    replaced only in there), and the demo against /usr/libexec/cni.
# Each demo runs in scripts/isolated.sh: its namespaces never reach the machine's /run/netns.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh
scripts/build-release.sh
plugins=$(.build/release/swift-cni --list)
fail() { echo "test-install: $*" >&2; exit 1; }
say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

# Not under /tmp: the demos run in scripts/isolated.sh (their namespaces in a private /run/netns),
# which gives them a /tmp of their own.
mkdir -p .build
tmp=$(mktemp -d "$PWD/.build/install-test.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

say "scripts/install --prefix $tmp"
scripts/install --prefix "$tmp" --bindir "$tmp" --datadir "$tmp/share" --unitdir "$tmp/units"
inode=$(stat -c %i "$tmp/swift-cni")
for p in $plugins; do
    [ "$(stat -c %i "$tmp/$p")" = "$inode" ] || fail "$tmp/$p is not a hard link to swift-cni"
done
for f in cnitool share/man/man1/cnitool.1 share/man/man8/swift-cni.8 share/bash-completion/completions/cnitool \
         share/zsh/site-functions/_cnitool share/fish/vendor_completions.d/cnitool.fish .swift-cni.manifest \
         units/cni-dhcp.service units/cni-dhcp.socket; do
    [ -s "$tmp/$f" ] || fail "$tmp/$f was not installed"
done
grep -qF "holds the CNI plugins $(echo $plugins | sed 's/ /, /g')." "$tmp/share/man/man8/swift-cni.8" \
    || fail "swift-cni(8) does not list the plugins"
for page in man1/cnitool.1 man8/swift-cni.8; do
    [ "$(man -l "$tmp/share/man/$page" 2>&1 >/dev/null)" = "" ] || fail "$page: $(man -l "$tmp/share/man/$page" 2>&1 >/dev/null)"
done
grep -qxF "ExecStart=$tmp/dhcp daemon" "$tmp/units/cni-dhcp.service" || fail "cni-dhcp.service does not start $tmp/dhcp"
if command -v systemd-analyze >/dev/null; then
    systemd-analyze verify --man=no "$tmp/units/cni-dhcp.socket" "$tmp/units/cni-dhcp.service" || fail "systemd-analyze verify: the units"
else
    echo "test-install: systemd-analyze missing: the dhcp units' syntax is not verified"
fi
scripts/isolated.sh scripts/demo.sh --cni-path "$tmp" --cnitool "$tmp/cnitool"

say "a foreign file of the same name is refused without --force"
rm "$tmp/loopback" && echo foreign > "$tmp/loopback"
if scripts/install --prefix "$tmp" --bindir "$tmp" --datadir "$tmp/share" --unitdir "$tmp/units" 2>/dev/null; then fail "replaced a foreign file"; fi
[ "$(cat "$tmp/loopback")" = foreign ] || fail "the foreign file changed"
forced=$(scripts/install --prefix "$tmp" --bindir "$tmp" --datadir "$tmp/share" --unitdir "$tmp/units" --force 2>&1)
grep -q "replaced $tmp/loopback" <<< "$forced" || fail "--force did not say what it replaced: $forced"
scripts/install --prefix "$tmp" --uninstall >/dev/null
[ -z "$(ls -A "$tmp")" ] || fail "--uninstall left: $(cd "$tmp" && find . | tr '\n' ' ')"
echo "install, refusal, --force and --uninstall: as expected"

say "scripts/package-deb"
deb=$(scripts/package-deb --output "$tmp/deb")
dpkg-deb -f "$deb" Package Conflicts Replaces Provides
expected=$( (
    printf '%s\n' ./usr/lib/cni/swift-cni ./usr/bin/cnitool ./usr/share/man/man1/cnitool.1.gz ./usr/share/man/man8/swift-cni.8.gz \
        ./usr/share/bash-completion/completions/cnitool ./usr/share/zsh/vendor-completions/_cnitool \
        ./usr/share/fish/vendor_completions.d/cnitool.fish ./usr/share/doc/swift-cni/copyright ./usr/share/doc/swift-cni/changelog.gz \
        ./lib/systemd/system/cni-dhcp.service ./lib/systemd/system/cni-dhcp.socket
    for p in $plugins; do echo "./usr/lib/cni/$p"; echo "./usr/libexec/cni/$p -> ../../lib/cni/$p"; done) | sort)
actual=$(dpkg-deb -c "$deb" | grep -v '^d' | awk '{ $1=$2=$3=$4=$5=""; sub(/^ +/, ""); sub(/ link to .*/, ""); print }' | sort)
[ "$expected" = "$actual" ] || fail "unexpected file list:
$(diff <(echo "$expected") <(echo "$actual"))"
dpkg-deb --fsys-tarfile "$deb" | tar -xO ./lib/systemd/system/cni-dhcp.service | grep -qxF "ExecStart=/usr/lib/cni/dhcp daemon" \
    || fail "the .deb's cni-dhcp.service does not start /usr/lib/cni/dhcp"
[ "$(dpkg-deb -f "$deb" Conflicts)" = containernetworking-plugins ] || fail "Conflicts"
[ "$(dpkg-deb -f "$deb" Replaces)" = containernetworking-plugins ] || fail "Replaces"
dpkg-deb -f "$deb" Provides | grep -q "container-network-stack (= 1)" || fail "Provides"
echo "file list and relations: as expected"

say "dpkg -i in a private mount namespace (overlays on /usr, /var, /etc), then the demo against /usr/libexec/cni"
mkdir -p "$tmp/ns"
machine() { (ls -li /usr/lib/cni /usr/libexec/cni /usr/bin/cnitool 2>&1; dpkg -l 2>&1) | md5sum; }
before=$(machine)
unshare --mount --propagation private -- bash -euo pipefail -c '
    scratch=$1 deb=$2 plugins=$3
    mount -t tmpfs swcni-test "$scratch"
    for d in usr var etc; do
        mkdir -p "$scratch/$d.up" "$scratch/$d.work"
        mount -t overlay swcni-test -o "lowerdir=/$d,upperdir=$scratch/$d.up,workdir=$scratch/$d.work" "/$d"
    done
    DEBIAN_FRONTEND=noninteractive dpkg -i "$deb"
    dpkg-query -W -f="\${Package} \${Version} \${Status}\n" swift-cni
    if dpkg-query -W -f="\${Status}" containernetworking-plugins 2>/dev/null | grep -q "install ok installed"; then
        echo "containernetworking-plugins is still installed beside swift-cni" >&2; exit 1
    fi
    for p in $plugins; do
        [ "$(readlink -f /usr/libexec/cni/$p)" = /usr/lib/cni/$p ] || { echo "/usr/libexec/cni/$p" >&2; exit 1; }
        [ /usr/lib/cni/$p -ef /usr/lib/cni/swift-cni ] || { echo "/usr/lib/cni/$p is not swift-cni" >&2; exit 1; }
    done
    man -w cnitool swift-cni >/dev/null
    [ -f /lib/systemd/system/cni-dhcp.service ] && [ -f /lib/systemd/system/cni-dhcp.socket ] || { echo "no dhcp units" >&2; exit 1; }
    scripts/isolated.sh scripts/demo.sh --cni-path /usr/libexec/cni --cnitool /usr/bin/cnitool
    # (--force-depends: containers-common depends on container-network-stack, which only we provide now)
    dpkg -r --force-depends swift-cni >/dev/null 2>&1
    [ ! -e /usr/lib/cni/swift-cni ] && [ ! -e /usr/bin/cnitool ] && [ ! -e /lib/systemd/system/cni-dhcp.service ] \
        || { echo "dpkg -r left files" >&2; exit 1; }
' swcni-test "$tmp/ns" "$deb" "$plugins"
[ "$(machine)" = "$before" ] || fail "the machine's /usr or dpkg database changed"
echo "the .deb installs, replaces containernetworking-plugins, runs the demo and removes cleanly; the machine's /usr is untouched"
