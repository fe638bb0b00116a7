#!/usr/bin/env bash
# Regenerates docs/example-report.html and the screenshots shown in the README.
# Needs Debian's chromium (see .ci/run) and ImageMagick (`convert`) for cropping.
#
#   bash docs/make-report-example.sh
#
# The example input is crates/mosel-report/tests/fixtures/breast_cancer.json: a reference
# run on the bundled breast-cancer dataset (see make_fixtures.py next to it). Any results
# file works: `mosel report RESULTS.json -o docs/example-report.html`.
set -euo pipefail
cd "$(dirname "$0")/.."
${MOSEL:-cargo run -q --} report crates/mosel-report/tests/fixtures/breast_cancer.json -o docs/example-report.html
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
  --disable-background-networking --disable-component-update --disable-sync \
  --user-data-dir="$tmp/profile" --hide-scrollbars --window-size=1280,7000 \
  --screenshot="$tmp/full.png" "file://$PWD/docs/example-report.html" 2>/dev/null
# Top of the page (header, summary, leaderboard) and the classification plots.
convert "$tmp/full.png" -crop 1280x1560+0+0 +repage -strip docs/report-leaderboard.png
convert "$tmp/full.png" -crop 1280x1480+0+1720 +repage -strip docs/report-plots.png
ls -l docs/example-report.html docs/report-*.png
