/**
 * Reading a school's reply to a push (API.md "The push", "Delivery log";
 * PROTOCOL.md §1 "Acknowledgement").
 */

/** How one push attempt ended, as shown in the delivery log. */
export type Outcome = 'delivered' | 'rejected' | 'bad_response' | 'timeout' | 'network_error';

/** The outcomes decided by the reply itself (the others mean there was no reply). */
export type ReplyOutcome = Extract<Outcome, 'delivered' | 'rejected' | 'bad_response'>;

/** The classification of one reply. */
export interface ReplyClassification {
  readonly outcome: ReplyOutcome;
  /** `error_info.errno` when the reply carries an integer there, else null. */
  readonly errno: number | null;
}

/** The bytes receivers sometimes prepend to JSON (a UTF-8 BOM); JSON.parse rejects them. */
const BOM = '\uFEFF';

/** Parses `error_info.errno` out of a reply: the integer, `'not_json'`, or `'no_errno'`. */
function readErrno(body: string | undefined): number | 'not_json' | 'no_errno' {
  if (body === undefined) return 'not_json';
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.startsWith(BOM) ? body.slice(1) : body);
  } catch {
    return 'not_json';
  }
  if (typeof parsed !== 'object' || parsed === null) return 'no_errno';
  const errorInfo: unknown = (parsed as { error_info?: unknown }).error_info;
  if (typeof errorInfo !== 'object' || errorInfo === null) return 'no_errno';
  const errno: unknown = (errorInfo as { errno?: unknown }).errno;
  // Only a JSON number that is an integer counts: "1" and 1.5 do not.
  // JSON.parse turns 1.0 into 1, which therefore counts as the number 1.
  return typeof errno === 'number' && Number.isInteger(errno) ? errno : 'no_errno';
}

/**
 * Classifies a reply. Acknowledged (`delivered`) only on a 2xx status with a
 * JSON body whose `error_info.errno` is the integer 1; `error_info.error` never
 * matters. A non-2xx status is `rejected` whatever the body says; a 2xx whose
 * integer errno is not 1 is `rejected`; a 2xx that is not JSON or lacks an
 * integer errno is `bad_response` (ClassIn's 10003).
 */
export function classifyReply(httpStatus: number, body: string | undefined): ReplyClassification {
  const errno = readErrno(body);
  const integerErrno = typeof errno === 'number' ? errno : null;
  if (httpStatus < 200 || httpStatus > 299) return { outcome: 'rejected', errno: integerErrno };
  if (integerErrno === null) return { outcome: 'bad_response', errno: null };
  return { outcome: integerErrno === 1 ? 'delivered' : 'rejected', errno: integerErrno };
}

/** UTF-8 length of one code point; a lone surrogate is encoded as U+FFFD (3 bytes). */
function utf8Length(codePoint: number): number {
  if (codePoint < 0x80) return 1;
  if (codePoint < 0x800) return 2;
  if (codePoint < 0x10000) return 3;
  return 4;
}

/**
 * Cuts a reply to at most `maxBytes` bytes of UTF-8 (the log keeps 1 KiB),
 * never inside a character. Walks only as far as needed, so a huge reply
 * costs no more than a short one.
 */
export function truncateReply(text: string, maxBytes = 1024): string {
  // Each UTF-16 unit is at most 3 UTF-8 bytes, so short strings fit as they are.
  if (text.length * 3 <= maxBytes) return text;
  let bytes = 0;
  let end = 0;
  for (const char of text) {
    const size = utf8Length(char.codePointAt(0) ?? 0);
    if (bytes + size > maxBytes) return text.slice(0, end);
    bytes += size;
    end += char.length;
  }
  return text;
}
