#!/usr/bin/env bash
# Screenshots of every main screen in the real window at 900x700 and 1600x1000, from the
# end-to-end harness (tests/e2e/tests/it/screens.rs), into docs/screens/ (or $WADESK_E2E_SCREENSHOTS).
#   bash scripts/screenshots.sh
set -euo pipefail
source "$(dirname "$0")/lib/env.sh"
cd "$ROOT"
"$ROOT/scripts/build.sh"
step "screenshots of every main screen (900x700 and 1600x1000)"
xvfb-run -a -s "-screen 0 1700x1100x24" cargo nextest run -p wadesk-e2e --run-ignored only -E 'test(every_main_screen)'
echo "screenshots in ${WADESK_E2E_SCREENSHOTS:-$ROOT/docs/screens}"
