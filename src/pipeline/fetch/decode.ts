// A fetched or archived body as text.

/**
 * Decodes a body in the charset its Content-Type names. With none named (or one unknown), it is
 * UTF-8 if its bytes are valid UTF-8, else windows-1252, what older Windows-made files such as
 * the 2020-21 GMPP CSV are. A UTF-8 byte order mark is stripped. The CLI reads files through it too.
 */
export function decodeBody(body: ArrayBuffer | Uint8Array, contentType: string | null): string {
  const charset = /charset=["']?([\w-]+)/i.exec(contentType ?? "")?.[1];
  if (charset) {
    try {
      return new TextDecoder(charset).decode(body);
    } catch {
      // An unknown charset: detect, as if none were named.
    }
  }
  try {
    return new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(body);
  } catch {
    return new TextDecoder("windows-1252").decode(body);
  }
}
