import express, { type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import { tokenUserId } from '../services/rooms.js';
import { unauthorized } from '../lib/errors.js';
import type { Authenticator } from './auth.js';

/** The largest JSON body read (after decompression); the ingest's fast path takes no larger one. */
export const JSON_BODY_LIMIT_BYTES = 1024 * 1024;

/**
 * The JSON body parser (1 MiB after decompression). It is mounted behind each router's credential
 * check, so an unauthenticated request is answered 401 from its headers, before a byte of its body
 * is read (and the error handler then closes the connection instead of draining the body).
 */
export const jsonBody: RequestHandler = express.json({ limit: JSON_BODY_LIMIT_BYTES, strict: true });

/**
 * Room calls, from headers only, before their body is read: room entry (`entryPath` below the
 * router this is mounted on) needs the app's Basic
 * credentials (checked in full), every other call a well-formed user token (checked in full by the
 * call itself, against the room).
 */
export function roomCredentialsFirst(auth: Authenticator, entryPath = '/room/entry'): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => {
    if (req.method === 'GET') return next();
    if (req.path === entryPath) {
      return auth.middleware(req, res, (error?: unknown) => next(error ?? (res.locals.principal ? undefined : unauthorized())));
    }
    tokenUserId(typeof req.headers.token === 'string' ? req.headers.token : undefined);
    next();
  };
}
