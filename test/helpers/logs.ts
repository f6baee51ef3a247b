import { Writable } from 'node:stream';
import winston from 'winston';
import { createLogger, type Logger } from '../../src/lib/logger.js';

/** The project's own logger (its redaction and JSON format), with the console swapped for `lines`. */
export function memoryLogger(level: string, lines: string[]): Logger {
  const logger = createLogger(level);
  logger.clear();
  logger.add(new winston.transports.Stream({
    stream: new Writable({
      write(chunk: Buffer | string, _encoding, done) {
        lines.push(chunk.toString());
        done();
      },
    }),
  }));
  return logger;
}

/** The parsed log lines at a level. */
export function linesAt(lines: string[], level: string): Record<string, unknown>[] {
  return lines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.level === level);
}
