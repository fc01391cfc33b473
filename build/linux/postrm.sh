#!/bin/sh
# postrm of the gatehouse .deb: once the files are gone, refreshes the same
# caches as postinst so gatehouse:// no longer points at a missing app.
# Removing or purging the package never deletes users' data
# (~/.local/share/gatehouse, or wherever -data-dir pointed): nothing here
# looks into home folders.
set -e
case "$1" in
  remove | purge | abort-install | disappear)
    if command -v update-desktop-database >/dev/null 2>&1; then
      update-desktop-database -q /usr/share/applications || true
    fi
    if command -v update-mime-database >/dev/null 2>&1; then
      update-mime-database /usr/share/mime || true
    fi
    if command -v gtk-update-icon-cache >/dev/null 2>&1 && [ -f /usr/share/icons/hicolor/index.theme ]; then
      gtk-update-icon-cache -q -t -f /usr/share/icons/hicolor || true
    fi
    ;;
esac
exit 0
