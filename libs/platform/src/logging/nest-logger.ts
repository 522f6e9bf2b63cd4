import type { LoggerService } from '@nestjs/common';
import type { Level, Logger } from 'pino';

/**
 * Nest's own log calls (boot, route mapping, unhandled exceptions) written by the root pino
 * logger, in the shape nestjs-pino used: the last extra argument is `context`, an Error becomes
 * `err`, an object is merged into the line.
 */
export class PinoNestLogger implements LoggerService {
  constructor(private readonly logger: Logger) {}

  verbose(message: unknown, ...rest: unknown[]): void {
    this.write('trace', message, rest);
  }

  debug(message: unknown, ...rest: unknown[]): void {
    this.write('debug', message, rest);
  }

  log(message: unknown, ...rest: unknown[]): void {
    this.write('info', message, rest);
  }

  warn(message: unknown, ...rest: unknown[]): void {
    this.write('warn', message, rest);
  }

  error(message: unknown, ...rest: unknown[]): void {
    this.write('error', message, rest);
  }

  fatal(message: unknown, ...rest: unknown[]): void {
    this.write('fatal', message, rest);
  }

  private write(level: Level, message: unknown, rest: unknown[]): void {
    if (!this.logger.isLevelEnabled(level)) return;
    const line: Record<string, unknown> = {};
    const params = rest.slice(0, -1);
    if (rest.length > 0) line.context = rest[rest.length - 1];
    // Nest's exception handlers call error(message, stack, context).
    const stack = params.length === 1 && typeof params[0] === 'string' && /\n\s*at /.test(params[0]) ? params[0] : undefined;
    if (message instanceof Error) line.err = message;
    else if (typeof message === 'object' && message !== null) Object.assign(line, message);
    else if (stack !== undefined) {
      const err = new Error(String(message));
      err.stack = stack;
      line.err = err;
    }
    if (typeof message === 'object' && message !== null) this.logger[level](line);
    else if (stack !== undefined) this.logger[level](line, String(message));
    else this.logger[level](line, String(message), ...params);
  }
}
