import { describe, it, expect } from 'vitest';
import { classifyReply, truncateReply } from '../../src/domain/ack.js';

const ACK = '{"error_info":{"errno":1,"error":"程序正常执行"}}';

describe('classifyReply', () => {
  it('delivers on 2xx with errno the number 1', () => {
    expect(classifyReply(200, ACK)).toEqual({ outcome: 'delivered', errno: 1 });
    expect(classifyReply(204, '{"error_info":{"errno":1}}')).toEqual({ outcome: 'delivered', errno: 1 });
    expect(classifyReply(299, ACK)).toEqual({ outcome: 'delivered', errno: 1 });
  });

  it('counts 1.0 in the JSON text as the number 1 (JSON.parse gives 1)', () => {
    expect(classifyReply(200, '{"error_info":{"errno":1.0}}')).toEqual({ outcome: 'delivered', errno: 1 });
  });

  it('never lets error_info.error decide', () => {
    expect(classifyReply(200, '{"error_info":{"errno":1,"error":"failed"}}').outcome).toBe('delivered');
    expect(classifyReply(200, '{"error_info":{"errno":0,"error":"程序正常执行"}}').outcome).toBe('rejected');
  });

  it('rejects a 2xx with an integer errno other than 1', () => {
    expect(classifyReply(200, '{"error_info":{"errno":0}}')).toEqual({ outcome: 'rejected', errno: 0 });
    expect(classifyReply(200, '{"error_info":{"errno":10003}}')).toEqual({ outcome: 'rejected', errno: 10003 });
    expect(classifyReply(200, '{"error_info":{"errno":-1}}')).toEqual({ outcome: 'rejected', errno: -1 });
  });

  it('treats the string "1" and non-integers as a bad response', () => {
    expect(classifyReply(200, '{"error_info":{"errno":"1"}}')).toEqual({ outcome: 'bad_response', errno: null });
    expect(classifyReply(200, '{"error_info":{"errno":1.5}}')).toEqual({ outcome: 'bad_response', errno: null });
    expect(classifyReply(200, '{"error_info":{"errno":true}}')).toEqual({ outcome: 'bad_response', errno: null });
    expect(classifyReply(200, '{"error_info":{"errno":null}}')).toEqual({ outcome: 'bad_response', errno: null });
  });

  it('treats a 2xx that is not JSON as a bad response', () => {
    expect(classifyReply(200, 'OK')).toEqual({ outcome: 'bad_response', errno: null });
    expect(classifyReply(200, '')).toEqual({ outcome: 'bad_response', errno: null });
    expect(classifyReply(200, undefined)).toEqual({ outcome: 'bad_response', errno: null });
    expect(classifyReply(200, '<html>ok</html>')).toEqual({ outcome: 'bad_response', errno: null });
  });

  it('treats missing error_info or errno as a bad response', () => {
    for (const body of ['{}', '{"errno":1}', '{"error_info":null}', '{"error_info":{}}', '{"error_info":1}', '[]', '1', 'null', '"x"']) {
      expect(classifyReply(200, body), body).toEqual({ outcome: 'bad_response', errno: null });
    }
  });

  it('rejects any non-2xx, even with a good body, keeping an integer errno', () => {
    expect(classifyReply(500, ACK)).toEqual({ outcome: 'rejected', errno: 1 });
    expect(classifyReply(302, ACK)).toEqual({ outcome: 'rejected', errno: 1 });
    expect(classifyReply(404, 'Not Found')).toEqual({ outcome: 'rejected', errno: null });
    expect(classifyReply(503, '{"error_info":{"errno":"1"}}')).toEqual({ outcome: 'rejected', errno: null });
    expect(classifyReply(199, ACK).outcome).toBe('rejected');
    expect(classifyReply(300, ACK).outcome).toBe('rejected');
  });

  it('tolerates surrounding whitespace and a UTF-8 BOM', () => {
    expect(classifyReply(200, `\n  ${ACK}\r\n`).outcome).toBe('delivered');
    expect(classifyReply(200, `\uFEFF${ACK}`).outcome).toBe('delivered');
  });
});

describe('truncateReply', () => {
  const utf8Bytes = (s: string) => new TextEncoder().encode(s).length;

  it('keeps short text unchanged', () => {
    expect(truncateReply('hello')).toBe('hello');
    expect(truncateReply('')).toBe('');
    expect(truncateReply('x'.repeat(1024))).toBe('x'.repeat(1024));
  });

  it('cuts ASCII at 1 KiB by default', () => {
    expect(truncateReply('x'.repeat(5000))).toBe('x'.repeat(1024));
  });

  it('never splits a multi-byte character', () => {
    // "程" is 3 bytes: 341 of them = 1023 bytes, the 342nd would exceed 1024.
    const cut = truncateReply('程'.repeat(400));
    expect(cut).toBe('程'.repeat(341));
    expect(utf8Bytes(cut)).toBe(1023);
    // An emoji is 4 bytes (a surrogate pair): never half of one.
    expect(truncateReply('a😀😀', 6)).toBe('a😀');
    expect(truncateReply('ab😀', 5)).toBe('ab');
    expect(truncateReply('é'.repeat(10), 5)).toBe('éé');
  });

  it('stays within the limit for arbitrary text', () => {
    const text = 'aé程😀'.repeat(300);
    for (const max of [0, 1, 2, 3, 4, 5, 10, 100, 1024]) {
      const cut = truncateReply(text, max);
      expect(utf8Bytes(cut)).toBeLessThanOrEqual(max);
      expect(text.startsWith(cut)).toBe(true);
      expect(utf8Bytes(text.slice(0, cut.length + 4))).toBeGreaterThan(max);
    }
  });
});
