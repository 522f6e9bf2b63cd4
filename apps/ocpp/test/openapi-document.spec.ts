import 'reflect-metadata';
import type { INestApplication, Type } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { DocumentBuilder, SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';
import { ApiKeyGuard } from '@cpo/platform';
import AjvDraft04Module from 'ajv-draft-04';
import addFormatsModule from 'ajv-formats';
import { OperatorCommandsModule } from '../src/operator-commands/operator-commands.module.js';
import { ViewsModule } from '../src/views/views.module.js';

// CommonJS modules: their default export is the module's `default` (as in the ocpp-protocol validator).
const AjvDraft04 = AjvDraft04Module.default;
const addFormats = addFormatsModule.default;

/**
 * The operator API's OpenAPI document, built from the app's controllers as the platform's
 * setupSwagger builds it (providers mocked: the document only reads the decorators), and read the way
 * a client or gateway validating requests against it would: with a JSON Schema validator.
 */
const controllersOf = (module: Type): Type[] => (Reflect.getMetadata('controllers', module) as Type[] | undefined) ?? [];

type Operation = { requestBody?: { content: Record<string, { schema: object }> }; responses: Record<string, { content?: Record<string, { schema: object }> }> };

let app: INestApplication;
let doc: OpenAPIObject;

beforeAll(async () => {
  const moduleRef = await Test.createTestingModule({ controllers: [OperatorCommandsModule, ViewsModule].flatMap(controllersOf) })
    .useMocker(() => ({}))
    .overrideGuard(ApiKeyGuard)
    .useValue({ canActivate: () => true })
    .compile();
  app = moduleRef.createNestApplication({ logger: false });
  doc = SwaggerModule.createDocument(app, new DocumentBuilder().setTitle('ocpp API').setVersion('test').build());
});
afterAll(() => app?.close());

/** OpenAPI 3.0 schema objects are draft-04 JSON Schema (boolean exclusive bounds); Ajv knows `nullable` itself. */
function validator() {
  const ajv = addFormats(new AjvDraft04({ strict: false, allErrors: true }));
  ajv.addSchema(JSON.parse(JSON.stringify(doc)) as object, 'openapi.json');
  return ajv;
}

const pointer = (...parts: string[]) => '#/' + parts.map((p) => p.replaceAll('~', '~0').replaceAll('/', '~1')).join('/');

function operations(): { path: string; method: string; op: Operation }[] {
  return Object.entries(doc.paths).flatMap(([path, item]) =>
    Object.entries(item as Record<string, Operation>)
      .filter(([method]) => ['get', 'put', 'post', 'patch', 'delete'].includes(method))
      .map(([method, op]) => ({ path, method, op })),
  );
}

const COMMAND = '/api/v1/stations/{stationId}/commands/{action}';

describe('OCPP operator OpenAPI document', () => {
  it('every $ref in it points at something in it', () => {
    const dangling: string[] = [];
    const walk = (node: unknown, at: string): void => {
      if (Array.isArray(node)) return node.forEach((n, i) => walk(n, `${at}/${i}`));
      if (!node || typeof node !== 'object') return;
      for (const [key, value] of Object.entries(node)) {
        if (key === '$ref' && typeof value === 'string') {
          const target = value.startsWith('#/') ? value.slice(2).split('/').map((p) => p.replaceAll('~1', '/').replaceAll('~0', '~')).reduce<unknown>((n, p) => (n as Record<string, unknown> | undefined)?.[p], doc) : undefined;
          if (target === undefined) dangling.push(`${at}: ${value}`);
        } else walk(value, `${at}/${key}`);
      }
    };
    walk(doc, '');
    expect(dangling).toEqual([]);
  });

  it('every request body and response schema compiles with a JSON Schema validator', () => {
    const ajv = validator();
    const failures: string[] = [];
    for (const { path, method, op } of operations()) {
      const schemas = [
        ...Object.keys(op.requestBody?.content ?? {}).map((type) => pointer('paths', path, method, 'requestBody', 'content', type, 'schema')),
        ...Object.entries(op.responses).flatMap(([status, r]) => Object.keys(r.content ?? {}).map((type) => pointer('paths', path, method, 'responses', status, 'content', type, 'schema'))),
      ];
      for (const at of schemas) {
        try {
          ajv.compile({ $ref: `openapi.json${at}` });
        } catch (err) {
          failures.push(`${at}: ${(err as Error).message}`);
        }
      }
    }
    expect(failures).toEqual([]);
  });

  it("the command body accepts every action's valid payload, also one valid for several actions, and refuses one no action takes", () => {
    const body = validator().compile({ $ref: `openapi.json${pointer('paths', COMMAND, 'post', 'requestBody', 'content', 'application/json', 'schema')}` });
    const check = (payload: unknown) => ({ payload, valid: body(payload) });
    // {} is ClearCache's, GetLocalListVersion's, GetConfiguration's…; a Heartbeat trigger TriggerMessage's and ExtendedTriggerMessage's.
    for (const payload of [{}, { requestedMessage: 'Heartbeat' }, { connectorId: 1, type: 'Inoperative' }, { key: 'HeartbeatInterval', value: '60' }]) {
      expect(check(payload)).toEqual({ payload, valid: true });
    }
    for (const payload of [[], 'ClearCache', { requestedMessage: 42 }]) expect(check(payload)).toEqual({ payload, valid: false });
  });

  it('every operation documents its success status', () => {
    const without = operations()
      .filter(({ op }) => !Object.keys(op.responses).some((s) => /^2\d\d$/.test(s)))
      .map(({ path, method }) => `${method.toUpperCase()} ${path}`);
    expect(without).toEqual([]);
  });

  it('every operation taking a query or a body documents the 400 its validation answers', () => {
    const without = operations()
      .filter(({ op }) => (op as { parameters?: { in: string }[] }).parameters?.some((p) => p.in === 'query') || op.requestBody)
      .filter(({ op }) => !op.responses['400'])
      .map(({ path, method }) => `${method.toUpperCase()} ${path}`);
    expect(without).toEqual([]);
  });

  it('GET and DELETE of a station, the 400s of PUT /stations, the transactions and meter values, and typed page rows', () => {
    const op = (path: string, method: string) => doc.paths[path]![method as 'get'] as unknown as Operation;
    const statuses = (path: string, method: string) => Object.keys(op(path, method).responses).sort();
    expect(statuses('/api/v1/stations/{stationId}', 'get')).toEqual(expect.arrayContaining(['200', '404']));
    expect(statuses('/api/v1/stations/{stationId}', 'delete')).toEqual(expect.arrayContaining(['204', '404']));
    expect(statuses('/api/v1/stations/{stationId}', 'delete')).not.toContain('200');
    for (const [path, method] of [
      ['/api/v1/stations/{stationId}', 'put'],
      ['/api/v1/transactions', 'get'],
      ['/api/v1/stations/{stationId}/meter-values', 'get'],
    ] as const) {
      expect({ path, method, statuses: statuses(path, method) }).toEqual({ path, method, statuses: expect.arrayContaining(['400']) });
    }
    const station = JSON.stringify(op('/api/v1/stations/{stationId}', 'get').responses['200']!.content);
    for (const field of ['registration_status', 'connectors', 'connection']) expect(station).toContain(field);
    // Page rows name their fields (station rows snake_case, as returned; the others camelCase).
    const rows = (path: string) => (op(path, 'get').responses['200']!.content!['application/json']!.schema as { properties: { items: { items: { properties?: object } } } }).properties.items.items;
    expect(Object.keys(rows('/api/v1/stations').properties ?? {})).toEqual(expect.arrayContaining(['id', 'registration_status', 'connection']));
    expect(Object.keys(rows('/api/v1/transactions').properties ?? {})).toEqual(expect.arrayContaining(['transactionId', 'stationId', 'idTag', 'energyWh', 'stopLost']));
  });
});
