#!/usr/bin/env bash
# Regenerates the example reports in docs/ and the screenshots shown in the README.
# Needs Debian's chromium (see .ci/run) and ImageMagick (`convert`) for cropping.
#
#   bash docs/make-report-example.sh
#
# docs/example-report.html: `mosel select --dataset breast-cancer` (the default candidate set)
#   rendered by `mosel report`.
# docs/example-tuning-report.html: crates/mosel-report/tests/fixtures/breast_cancer.json, a
#   scikit-learn/Optuna reference run on the same dataset with a multi-objective tuning study
#   and an optimizer comparison (see make_fixtures.py next to it).
set -euo pipefail
cd "$(dirname "$0")/.."
[ -n "${SKIP_BUILD:-}" ] || cargo build -q --release --bin mosel
export PATH="$PWD/target/release:$PATH"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && mosel select --dataset breast-cancer --seed 42 --results results.json -q > /dev/null)
mosel report "$tmp/results.json" -o docs/example-report.html
mosel report crates/mosel-report/tests/fixtures/breast_cancer.json -o docs/example-tuning-report.html
shot() {
  rm -rf "$tmp/profile"
  chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
    --disable-background-networking --disable-component-update --disable-sync \
    --user-data-dir="$tmp/profile" --hide-scrollbars --window-size=1280,9000 \
    --screenshot="$2" "file://$PWD/$1" 2>/dev/null
}
shot docs/example-report.html "$tmp/select.png"
shot docs/example-tuning-report.html "$tmp/tuning.png"
# Header, summary and leaderboard; the classification plots; the tuning plots.
convert "$tmp/select.png" -crop 1280x1400+0+0 +repage -strip docs/report-leaderboard.png
convert "$tmp/select.png" -crop 1280x1480+0+${PLOTS_Y:-3290} +repage -strip docs/report-plots.png
convert "$tmp/tuning.png" -crop 1280x1500+0+${TUNING_Y:-4570} +repage -strip docs/report-tuning.png
ls -l docs/example-*.html docs/report-*.png
