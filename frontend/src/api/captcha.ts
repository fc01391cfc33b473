// Runs the captcha's proof of work in a Web Worker (see pow.ts).
export function solveInWorker(token: string, difficulty: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL('./pow.worker.ts', import.meta.url), { type: 'module' });
    worker.onmessage = (e: MessageEvent<string>) => {
      worker.terminate();
      resolve(e.data);
    };
    worker.onerror = (e) => {
      worker.terminate();
      reject(new Error(`captcha worker: ${e.message}`));
    };
    worker.postMessage({ token, difficulty });
  });
}
