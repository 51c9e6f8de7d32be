#!/bin/sh
# A recording fake CNI plugin for runtime tests. Each call leaves <seq>-<type>-<COMMAND>.stdin and
# .env (the CNI_* variables, sorted) in $FAKE_LOG. Answers come from files beside the executable:
#   <type>.result          printed on ADD (nothing on other verbs)
#   <type>.versions        printed on VERSION (default: every version up to 1.1.0)
#   <type>.fail-<COMMAND>  printed on that verb, with exit status 1 (an error object)
type=${0##*/}
dir=${0%/*}
log=${FAKE_LOG:?FAKE_LOG must name a directory}
n=$(cat "$log/.seq" 2>/dev/null || echo 0)
n=$((n + 1))
echo "$n" > "$log/.seq"
base=$(printf '%s/%03d-%s-%s' "$log" "$n" "$type" "$CNI_COMMAND")
cat > "$base.stdin"
env | grep '^CNI_' | LC_ALL=C sort > "$base.env"
if [ -f "$dir/$type.fail-$CNI_COMMAND" ]; then
    cat "$dir/$type.fail-$CNI_COMMAND"
    exit 1
fi
case "$CNI_COMMAND" in
VERSION)
    if [ -f "$dir/$type.versions" ]; then cat "$dir/$type.versions"
    else echo '{"cniVersion":"1.1.0","supportedVersions":["0.1.0","0.2.0","0.3.0","0.3.1","0.4.0","1.0.0","1.1.0"]}'; fi ;;
ADD) cat "$dir/$type.result" ;;
esac
exit 0
