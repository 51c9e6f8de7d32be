#!/usr/bin/env bash
# libFuzzer runs of the fuzz targets (Tests/FuzzTargets; `scripts/fuzz.sh --list` names them).
#
#   scripts/fuzz.sh [--seconds N] [--release] [--asan] [--out DIR] [TARGET...]
#
# Builds the one fuzzing executable (SWCNI_FUZZ=1, `--sanitize=fuzzer`, in its own scratch path so
# the ordinary build is left alone), then fuzzes each TARGET (default: all) for N seconds (default
# 60) one after the other, starting from the committed seed corpus
# (Tests/FuzzRegressionTests/corpus/<target>) plus what earlier runs kept in DIR/corpus/<target>.
# New inputs go to DIR/corpus/<target>, crashes to DIR/crashes/<target>/, the log with libFuzzer's
# final statistics (executions, coverage) to DIR/<target>.log; DIR defaults to .build/fuzz-runs.
# Exits non-zero when a target crashed: replay the crash with `SWCNI_FUZZ_TARGET=<target>
# .build/fuzz/.../swift-cni-fuzz FILE`, fix it, and copy FILE to
# Tests/FuzzRegressionTests/regressions/<target>/<what-it-was> so the test suite replays it.
#   --release  optimized build (several times the executions per second; the long runs use it)
#   --asan     AddressSanitizer as well (catches unsafe-pointer mistakes in the decoders)
#   --parallel run the targets at once rather than one after the other (long runs under `nice`)
#   --keep-going  fork mode: a crash is saved and the run goes on (long runs)
#   --binary PATH  use this fuzzing executable instead of building one (a copy, for long runs)
#   --minimize fold DIR/corpus/<target> into the committed corpus (libFuzzer's -merge=1)
set -euo pipefail
cd "$(dirname "$0")/.."
binary= seconds=60 config=debug asan=0 out=.build/fuzz-runs parallel=0 minimize=0 list=0 keepgoing=()
targets=()
while [ $# -gt 0 ]; do
    case "$1" in
        --seconds) seconds="$2"; shift ;;
        --release) config=release ;;
        --asan) asan=1 ;;
        --out) out="$2"; shift ;;
        --parallel) parallel=1 ;;
        --minimize) minimize=1 ;;
        --keep-going) keepgoing=(-fork=1 -ignore_crashes=1 -ignore_timeouts=1 -ignore_ooms=1) ;;
        --list) list=1 ;;
        --binary) binary="$2"; shift ;;
        -*) echo "unknown option $1" >&2; exit 2 ;;
        *) targets+=("$1") ;;
    esac
    shift
done
all=(json config result cniargs lease netlink nftables dhcp gob)
if [ "$list" = 1 ]; then printf '%s\n' "${all[@]}"; exit 0; fi
[ ${#targets[@]} -gt 0 ] || targets=("${all[@]}")

scratch=.build/fuzz$([ "$asan" = 1 ] && echo -asan || true)
sanitizers=(--sanitize=fuzzer)
[ "$asan" = 1 ] && sanitizers+=(--sanitize=address)
if [ -z "$binary" ]; then
    SWCNI_FUZZ=1 swift build -c "$config" --scratch-path "$scratch" "${sanitizers[@]}" --product swift-cni-fuzz
    binary="$scratch/$config/swift-cni-fuzz"
fi
corpus=Tests/FuzzRegressionTests/corpus

run() {
    local t="$1"
    mkdir -p "$out/corpus/$t" "$out/crashes/$t"
    local dict=()
    [ -f "scripts/fuzz/$t.dict" ] && dict=(-dict="scripts/fuzz/$t.dict")
    SWIFT_BACKTRACE=enable=no SWCNI_FUZZ_TARGET="$t" "$binary" -max_total_time="$seconds" -print_final_stats=1 -timeout=10 -rss_limit_mb=2048 \
        -artifact_prefix="$out/crashes/$t/" "${keepgoing[@]}" "${dict[@]}" "$out/corpus/$t" "$corpus/$t" >"$out/$t.log" 2>&1
}

if [ "$minimize" = 1 ]; then
    for t in "${targets[@]}"; do
        rm -rf "$out/min/$t"
        mkdir -p "$out/min/$t"
        SWCNI_FUZZ_TARGET="$t" "$binary" -merge=1 "$out/min/$t" "$corpus/$t" "$out/corpus/$t" >"$out/$t.merge.log" 2>&1
        # Keep the hand-written seeds under their names; take the merged set for the rest.
        find "$corpus/$t" -type f ! -name 'seed-*' -delete
        # libFuzzer names what it keeps by content hash: a seed's copy is dropped.
        seeds=$(sha1sum "$corpus/$t"/seed-* 2>/dev/null | cut -d' ' -f1)
        for f in "$out/min/$t"/*; do
            grep -qx "$(basename "$f")" <<<"$seeds" || cp -n "$f" "$corpus/$t/"
        done
        echo "$t: $(ls "$corpus/$t" | wc -l) files in the committed corpus"
    done
    exit 0
fi

failed=()
if [ "$parallel" = 1 ]; then
    pids=()
    for t in "${targets[@]}"; do run "$t" & pids+=($!); done
    for i in "${!pids[@]}"; do wait "${pids[$i]}" || failed+=("${targets[$i]}"); done
else
    for t in "${targets[@]}"; do run "$t" || failed+=("$t"); done
fi
for t in "${targets[@]}"; do
    # libFuzzer's closing lines: executions, coverage (cov: edges, ft: features), corpus size.
    stats=$(grep -E '^stat::(number_of_executed_units|average_exec_per_sec|new_units_added|peak_rss_mb)' "$out/$t.log" | sed 's/^stat:://' | tr -s ' ' | tr '\n' ' ')
    cov=$(grep -E '^#[0-9]+' "$out/$t.log" | tail -1 | grep -oE 'cov: [0-9]+ ft: [0-9]+ corp: [0-9]+/[^ ]+' || true)
    echo "$t: $stats$cov"
done
if [ ${#failed[@]} -gt 0 ]; then
    echo "fuzz: crashes in ${failed[*]} (inputs in $out/crashes/<target>/; logs in $out/<target>.log)" >&2
    for t in "${failed[@]}"; do tail -30 "$out/$t.log" >&2; done
    exit 1
fi
