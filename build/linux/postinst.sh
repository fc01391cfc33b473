#!/bin/sh
# postinst of the gatehouse .deb: refreshes the system caches that make the
# desktop entry, its gatehouse:// handler (MimeType=x-scheme-handler/gatehouse)
# and the icon known, with whichever tools are installed. It never touches
# users' home folders or their data (~/.local/share/gatehouse).
set -e
if command -v update-desktop-database >/dev/null 2>&1; then
  update-desktop-database -q /usr/share/applications || true
fi
if command -v update-mime-database >/dev/null 2>&1; then
  update-mime-database /usr/share/mime || true
fi
if command -v gtk-update-icon-cache >/dev/null 2>&1 && [ -f /usr/share/icons/hicolor/index.theme ]; then
  gtk-update-icon-cache -q -t -f /usr/share/icons/hicolor || true
fi
exit 0
