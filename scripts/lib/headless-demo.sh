# Runs inside dbus-run-session (see scripts/run.sh): unlock a private gnome-keyring, create the
# store with its key in that keychain, start the window under Xvfb, screenshot it.
set -euo pipefail
# The demo keyring's own password; it protects nothing but this throwaway demo HOME.
printf 'wadesk-demo' | gnome-keyring-daemon --unlock --components=secrets >/dev/null
"$BIN/wadesk" status >/dev/null 2>&1 || true
if [ ! -f "$WADESK_DATA_DIR/wadesk.db" ]; then
  "$BIN/wadesk" init
fi
cat > "$HOME/window.sh" <<'INNER'
set -u
"$BIN/wadesk-desktop" > "$HOME/wadesk-desktop.log" 2>&1 &
app=$!
sleep "${WADESK_SCREENSHOT_DELAY:-8}"
import -window root "$WADESK_SCREENSHOT"
echo "Screenshot of the window: $WADESK_SCREENSHOT"
if [ -t 0 ]; then
  echo "Wadesk is running under Xvfb (no display here). Press Ctrl-C to stop it."
  wait "$app"
else
  kill "$app"; wait "$app" 2>/dev/null || true
fi
INNER
xvfb-run -a -s "-screen 0 1280x800x24" bash "$HOME/window.sh"
