// Keeps the layers apart (DESIGN.md, "Rules of the house") with an allow-list: LAYERS says, for every room,
// which other rooms and which packages it may import. Anything not listed is refused, so a new dependency
// between rooms is a decision written down here. The room of a file is its longest key; a room may always
// import itself and shared/ (shared/ itself imports nothing else). Only the files in ELECTRON_AT_RUN_TIME
// import electron at run time; `import type` from electron is fine anywhere.
import path from 'node:path';
import tseslint from 'typescript-eslint';

const NODE = 'node:'; // any Node built-in, spelled with its node: prefix

const LAYERS = {
  'shared/': { rooms: [], packages: [] },
  'renderer/': { rooms: [], packages: ['preact'] },
  'renderer/vite.config.ts': { rooms: [], packages: ['vite', '@preact/preset-vite'] },
  'preload/': { rooms: [], packages: ['electron'] },
  // The composition roots wire every room together.
  'main/app/': { rooms: ['main/'], packages: ['valibot', 'electron', NODE] },
  // The call centre knows its ports only (they are in calls/ itself).
  'main/calls/': { rooms: [], packages: [] },
  'main/sip/': { rooms: ['main/calls/ports.ts', 'main/media/contract.ts'], packages: ['sip.js', 'fast-xml-parser', NODE] },
  'main/media/': { rooms: ['main/calls/ports.ts'], packages: ['sip.js', 'sdp-transform', 'tsx', NODE] },
  'main/numbers/': { rooms: ['main/calls/ports.ts'], packages: ['libphonenumber-js'] },
  // The store implements the ports of calls/ (history) and of sip/ (open dialogs kept for crash recovery).
  'main/store/': { rooms: ['main/calls/ports.ts', 'main/sip/open-dialog-port.ts', 'main/numbers/'], packages: ['better-sqlite3', 'csv-parse', NODE] },
  'main/directory/': { rooms: ['main/calls/ports.ts', 'main/numbers/', 'main/store/'], packages: [] },
  'main/bridge/': { rooms: [], packages: ['valibot', 'ws', NODE] },
  // Desktop adapters drive the contract's implementation (the bridge), nothing deeper; Node for asset paths
  // and for watching the network (interfaces, /proc/net/route).
  'main/desktop/': { rooms: ['main/bridge/'], packages: ['electron', NODE] },
};
const ELECTRON_AT_RUN_TIME = ['main/desktop/', 'main/app/electron.ts', 'preload/'];

const withoutExtension = (p) => p.replace(/\.[cm]?[jt]sx?$/, '');
const covers = (key, file) => (key.endsWith('/') ? file.startsWith(key) : withoutExtension(file) === withoutExtension(key));
const roomOf = (file) => Object.keys(LAYERS).filter((key) => covers(key, file)).sort((a, b) => b.length - a.length)[0];
const packageOf = (spec) => (spec.startsWith(NODE) ? NODE : spec.split('/').slice(0, spec.startsWith('@') ? 2 : 1).join('/'));

const layersRule = {
  meta: { type: 'problem', schema: [] },
  create(context) {
    const file = path.relative(context.cwd, context.filename).split(path.sep).join('/');
    if (file.startsWith('main/') && !Object.keys(LAYERS).some((key) => key.startsWith('main/') && covers(key, file))) {
      const folder = `${file.split('/').slice(0, 2).join('/')}/`;
      return { Program: (node) => context.report({ node, message: `${folder} is a room of main/ that LAYERS (eslint.config.js) does not list: say what it may import.` }) };
    }
    // Tests, benchmarks and build files stand outside the rooms: only the electron rule holds for them.
    const room = roomOf(file);
    const home = room === undefined || room.endsWith('/') ? room : `${path.posix.dirname(room)}/`;
    const electronAtRunTime = ELECTRON_AT_RUN_TIME.some((key) => covers(key, file));

    function check(node, spec, typeOnly) {
      if (typeof spec !== 'string') return;
      const name = spec.startsWith('.') ? null : packageOf(spec);
      if (name === 'electron') {
        if (typeOnly || electronAtRunTime) return;
        context.report({ node, message: 'Only main/desktop/ and main/app/electron.ts import electron at run time (import type is fine).' });
        return;
      }
      if (room === undefined) return;
      const { rooms, packages } = LAYERS[room];
      if (name === null) {
        const target = path.posix.normalize(path.posix.join(path.posix.dirname(file), spec));
        if (target.startsWith(home) || target.startsWith('shared/')) return;
        if (rooms.some((key) => covers(key, target))) return;
        const allowed = rooms.length ? rooms.join(', ') : 'no other room';
        context.report({ node, message: `${home} may not import ${target}: it may import ${allowed} (LAYERS in eslint.config.js).` });
        return;
      }
      if (packages.includes(name)) return;
      const allowed = packages.length ? packages.join(', ') : 'no package';
      context.report({ node, message: `${room} may not import ${spec}: it may import ${allowed} (LAYERS in eslint.config.js).` });
    }
    const typeOnlyImport = (node) =>
      node.importKind === 'type' || (node.specifiers.length > 0 && node.specifiers.every((s) => s.importKind === 'type'));

    return {
      ImportDeclaration: (node) => check(node, node.source.value, typeOnlyImport(node)),
      ExportNamedDeclaration: (node) => node.source && check(node, node.source.value, node.exportKind === 'type'),
      ExportAllDeclaration: (node) => check(node, node.source.value, node.exportKind === 'type'),
      ImportExpression: (node) => node.source.type === 'Literal' && check(node, node.source.value, false),
      TSImportType: (node) => check(node, node.argument?.literal?.value ?? node.argument?.value, true),
      CallExpression: (node) =>
        node.callee.type === 'Identifier' && node.callee.name === 'require' && node.arguments[0]?.type === 'Literal' && check(node, node.arguments[0].value, false),
    };
  },
};

export default tseslint.config(
  { ignores: ['node_modules/**', 'dist/**', 'bench/out/**', 'test-results/**', 'playwright-report/**', '.lab/**', 'release/**'] },
  ...tseslint.configs.recommended,
  {
    plugins: { house: { rules: { layers: layersRule } } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': ['error', { disallowTypeAnnotations: false }],
      'house/layers': 'error',
    },
  },
  {
    files: ['main/desktop/**', 'main/app/electron.ts', 'preload/**'],
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
