import { describe, expect, it } from 'vitest';
import { refreshOpenScreens, registerRefresher } from './status';

describe('refreshOpenScreens', () => {
  it('says no list refreshed when none is open, so the header offers a reload', () => {
    expect(refreshOpenScreens()).toBe(false);
  });

  it('refreshes every open list and covers the screen when all of them could', () => {
    let a = 0;
    let b = 0;
    const offA = registerRefresher({ current: () => (a++, true) });
    const offB = registerRefresher({ current: () => (b++, true) });
    expect(refreshOpenScreens()).toBe(true);
    expect([a, b]).toEqual([1, 1]);
    offA();
    offB();
    expect(refreshOpenScreens()).toBe(false);
    expect([a, b]).toEqual([1, 1]);
  });

  it('asks for the reload notice when a list declines (more pages loaded than a refresh brings back)', () => {
    let asked = 0;
    const offA = registerRefresher({ current: () => false });
    const offB = registerRefresher({ current: () => (asked++, true) });
    expect(refreshOpenScreens()).toBe(false);
    expect(asked).toBe(1);
    offA();
    offB();
  });
});
