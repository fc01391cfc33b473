// What the About dialog says about this build. The backend reports the
// version it was stamped with (`git describe --tags --always --dirty`, or
// "dev" for an unstamped build); scripts/package.sh also hands the frontend
// build the full commit and the build time (VITE_GATEHOUSE_COMMIT,
// VITE_GATEHOUSE_BUILD_DATE), which plain development builds lack.

export interface BuildInfo {
  version: string; // as the backend reports it
  dev: boolean; // an unstamped development build
  release: string | null; // the newest tag, e.g. "v1.2.0"
  commitsSince: number; // commits after that tag
  commit: string | null; // short or, when the build says, full hash
  dirty: boolean; // built from a work tree with uncommitted changes
  builtAt: Date | null;
}

const HASH = /^[0-9a-f]{7,40}$/;

export function parseVersion(raw: string): Omit<BuildInfo, 'builtAt'> {
  const version = raw.trim();
  const base = { version, dev: false, release: null, commitsSince: 0, commit: null, dirty: false };
  if (version === '' || version === 'dev') return { ...base, version: version || 'dev', dev: true };
  let rest = version;
  const dirty = rest.endsWith('-dirty');
  if (dirty) rest = rest.slice(0, -'-dirty'.length);
  // TAG-N-gHASH: N commits after TAG.
  const after = /^(.+)-(\d+)-g([0-9a-f]{4,40})$/.exec(rest);
  if (after) return { ...base, dirty, release: after[1], commitsSince: Number(after[2]), commit: after[3] };
  // No tag reachable: git prints the abbreviated hash alone.
  if (HASH.test(rest)) return { ...base, dirty, commit: rest };
  // Exactly at a tag.
  return { ...base, dirty, release: rest };
}

// buildInfo: the version parsed, plus what the build environment added. A
// full commit that does not extend the version's short hash is ignored (a
// frontend built for another binary), as is a date that does not parse.
export function buildInfo(version: string, env: { commit?: string; builtAt?: string } = {}): BuildInfo {
  const info: BuildInfo = { ...parseVersion(version), builtAt: null };
  const full = env.commit?.trim().toLowerCase() ?? '';
  if (/^[0-9a-f]{40}$/.test(full) && (info.commit === null ? info.release !== null : full.startsWith(info.commit))) {
    info.commit = full;
  }
  if (env.builtAt) {
    const d = new Date(env.builtAt);
    if (!Number.isNaN(d.getTime())) info.builtAt = d;
  }
  return info;
}

// The build's own environment (empty outside scripts/package.sh).
export function buildEnv(): { commit?: string; builtAt?: string } {
  const env = import.meta.env as Record<string, string | undefined>;
  return { commit: env.VITE_GATEHOUSE_COMMIT, builtAt: env.VITE_GATEHOUSE_BUILD_DATE };
}

// shortCommit: the first 12 characters of a hash, for display.
export function shortCommit(commit: string): string {
  return commit.slice(0, 12);
}

// The main components the app ships (bundled in the binary or the
// frontend), with their licences.
export const COMPONENTS: ReadonlyArray<{ name: string; licence: string }> = [
  { name: 'Wails', licence: 'MIT' },
  { name: 'Go standard library, golang.org/x', licence: 'BSD-3-Clause' },
  { name: 'SQLite', licence: 'Public domain' },
  { name: 'mattn/go-sqlite3', licence: 'MIT' },
  { name: 'emersion/go-imap, go-smtp, go-message', licence: 'MIT' },
  { name: 'xuri/excelize', licence: 'BSD-3-Clause' },
  { name: 'go-pdf/fpdf', licence: 'MIT' },
  { name: 'nyaruka/phonenumbers', licence: 'MIT' },
  { name: 'DejaVu fonts', licence: 'Bitstream Vera / public domain' },
  { name: 'React, React Router', licence: 'MIT' },
  { name: 'Mantine', licence: 'MIT' },
  { name: 'i18next, react-i18next', licence: 'MIT' },
  { name: 'Recharts', licence: 'MIT' },
];
