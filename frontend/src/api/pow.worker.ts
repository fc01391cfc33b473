// Solves a captcha challenge off the main thread, so the page stays
// responsive while the browser works.
import { solve } from './pow';

self.onmessage = (e: MessageEvent<{ token: string; difficulty: number }>) => {
  self.postMessage(solve(e.data.token, e.data.difficulty));
};
