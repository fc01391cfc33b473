import { useEffect, useState } from 'react';

// useCountdown returns the whole seconds left until deadline (ms since the
// epoch), re-rendering as it ticks; 0 when there is no deadline or it passed.
export function useCountdown(deadline: number | null): number {
  const [, setTick] = useState(0);
  useEffect(() => {
    if (deadline === null) return;
    const id = window.setInterval(() => {
      setTick((n) => n + 1);
      if (Date.now() >= deadline) window.clearInterval(id);
    }, 250);
    return () => window.clearInterval(id);
  }, [deadline]);
  return secondsUntil(deadline);
}

export function secondsUntil(deadline: number | null, now = Date.now()): number {
  if (deadline === null) return 0;
  return Math.max(0, Math.ceil((deadline - now) / 1000));
}

// formatClock shows a countdown as m:ss.
export function formatClock(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}

// deadlineIn turns the backend's relative "in N seconds" into a moment on
// this machine's clock (ms since the epoch); null if N is absent or not positive.
export function deadlineIn(seconds: number | undefined | null, now = Date.now()): number | null {
  if (typeof seconds !== 'number' || !Number.isFinite(seconds) || seconds <= 0) return null;
  return now + seconds * 1000;
}
