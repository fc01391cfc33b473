#!/usr/bin/env bash
# Redraws build/appicon.png (1024x1024): a white shield with a blue gatehouse
# tower on a blue rounded square. Needs ImageMagick (`convert`). The PNG is
# committed; run this only to change the design.
set -euo pipefail
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

SHIELD="path 'M 512,170 L 800,270 L 800,500 C 800,690 680,810 512,880 C 344,810 224,690 224,500 L 224,270 Z'"
BLUE='#1971c2'

convert -size 1024x1024 gradient:'#228be6-#1864ab' "$tmp/bg.png"
convert -size 1024x1024 xc:none -fill white -draw "roundrectangle 40,40 983,983 200,200" "$tmp/mask.png"
convert "$tmp/bg.png" "$tmp/mask.png" -alpha off -compose CopyOpacity -composite "$tmp/base.png"
convert -size 1024x1024 xc:none -fill 'rgba(0,0,0,0.35)' -draw "translate 0,18 $SHIELD" -blur 0x18 "$tmp/shadow.png"
convert -size 1024x1024 xc:none -fill white -draw "$SHIELD" \
  -fill "$BLUE" \
  -draw "rectangle 362,440 662,740" \
  -draw "rectangle 362,370 422,450" -draw "rectangle 482,370 542,450" -draw "rectangle 602,370 662,450" \
  -fill white \
  -draw "rectangle 457,600 567,741" -draw "circle 512,600 567,600" \
  -fill "$BLUE" \
  -draw "rectangle 492,560 502,741" -draw "rectangle 522,560 532,741" \
  -draw "rectangle 440,640 584,650" -draw "rectangle 440,690 584,700" \
  "$tmp/glyph.png"
mkdir -p build
convert "$tmp/base.png" "$tmp/shadow.png" -composite "$tmp/glyph.png" -composite \
  -depth 8 -define png:color-type=6 build/appicon.png
identify build/appicon.png
