import { useCallback, useState } from 'react';
import type { ApiError } from '../api';
import { asApiError, retryDeadline } from '../api/errors';
import { useCountdown } from './useCountdown';

// useApiError keeps the error an Alert shows. A rate_limited error counts down
// its retryAfterSeconds, blocks the action meanwhile and disappears at zero.
export function useApiError() {
  const [error, setError] = useState<ApiError | null>(null);
  const [until, setUntil] = useState<number | null>(null);
  const secondsLeft = useCountdown(until);
  const set = useCallback((e: unknown) => {
    if (e === null || e === undefined) {
      setError(null);
      setUntil(null);
      return;
    }
    const err = asApiError(e);
    setError(err);
    setUntil(retryDeadline(err));
  }, []);
  const expired = error?.body.code === 'rate_limited' && until !== null && secondsLeft === 0;
  return {
    error: expired ? null : error,
    set,
    blocked: secondsLeft > 0,
    secondsLeft: until !== null ? secondsLeft : undefined,
  };
}
