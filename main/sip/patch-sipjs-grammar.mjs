// Run at install (npm postinstall). sip.js 0.21's generated SIP parser (peg.js) decodes its whole
// bytecode table (235 strings) on every parse call, and sip.js parses each message with a dozen such
// calls: 1.6 ms per INVITE, most of our INVITE->180 time (bench/sip). The table is pure data, so it
// is decoded once per process instead. Idempotent; if sip.js changes shape, it says so and leaves it.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const MARKER = '/* dispatch-phone: bytecode decoded once */';
const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const file = join(root, 'node_modules/sip.js/lib/grammar/pegjs/dist/grammar.js');

if (!existsSync(file)) {
  console.warn(`patch-sipjs-grammar: ${file} not found, nothing patched`);
  process.exit(0);
}
const source = readFileSync(file, 'utf8');
if (source.includes(MARKER)) process.exit(0);

const open = '    const peg$bytecode = [';
const start = source.indexOf(open);
const end = start < 0 ? -1 : source.indexOf('\n    ];', start);
const parse = source.indexOf('function peg$parse(');
if (start < 0 || end < 0 || parse < 0 || parse > start) {
  console.warn('patch-sipjs-grammar: sip.js grammar has an unexpected shape, left unpatched (parsing stays slower)');
  process.exit(0);
}
const patched =
  source.slice(0, parse) +
  `let peg$bytecodeCache; ${MARKER}\n` +
  source.slice(parse, start) +
  '    const peg$bytecode = peg$bytecodeCache ?? (peg$bytecodeCache = [' +
  source.slice(start + open.length, end) +
  '\n    ]);' +
  source.slice(end + '\n    ];'.length);
writeFileSync(file, patched);
console.log('patch-sipjs-grammar: sip.js parser bytecode is now decoded once per process');
