#!/usr/bin/env bash
# Headless Chromium for the demo's browser test (tests/test_demo.py). Installs Debian's chromium and
# chromium-driver when they are missing and this runs as root (or with sudo) on Debian/Ubuntu;
# otherwise it says what to run. Without them the browser test skips, except under CI=true, where
# it fails: CI must exercise it.
set -euo pipefail
if [ -x /usr/bin/chromium ] && [ -x /usr/bin/chromedriver ]; then
    exit 0
fi
if [ "$(id -u)" -eq 0 ]; then SUDO=""; elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then SUDO="sudo"; else SUDO="none"; fi
if [ "$SUDO" != none ] && command -v apt-get >/dev/null; then
    echo "Installing Debian's chromium and chromium-driver (the demo's browser test)"
    if ! { $SUDO apt-get update -qq >/dev/null && $SUDO env DEBIAN_FRONTEND=noninteractive \
            apt-get install -y -qq chromium chromium-driver >/dev/null; }; then
        echo "note: could not install chromium; the demo's browser test will skip (fail under CI=true)"
    fi
else
    echo "note: the demo's browser test needs Chromium: 'sudo apt-get install chromium chromium-driver'" \
         "(it skips without it)"
fi
