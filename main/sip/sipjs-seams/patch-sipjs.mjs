// Run at install (npm postinstall): two small speed patches to sip.js 0.21, each idempotent; if sip.js
// changes shape, it says so and leaves that file alone (correct, only slower). Each is pinned by
// test/unit/sip/sipjs-patches.test.ts. Listed with the other sip.js seams in README.md beside it.
// 1. Its generated SIP parser (peg.js) decodes its whole bytecode table (235 strings) on every parse call,
//    and sip.js parses each message with a dozen such calls: 1.6 ms per INVITE, most of our INVITE->180
//    time (bench/sip). The table is pure data, so it is decoded once per process instead.
// 2. headerize(), which turns a header name into its canonical form (call_id -> Call-ID), runs for every
//    header sip.js reads or writes, with a split, a regex and string building each time (8% of the INVITE
//    -> 180 path). It is pure, so its answers are remembered (a bounded table: names come off the wire).
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

function patch(relative, marker, apply, done) {
  const file = join(root, 'node_modules/sip.js', relative);
  if (!existsSync(file)) {
    console.warn(`patch-sipjs: ${file} not found, nothing patched`);
    return;
  }
  const source = readFileSync(file, 'utf8');
  if (source.includes(marker)) return;
  const patched = apply(source);
  if (patched === null) {
    console.warn(`patch-sipjs: ${relative} has an unexpected shape, left unpatched (sip.js stays slower)`);
    return;
  }
  writeFileSync(file, patched);
  console.log(`patch-sipjs: ${done}`);
}

patch(
  'lib/grammar/pegjs/dist/grammar.js',
  '/* dispatch-phone: bytecode decoded once */',
  (source) => {
    const open = '    const peg$bytecode = [';
    const start = source.indexOf(open);
    const end = start < 0 ? -1 : source.indexOf('\n    ];', start);
    const parse = source.indexOf('function peg$parse(');
    if (start < 0 || end < 0 || parse < 0 || parse > start) return null;
    return (
      source.slice(0, parse) +
      'let peg$bytecodeCache; /* dispatch-phone: bytecode decoded once */\n' +
      source.slice(parse, start) +
      '    const peg$bytecode = peg$bytecodeCache ?? (peg$bytecodeCache = [' +
      source.slice(start + open.length, end) +
      '\n    ]);' +
      source.slice(end + '\n    ];'.length)
    );
  },
  'sip.js parser bytecode is now decoded once per process',
);

patch(
  'lib/core/messages/utils.js',
  '/* dispatch-phone: headerize remembered */',
  (source) => {
    const head = 'export function headerize(str) {';
    if (source.split(head).length !== 2) return null;
    return source.replace(
      head,
      '/* dispatch-phone: headerize remembered */\n' +
        'const headerizeCache = new Map();\n' +
        'export function headerize(str) {\n' +
        '    let known = headerizeCache.get(str);\n' +
        '    if (known === undefined) {\n' +
        '        known = headerizeOnce(str);\n' +
        '        if (headerizeCache.size < 512) headerizeCache.set(str, known);\n' +
        '    }\n' +
        '    return known;\n' +
        '}\n' +
        'function headerizeOnce(str) {',
    );
  },
  'sip.js headerize() now remembers its answers',
);
