#!/bin/bash
# PID 1 of the VM once init has set it up: runs the job's command and leaves its exit status in the
# job share for scripts/vm/run.sh, then powers off. Every outcome ends in a power-off; a missing
# status file tells run.sh the command never finished.
export PATH=/usr/sbin:/usr/bin:/sbin:/bin
job=/run/swcni-vm
read -r uptime _ </proc/uptime
read -r kver </proc/sys/kernel/osrelease
echo "vm: Linux $kver up after $uptime s; running the command"
SECONDS=0
bash "$job/command" </dev/null
status=$?
echo "vm: command exited with status $status after $SECONDS s"
echo "$status" >"$job/status"
sync
/bin/busybox poweroff -f       # qemu exits
echo o >/proc/sysrq-trigger
sleep 60
