#!/usr/bin/env bash
# The differential table (Tests/IntegrationTests/Differential) as Markdown, one line per row in the
# table's order: each row's config through Debian's reference plugin and through ours, ADD and DEL
# outcomes (code and message), and what differs. As root. The test run's own failures, if rows
# differ, do not stop it; this prints the table either way.
#   scripts/difftable.sh > table.md
set -uo pipefail
cd "$(dirname "$0")/.."
# The tests run isolated (scripts/isolated.sh gives them a fresh /tmp), so the report goes to .build.
swift build --build-tests >/dev/null
report=$(mktemp -p .build difftable.XXXXXX)
trap 'rm -f "$report"' EXIT
SWCNI_DIFF_REPORT="$PWD/$report" scripts/isolated.sh swift test --skip-build --filter 'DifferentialTests' >/dev/null 2>&1
echo "| # | plugin | group | case | reference ADD | ours ADD | reference DEL | ours DEL | verdict | ms |"
echo "|---:|---|---|---|---|---|---|---|---|---:|"
sort "$report" | cut -d'|' -f2- | sed 's/^/|/'
