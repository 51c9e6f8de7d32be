#!/usr/bin/env bash
# The differential table (Tests/IntegrationTests/Differential) as Markdown, one line per row in the
# table's order: each row's config through Debian's reference plugin and through ours, ADD and DEL
# outcomes (code and message), and what differs. As root, in a built tree. The test run's own
# failures are expected while rows differ; this prints the table either way.
#   scripts/difftable.sh > table.md
set -uo pipefail
cd "$(dirname "$0")/.."
report=$(mktemp)
trap 'rm -f "$report"' EXIT
swift build >/dev/null
SWCNI_DIFF_REPORT="$report" swift test --filter 'DifferentialTests' >/dev/null 2>&1
echo "| # | plugin | group | case | reference ADD | ours ADD | reference DEL | ours DEL | verdict | ms |"
echo "|---:|---|---|---|---|---|---|---|---|---:|"
sort "$report" | cut -d'|' -f2- | sed 's/^/|/'
