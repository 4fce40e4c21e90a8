// Standard base64 of bytes and back, for keys, signatures and sealed values (Workers have atob/btoa
// for strings only). Pure. `fromBase64` throws on text that is not base64, as atob does.

export function toBase64(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s);
}

export function fromBase64(b64: string): Uint8Array<ArrayBuffer> {
  const s = atob(b64);
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}
