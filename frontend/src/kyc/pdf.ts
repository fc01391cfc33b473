// renderFirstPage draws the first page of a stored PDF into a canvas, for
// thumbnails. PDF.js is loaded on first use only, so screens without a PDF
// do not pay for it; its legacy build, because the desktop's WebKitGTK may
// lag the browsers the modern build targets.
import workerUrl from 'pdfjs-dist/legacy/build/pdf.worker.min.mjs?url';

type PdfJs = typeof import('pdfjs-dist/legacy/build/pdf.mjs');

let lib: Promise<PdfJs> | null = null;

function pdfjs(): Promise<PdfJs> {
  lib ??= import('pdfjs-dist/legacy/build/pdf.mjs').then((m) => {
    m.GlobalWorkerOptions.workerSrc = workerUrl;
    return m;
  });
  return lib;
}

// renderFirstPage fits page 1 of the PDF at url into width x height CSS
// pixels (sharp on high-density screens). It rejects when the file is not
// a PDF PDF.js can read; isCancelled stops it when the tile went away.
export async function renderFirstPage(
  url: string,
  canvas: HTMLCanvasElement,
  width: number,
  height: number,
  isCancelled: () => boolean,
): Promise<void> {
  const { getDocument } = await pdfjs();
  // Stored files are the customer's: never let one run script.
  const task = getDocument({ url, isEvalSupported: false, enableXfa: false });
  try {
    const doc = await task.promise;
    if (isCancelled()) return;
    const page = await doc.getPage(1);
    const base = page.getViewport({ scale: 1 });
    const ratio = window.devicePixelRatio || 1;
    const viewport = page.getViewport({ scale: Math.min(width / base.width, height / base.height) * ratio });
    canvas.width = Math.ceil(viewport.width);
    canvas.height = Math.ceil(viewport.height);
    canvas.style.width = `${Math.round(viewport.width / ratio)}px`;
    canvas.style.height = `${Math.round(viewport.height / ratio)}px`;
    if (isCancelled()) return;
    await page.render({ canvas, viewport }).promise;
  } finally {
    await task.destroy();
  }
}
