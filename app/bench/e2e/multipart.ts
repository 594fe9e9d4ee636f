/**
 * One multipart/form-data request body, built once and sent many times: what the web page's
 * FormData sends for a canvas drawing (file field `image`, text field `source`).
 */

export interface MultipartBody {
  readonly body: Buffer;
  /** Full content-type header value, with the boundary. */
  readonly contentType: string;
}

export interface MultipartFile {
  readonly field: string;
  readonly filename: string;
  readonly contentType: string;
  readonly bytes: Uint8Array;
}

/** Encodes text fields, then one file, per RFC 7578. */
export function encodeMultipart(fields: Readonly<Record<string, string>>, file: MultipartFile, boundary = 'mnistbench7f3a9c'): MultipartBody {
  const parts: Buffer[] = [];
  for (const [name, value] of Object.entries(fields)) {
    parts.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`));
  }
  parts.push(
    Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${file.field}"; filename="${file.filename}"\r\nContent-Type: ${file.contentType}\r\n\r\n`),
    Buffer.from(file.bytes),
    Buffer.from(`\r\n--${boundary}--\r\n`),
  );
  return { body: Buffer.concat(parts), contentType: `multipart/form-data; boundary=${boundary}` };
}
