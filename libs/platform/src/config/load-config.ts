import { z } from 'zod';

export type Environment = 'development' | 'test' | 'production';

/** Thrown at boot when the environment does not describe a valid configuration. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Environment variables arrive as strings; these coerce them without accepting garbage. */
export const env = {
  port: () => z.coerce.number().int().min(1).max(65535),
  positiveInt: () => z.coerce.number().int().positive(),
  nonNegativeInt: () => z.coerce.number().int().min(0),
  bool: () =>
    z
      .enum(['true', 'false', '1', '0', 'yes', 'no'], { message: 'expected true or false' })
      .transform((v) => v === 'true' || v === '1' || v === 'yes'),
  url: (protocols: string[]) =>
    z.string().refine(
      (v) => {
        try {
          return protocols.includes(new URL(v).protocol.replace(/:$/, ''));
        } catch {
          return false;
        }
      },
      { message: `expected a URL with scheme ${protocols.join(' or ')}` },
    ),
  urlList: (protocols: string[]) =>
    z
      .string()
      .transform((v) => v.split(',').map((s) => s.trim()).filter(Boolean))
      .pipe(z.array(env.url(protocols)).min(1)),
};

/**
 * A value every environment must set except development and test, where a
 * local default keeps `npm start` working out of the box. Secrets and URLs of
 * production systems use this so no production default ever lives in code.
 */
export function devDefault<T extends z.ZodType>(schema: T, environment: Environment, fallback: z.input<T>) {
  // prefault: the fallback is parsed like a real value, so it is validated and transformed too.
  return environment === 'production' ? schema : schema.prefault(fallback as never);
}

/**
 * Parses `source` (process.env by default) with the schema the factory builds
 * for the current NODE_ENV. Every problem names its variable, so a bad
 * deployment stops with one readable message rather than a stack trace.
 */
export function loadConfig<T extends z.ZodObject>(
  factory: (environment: Environment) => T,
  source: NodeJS.ProcessEnv = process.env,
): z.infer<T> & { NODE_ENV: Environment } {
  const nodeEnv = z.enum(['development', 'test', 'production']).default('development').safeParse(emptyToUndefined(source.NODE_ENV));
  if (!nodeEnv.success) throw new ConfigError([`NODE_ENV: expected development, test or production, got "${source.NODE_ENV}"`]);
  const schema = factory(nodeEnv.data);
  const cleaned = Object.fromEntries(Object.entries(source).map(([k, v]) => [k, emptyToUndefined(v)]));
  const parsed = schema.safeParse(cleaned);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((issue) => {
        const name = issue.path.join('.') || '(root)';
        const given = source[String(issue.path[0])];
        const secret = /KEY|PASSWORD|SECRET|TOKEN|URL/.test(name);
        const shown = given === undefined || given === '' ? 'not set' : secret ? 'set (hidden)' : `"${given}"`;
        return `${name}: ${issue.message} (${shown})`;
      }),
    );
  }
  return { ...(parsed.data as z.infer<T>), NODE_ENV: nodeEnv.data };
}

/** An empty variable (`FOO=`) means "not set", as every shell user expects. */
function emptyToUndefined(v: string | undefined): string | undefined {
  return v === undefined || v.trim() === '' ? undefined : v;
}
