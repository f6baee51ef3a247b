import { describe, expect, it } from 'vitest';
import { csvField, exportFileName, exportLine } from '../../src/api/delivery-rows.js';
import { CATALOGUE } from '../../src/domain/catalogue.js';
import type { StoredEvent } from '../../src/store/deliveries.js';
import { parseCsv } from '../helpers/csv.js';

const event: StoredEvent = {
  id: 'ev,"1"', sid: 257, appId: '', type: 'hands_up', status: 'failing', event: {}, attemptCount: 1,
  attempts: [{ n: 1, at: '2025-11-22T08:00:01.000Z', durationMs: 5, httpStatus: 500, errno: null, outcome: 'rejected', response: 'a,b\r\n"c"' }],
  createdAt: '2025-11-22T08:00:00.000Z', deliveredAt: null,
};

describe('delivery export rows', () => {
  it('quotes CSV fields per RFC 4180 only when needed', () => {
    expect(csvField('plain')).toBe('plain');
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField('line\nbreak')).toBe('"line\nbreak"');
    expect(csvField(null)).toBe('');
    expect(csvField(7)).toBe('7');
  });

  it('writes a CSV line that reads back to the same fields, and an NDJSON line with the attempts', () => {
    const [fields] = parseCsv(exportLine('csv', event));
    expect(fields?.slice(0, 8)).toEqual(['ev,"1"', '257', 'hands_up', String(CATALOGUE.hands_up.cmd), 'failing', '1', '2025-11-22T08:00:00.000Z', '']);
    expect(JSON.parse(fields![8]!)).toEqual(event.attempts);
    const line = exportLine('ndjson', event);
    expect(line.endsWith('\n')).toBe(true);
    expect(JSON.parse(line)).toMatchObject({ eventId: 'ev,"1"', attemptCount: 1, attempts: event.attempts, deliveredAt: null });
  });

  it('names the file after the school and the range', () => {
    expect(exportFileName('csv', {})).toBe('classbell-deliveries-all-start-now.csv');
    expect(exportFileName('ndjson', { sid: 257, sinceMs: Date.UTC(2025, 10, 22, 8), untilMs: Date.UTC(2025, 10, 22, 9, 30, 15) }))
      .toBe('classbell-deliveries-257-20251122T080000Z-20251122T093015Z.ndjson');
  });
});
