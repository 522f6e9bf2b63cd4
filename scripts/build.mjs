// Compiles every app, lib, tool and benchmark to ESM JavaScript under dist/ with swc.
// tsc does the type checking (`npm run typecheck`); swc only strips types, which keeps the
// build around a second on two cores. Path aliases from tsconfig.base.json are rewritten to
// relative `.js` specifiers so plain `node dist/apps/<app>/src/main.js` runs without a loader.
import { transformFile } from '@swc/core';
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const outDir = join(root, 'dist');
const sourceDirs = ['apps', 'libs', 'tools', 'bench'];
const skip = (p) => p.endsWith('.spec.ts') || p.endsWith('.d.ts') || p.includes('/test/') || p.includes('/node_modules/');

async function listTs(dir) {
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  const files = await Promise.all(
    entries.map((e) => {
      const p = join(dir, e.name);
      if (e.isDirectory()) return listTs(p);
      return e.name.endsWith('.ts') && !skip(p) ? [p] : [];
    }),
  );
  return files.flat();
}

const tsconfig = JSON.parse(await readFile(join(root, 'tsconfig.base.json'), 'utf8'));
const swcOptions = {
  sourceMaps: true,
  jsc: {
    parser: { syntax: 'typescript', decorators: true },
    transform: { legacyDecorator: true, decoratorMetadata: true, useDefineForClassFields: false },
    target: 'es2023',
    keepClassNames: true,
    baseUrl: root,
    paths: tsconfig.compilerOptions.paths,
  },
  module: { type: 'es6', resolveFully: true },
};

const started = Date.now();
await rm(outDir, { recursive: true, force: true });
const files = (await Promise.all(sourceDirs.map((d) => listTs(join(root, d))))).flat();
await Promise.all(
  files.map(async (file) => {
    const rel = relative(root, file);
    const target = join(outDir, rel.replace(/\.ts$/, '.js'));
    const out = await transformFile(file, { ...swcOptions, sourceFileName: relative(dirname(target), file) });
    await mkdir(dirname(target), { recursive: true });
    await writeFile(target, `${out.code}\n//# sourceMappingURL=${target.split('/').pop()}.map\n`);
    if (out.map) await writeFile(`${target}.map`, out.map);
  }),
);
process.stdout.write(`built ${files.length} files into dist/ in ${Date.now() - started} ms\n`);
