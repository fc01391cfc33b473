// Writes the release version into a temporary copy of the repository (never
// the committed files): `node scripts/package-version.js DIR`, with VERSION,
// VERSION_BASE and WIN_FILE_VERSION in the environment (package_versions in
// scripts/lib.sh). Called by scripts/package.sh.
//  - DIR/wails.json: info.productVersion = X.Y.Z (Wails puts it into the
//    Windows manifest and the installer, which need numbers);
//  - DIR/build/windows/info.json: the version resource of gatehouse.exe,
//    ProductVersion = the git version, FileVersion = X.Y.Z.N.
const fs = require('fs');
const path = require('path');

const dir = process.argv[2];
const { VERSION, VERSION_BASE, WIN_FILE_VERSION } = process.env;
if (!dir || !VERSION || !VERSION_BASE || !WIN_FILE_VERSION) {
  console.error('usage: VERSION=... VERSION_BASE=... WIN_FILE_VERSION=... node package-version.js DIR');
  process.exit(2);
}

function edit(file, change) {
  const p = path.join(dir, file);
  const json = JSON.parse(fs.readFileSync(p, 'utf8'));
  change(json);
  fs.writeFileSync(p, JSON.stringify(json, null, 2) + '\n');
}

edit('wails.json', (j) => {
  j.info.productVersion = VERSION_BASE;
});
edit('build/windows/info.json', (j) => {
  j.fixed.file_version = WIN_FILE_VERSION;
  for (const lang of Object.values(j.info)) {
    lang.ProductVersion = VERSION;
    lang.FileVersion = WIN_FILE_VERSION;
  }
});
