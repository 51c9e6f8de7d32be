#!/usr/bin/env bash
# Runs one command inside a throwaway QEMU VM booted with Debian's kernel, and exits with its status.
#
#   scripts/vm/run.sh [--timeout S] [--memory MB] [--cpus N] [--workdir DIR] [--env NAME=VALUE]... \
#       [--] COMMAND [ARG...]
#
# The guest sees the host's whole file tree read-only over 9p, with a RAM overlay on top (writes
# are allowed and vanish at power-off), fresh tmpfs on /tmp and /run (a DIR there is shown all the
# same), no network card, and Debian's modules (see scripts/vm/modules). COMMAND runs as root in
# DIR (default: the current directory) with SWCNI_VM=1 in a clean environment; its output streams
# to this terminal over the serial console. Exit status: COMMAND's, 124 when the timeout (default
# 600 s) ends the VM, 125 when the VM could not run COMMAND (with the reason and the end of the
# console log). Nothing keeps running after this script: the VM is killed on timeout, on Ctrl-C
# and on any exit.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)

timeout_s=${SWCNI_VM_TIMEOUT:-600}
memory=${SWCNI_VM_MEMORY:-2048}
cpus=${SWCNI_VM_CPUS:-2}
workdir=$PWD
envs=()
while (($#)); do
    case $1 in
        --timeout) timeout_s=$2; shift 2 ;;
        --memory) memory=$2; shift 2 ;;
        --cpus) cpus=$2; shift 2 ;;
        --workdir) workdir=$(cd "$2" && pwd); shift 2 ;;
        --env) envs+=("$2"); shift 2 ;;
        --) shift; break ;;
        -*) echo "vm: unknown option $1" >&2; exit 2 ;;
        *) break ;;
    esac
done
(($#)) || { sed -n '2,14p' "$0" >&2; exit 2; }

fail() { echo "vm: error: $*" >&2; exit 125; }

kdir=$("$here/kernel.sh") || fail "Debian's kernel is not available"
kver=$(cat "$kdir/.kver")
[ "$(id -u)" = 0 ] || fail "must run as root (qemu shares the host's whole tree read-only)"
# The guest has its own /tmp and /run; a working directory there (a CI clone in /tmp) is shown
# again from the host's tree, with its own RAM overlay.
expose=""
case $workdir/ in
    /dev/* | /proc/* | /sys/*) fail "$workdir is not visible in the VM (it has its own /dev, /proc and /sys)" ;;
    /tmp/* | /run/* | /var/run/*)
        [[ $workdir != *[[:space:]]* ]] || fail "a working directory under /tmp or /run must not contain spaces: $workdir"
        expose=$(realpath "$workdir") ;;
esac

run=$(mktemp -d /tmp/swcni-vm.XXXXXX)
qemu_pid=""
cleanup() {
    if [ -n "$qemu_pid" ] && kill -0 "$qemu_pid" 2>/dev/null; then
        kill -TERM "$qemu_pid" 2>/dev/null || true   # timeout(1) passes it on to qemu
        wait "$qemu_pid" 2>/dev/null || true
    fi
    [ -n "${SWCNI_VM_KEEP:-}" ] && echo "vm: kept $run" >&2 || rm -rf "$run"
}
trap cleanup EXIT
trap 'echo "vm: interrupted" >&2; exit 130' INT TERM HUP

# --- initramfs: busybox, /init and the modules (those that mount the host's root, then the list in
# scripts/vm/modules) with their dependencies, in load order: insmod from RAM costs far less under
# emulation than modprobe over 9p. Compressed modules are unpacked (busybox's insmod takes plain ones).
stage="$run/initramfs"
mkdir -p "$stage"/{bin,dev,proc,sys,modules}
cp /bin/busybox "$stage/bin/busybox"
cp "$here/init" "$stage/init"
chmod 0755 "$stage/init"
mknod -m 0600 "$stage/dev/console" c 5 1      # the kernel opens it for /init's stdio
boot_modules=(virtio_pci 9pnet_virtio 9p overlay virtio_rng)
mapfile -t listed < <(sed -e 's/#.*//' "$here/modules" | xargs -n1)
deps=$(modprobe -a -d "$kdir" -S "$kver" --show-depends "${boot_modules[@]}" "${listed[@]}" 2>&1) ||
    fail "Debian's kernel $kver: $(grep -v '^insmod ' <<<"$deps") (scripts/vm/modules)"
# "insmod <path> [options]", options from modprobe.d (dummy numdummies=0); each module once.
awk '$1 == "insmod" && !seen[$2]++ { $1 = ""; print }' <<<"$deps" | while read -r ko options; do
        name=$(basename "$ko")
        case $name in
            *.ko.xz) xz -dc "$ko" >"$stage/modules/${name%.xz}"; name=${name%.xz} ;;
            *.ko.zst) zstd -qdc "$ko" >"$stage/modules/${name%.zst}"; name=${name%.zst} ;;
            *.ko.gz) gzip -dc "$ko" >"$stage/modules/${name%.gz}"; name=${name%.gz} ;;
            *) cp "$ko" "$stage/modules/$name" ;;
        esac
        echo "$name $options" >>"$stage/modules/order"
    done
(cd "$stage" && find . | cpio -o -H newc --quiet >"$run/initramfs.cpio")

# --- the job share: guest.sh, its settings, the command; the guest writes status here ------------
mkdir -p "$run/job"
cp "$here/guest.sh" "$run/job/guest.sh"
printf 'KVER=%q\nKDIR=%q\nEXPOSE=%q\n' "$kver" "$kdir" "$expose" >"$run/job/job.env"
{
    printf 'cd -- %q || exit 125\n' "$workdir"
    printf 'exec env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:/opt/swift/usr/bin'
    printf ' HOME=/root LANG=C.UTF-8 TERM=%q SWCNI_VM=1' "${TERM:-dumb}"
    for e in "${envs[@]}"; do printf ' %q' "$e"; done
    for a in "$@"; do printf ' %q' "$a"; done
    printf '\n'
} >"$run/job/command"

# --- boot ------------------------------------------------------------------------------------------
# TCG (no KVM here), one host thread per vCPU; no NIC: the guest has no way off the machine.
# panic=-1 and -no-reboot turn a kernel panic into qemu exiting.
append="console=ttyS0 quiet loglevel=3 panic=-1 rdinit=/init"
# The unpacked ELF kernel boots through its PVH entry, and qboot is a firmware that does nothing
# else: together they save 15 s of emulated firmware and decompression (kernel.sh).
kernel="$kdir/boot/vmlinux-$kver"
[ -f "$kernel" ] || kernel="$kdir/boot/vmlinuz-$kver"
firmware=()
[ -f /usr/share/qemu/qboot.rom ] && firmware=(-bios /usr/share/qemu/qboot.rom)
echo "vm: booting $kver ($cpus vCPUs, ${memory} MiB, TCG) for: $*" >&2
started=$(date +%s)
timeout -k 10 "$timeout_s" qemu-system-x86_64 \
    -nodefaults -no-user-config -display none -no-reboot \
    -machine pc "${firmware[@]}" -accel tcg,thread=multi -cpu max -smp "$cpus" -m "$memory" \
    -kernel "$kernel" -initrd "$run/initramfs.cpio" -append "$append" \
    -chardev "stdio,id=console,signal=off,logfile=$run/console.log" -serial chardev:console \
    -virtfs local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap \
    -virtfs "local,path=$run/job,mount_tag=job,security_model=none" \
    -device virtio-rng-pci \
    </dev/null &
qemu_pid=$!
set +e
wait "$qemu_pid"
qemu_status=$?
set -e
qemu_pid=""
elapsed=$(($(date +%s) - started))

tail_console() { echo "vm: last console lines:" >&2; tail -n 30 "$run/console.log" 2>/dev/null | sed 's/^/vm: | /' >&2; }
if [ -f "$run/job/status" ]; then
    status=$(cat "$run/job/status")
    echo "vm: done in ${elapsed} s (boot, command, power-off); status $status" >&2
    exit "$status"
elif [ "$qemu_status" = 124 ] || [ "$qemu_status" = 137 ]; then
    echo "vm: error: timed out after ${timeout_s} s; the VM was killed" >&2
    tail_console
    exit 124
else
    echo "vm: error: the VM stopped after ${elapsed} s without a result (qemu exit status $qemu_status)" >&2
    tail_console
    exit 125
fi
