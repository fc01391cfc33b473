import { describe, expect, it } from 'vitest';
import { buildInfo, parseVersion, shortCommit } from './about';

describe('parseVersion', () => {
  it('reads a build at a tag', () => {
    expect(parseVersion('v1.2.0')).toMatchObject({ release: 'v1.2.0', commitsSince: 0, commit: null, dirty: false, dev: false });
    expect(parseVersion('v1.2.0-dirty')).toMatchObject({ release: 'v1.2.0', commit: null, dirty: true });
  });
  it('reads a build after a tag', () => {
    expect(parseVersion('v1.2.0-14-g016a912')).toMatchObject({ release: 'v1.2.0', commitsSince: 14, commit: '016a912', dirty: false });
    expect(parseVersion('v1.2.0-rc-1-3-gabcdef12-dirty')).toMatchObject({
      release: 'v1.2.0-rc-1',
      commitsSince: 3,
      commit: 'abcdef12',
      dirty: true,
    });
  });
  it('reads an untagged build', () => {
    expect(parseVersion('016a912')).toMatchObject({ release: null, commit: '016a912', dirty: false });
    expect(parseVersion('016a912-dirty')).toMatchObject({ release: null, commit: '016a912', dirty: true, version: '016a912-dirty' });
  });
  it('knows a development build', () => {
    expect(parseVersion('dev')).toMatchObject({ dev: true, release: null, commit: null });
    expect(parseVersion('')).toMatchObject({ dev: true, version: 'dev' });
  });
});

describe('buildInfo', () => {
  const full = '016a912c0ffee0000000000000000000000000ab';
  it('takes the full commit when it extends the short one', () => {
    expect(buildInfo('016a912-dirty', { commit: full }).commit).toBe(full);
    expect(buildInfo('v1.0.0-2-g016a912', { commit: full.toUpperCase() }).commit).toBe(full);
    expect(buildInfo('v1.0.0', { commit: full }).commit).toBe(full);
  });
  it('ignores a commit for another build', () => {
    expect(buildInfo('abcdef1', { commit: full }).commit).toBe('abcdef1');
    expect(buildInfo('dev', { commit: full }).commit).toBeNull();
    expect(buildInfo('016a912', { commit: 'not-a-hash' }).commit).toBe('016a912');
  });
  it('reads the build date, or none', () => {
    expect(buildInfo('v1.0.0', { builtAt: '2026-11-23T16:30:00Z' }).builtAt?.toISOString()).toBe('2026-11-23T16:30:00.000Z');
    expect(buildInfo('v1.0.0', { builtAt: 'yesterday' }).builtAt).toBeNull();
    expect(buildInfo('v1.0.0').builtAt).toBeNull();
  });
  it('shortens hashes for display', () => {
    expect(shortCommit(full)).toBe('016a912c0ffe');
    expect(shortCommit('016a912')).toBe('016a912');
  });
});
