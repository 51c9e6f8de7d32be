#!/usr/bin/env bash
# Makes Debian's kernel (the package linux-image-amd64 depends on) ready for scripts/vm/run.sh and
# prints the directory that holds it: boot/vmlinuz-<kver> (and vmlinux-<kver>, see below),
# lib/modules/<kver> with modules.dep. Also installs the host packages the VM needs.
#
# The package is downloaded and unpacked into a cache instead of installed: installing would run
# initramfs-tools and write the host's /boot, and the host never boots it. The cache
# ($SWCNI_VM_CACHE, default /var/cache/swift-cni-vm) is shared by every checkout on the machine and
# keyed by package name and version, so a kernel update lands in a new directory (.ready-N marks a
# directory complete in layout N; a new layout re-unpacks).
set -euo pipefail

cache=${SWCNI_VM_CACHE:-/var/cache/swift-cni-vm}
export DEBIAN_FRONTEND=noninteractive

say() { echo "vm: $*" >&2; }
die() { echo "vm: error: $*" >&2; exit 1; }

need=(qemu-system-x86 busybox-static kmod cpio xz-utils zstd)
missing=()
for p in "${need[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
    say "installing ${missing[*]}"
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null \
        || die "apt-get install ${missing[*]} failed"
fi

# Unpacks the ELF kernel from the bzImage when the kernel has a PVH entry point: qemu then loads it
# straight into guest memory and jumps to 64-bit code, skipping the firmware's kernel loading and
# the decompression, which cost 10-15 s under emulation. Without it run.sh boots the bzImage.
extract_vmlinux() {
    local root=$1 kver=$2 image="$1/boot/vmlinuz-$2" offset
    grep -q '^CONFIG_PVH=y' "$root/boot/config-$kver" || return 0
    if offset=$(LC_ALL=C grep -m1 -obUaP '\xfd\x37\x7a\x58\x5a\x00' "$image" | awk -F: 'NR == 1 { print $1 }') && [ -n "$offset" ]; then
        tail -c +$((offset + 1)) "$image" | xz -dc --single-stream >"$root/boot/vmlinux-$kver" 2>/dev/null || true
    elif offset=$(LC_ALL=C grep -m1 -obUaP '\x28\xb5\x2f\xfd' "$image" | awk -F: 'NR == 1 { print $1 }') && [ -n "$offset" ]; then
        tail -c +$((offset + 1)) "$image" | zstd -qdc >"$root/boot/vmlinux-$kver" 2>/dev/null || true
    fi
    if [ "$(head -c 4 "$root/boot/vmlinux-$kver" 2>/dev/null | od -An -tx1 | tr -d ' ')" != 7f454c46 ]; then
        rm -f "$root/boot/vmlinux-$kver"     # not an ELF: keep to the bzImage
    fi
}

# Asking apt which kernel is current costs seconds: the answer is kept in $cache/current and reused
# until apt's package lists change.
if [ -f "$cache/current" ] && [ -f "$(cat "$cache/current")/.ready-2" ] &&
    [ -z "$(find /var/lib/apt/lists -maxdepth 1 -name '*Packages*' -newer "$cache/current" 2>/dev/null | head -1)" ]; then
    cat "$cache/current"
    exit 0
fi

# The versioned image package the metapackage points at, e.g. linux-image-6.1.0-57-amd64.
image_package() {
    apt-cache depends linux-image-amd64 2>/dev/null | awk '/Depends: linux-image-[0-9]/ { print $2; exit }'
}
pkg=$(image_package)
if [ -z "$pkg" ]; then
    apt-get update -qq
    pkg=$(image_package)
fi
[ -n "$pkg" ] || die "apt-cache knows no linux-image-amd64 (is deb.debian.org in the sources?)"
version=$(apt-cache policy "$pkg" | awk '/Candidate:/ { print $2 }')
[ -n "$version" ] && [ "$version" != "(none)" ] || die "no installable version of $pkg"

dir="$cache/${pkg}_${version}"
if [ ! -f "$dir/.ready-2" ]; then
    mkdir -p "$cache"
    exec 9>"$cache/.lock"
    flock 9                                  # another checkout may be unpacking the same kernel
    if [ ! -f "$dir/.ready-2" ]; then
        say "fetching $pkg $version into $dir"
        tmp=$(mktemp -d "$cache/.unpack.XXXXXX")
        trap 'rm -rf "$tmp"' EXIT
        # apt's sandbox user cannot write into a root-owned mktemp dir; the download is verified
        # against the signed package lists all the same.
        (cd "$tmp" && apt-get download -q -o APT::Sandbox::User=root "$pkg=$version" >/dev/null) \
            || die "apt-get download $pkg=$version failed"
        dpkg-deb -x "$tmp"/*.deb "$tmp/root"
        kver=$(ls "$tmp/root/lib/modules")
        [ -f "$tmp/root/boot/vmlinuz-$kver" ] || die "$pkg has no boot/vmlinuz-$kver"
        depmod -b "$tmp/root" "$kver"        # the .deb ships no modules.dep (its postinst makes it)
        extract_vmlinux "$tmp/root" "$kver"
        rm -rf "$dir"
        mv "$tmp/root" "$dir"
        echo "$kver" >"$dir/.kver"
        touch "$dir/.ready-2"
        rm -rf "$tmp"
        trap - EXIT
    fi
    flock -u 9
fi
echo "$dir" >"$cache/current.$$" && mv "$cache/current.$$" "$cache/current"
echo "$dir"
