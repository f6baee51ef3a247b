import winston from 'winston';

export type Logger = winston.Logger;

/** Field names whose values are never written to the log, wherever they appear. */
const SECRET_FIELDS = /^(secret|appSecret|apiKey|token|userToken|authorization|password|adminToken|body)$/i;

const redact = winston.format((info) => {
  for (const key of Object.keys(info)) {
    if (SECRET_FIELDS.test(key)) info[key] = '[redacted]';
  }
  return info;
});

/** JSON logger to stdout; `silent` keeps test output clean. */
export function createLogger(level: string, options: { silent?: boolean } = {}): Logger {
  return winston.createLogger({
    level,
    silent: options.silent ?? false,
    format: winston.format.combine(redact(), winston.format.timestamp(), winston.format.json()),
    defaultMeta: { service: 'classbell' },
    transports: [new winston.transports.Console()],
  });
}
