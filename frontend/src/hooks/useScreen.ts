import { useEffect } from 'react';
import { api } from '../api';

let reported = false;

// useScreen tells the desktop shell, once per start, which screen came up
// first: it measures cold start up to that moment.
export function useScreen(name: string): void {
  useEffect(() => {
    if (reported) return;
    reported = true;
    api.frontendReady({ screen: name }).catch(() => {
      /* measuring only; never bother the user */
    });
  }, [name]);
}
