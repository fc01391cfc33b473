// Files leaving the app in a browser: a temporary link clicked once. The
// session cookie goes along with a same-origin link, so exports under
// /api/export/... download like any file.

// triggerDownload clicks a hidden <a download> for href. name is a
// suggestion; the server's Content-Disposition wins for same-origin URLs.
export function triggerDownload(href: string, name = ''): void {
  const a = document.createElement('a');
  a.href = href;
  a.download = name;
  a.rel = 'noopener';
  a.style.display = 'none';
  document.body.appendChild(a);
  a.click();
  a.remove();
}

// base64ToBytes decodes plain base64 or a data: URL.
export function base64ToBytes(data: string): Uint8Array<ArrayBuffer> {
  const i = data.indexOf(';base64,');
  const bin = atob(i >= 0 ? data.slice(i + 8) : data);
  const out = new Uint8Array(bin.length);
  for (let k = 0; k < bin.length; k++) out[k] = bin.charCodeAt(k);
  return out;
}

export const XLSX_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

// downloadBase64 saves bytes the backend handed over (an import's errors
// file).
export function downloadBase64(name: string, data: string, type = XLSX_TYPE): void {
  downloadBlob(new Blob([base64ToBytes(data)], { type }), name);
}

// downloadBlob saves a Blob through a Blob URL, released once the browser
// has taken it.
export function downloadBlob(blob: Blob, name: string): void {
  const url = URL.createObjectURL(blob);
  triggerDownload(url, name);
  window.setTimeout(() => URL.revokeObjectURL(url), 30_000);
}

// fileNameFrom reads the file name of a Content-Disposition header:
// filename*=UTF-8''... (RFC 5987, which the server sends for names beyond
// ASCII) before filename="..."; '' when there is none.
export function fileNameFrom(header: string | null): string {
  if (!header) return '';
  const star = /filename\*\s*=\s*([^;]+)/i.exec(header);
  if (star) {
    const value = star[1].trim().replace(/^"(.*)"$/, '$1');
    const i = value.indexOf("''");
    try {
      const name = decodeURIComponent(i >= 0 ? value.slice(i + 2) : value);
      if (name) return baseName(name);
    } catch {
      /* a malformed escape: try the plain name */
    }
  }
  const plain = /filename\s*=\s*("((?:[^"\\]|\\.)*)"|[^;]+)/i.exec(header);
  if (!plain) return '';
  return baseName(plain[2] !== undefined ? plain[2].replace(/\\(.)/g, '$1') : plain[1].trim());
}

// baseName keeps a suggested name out of folders.
function baseName(name: string): string {
  return name.replace(/^.*[\\/]/, '').trim();
}

// readDataURL reads a picked file as a data: URL (base64), the shape the
// import calls take.
export function readDataURL(file: File): Promise<string> {
  return new Promise((resolve, reject) => {
    const r = new FileReader();
    r.onload = () => resolve(String(r.result));
    r.onerror = () => reject(r.error ?? new Error('read failed'));
    r.readAsDataURL(file);
  });
}
