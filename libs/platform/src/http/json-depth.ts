import { BadRequestException } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';

/**
 * How deeply a JSON request body may nest objects and arrays. No API body of ours needs more than
 * a dozen levels (an OCPI Location with its EVSEs and connectors, a charging profile's schedule);
 * a deeper one is garbage or an attack: class-transformer (the ValidationPipe) recurses per level
 * and overflows the stack at about 4,000, which an 8 KB body reaches.
 */
export const MAX_JSON_BODY_DEPTH = 64;

/**
 * True when `value` nests objects/arrays more than `limit` levels deep (the value itself is level
 * 1). Iterative: the depth is the sender's choice and must not be able to exhaust our stack.
 */
export function nestedDeeperThan(value: unknown, limit: number): boolean {
  if (typeof value !== 'object' || value === null) return false;
  const pending: [container: object, depth: number][] = [[value, 1]];
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    const [container, depth] = next;
    if (depth > limit) return true;
    const children: unknown[] = Array.isArray(container) ? container : Object.values(container);
    for (const child of children) if (typeof child === 'object' && child !== null) pending.push([child, depth + 1]);
  }
  return false;
}

/**
 * Express middleware right after the JSON body parser: a body nested deeper than `limit` is a 400
 * before any pipe, handler or serialiser walks it. A BadRequestException, like the parser's own
 * refusal of malformed JSON, so the protocol edges' pre-route filters (OCPI, REMS) answer it in
 * their envelope.
 */
export function jsonDepthMiddleware(limit = MAX_JSON_BODY_DEPTH): (req: Request, res: Response, next: NextFunction) => void {
  return (req, _res, next) => {
    if (nestedDeeperThan(req.body, limit)) next(new BadRequestException(`the JSON body nests deeper than ${limit} levels`));
    else next();
  };
}
