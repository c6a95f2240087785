'use strict';
// Runs a CommonJS script under a fixed file name that names nothing of the machine.
// Usage: node neutral_path.js <neutral file name> <script> [script args ...]
//
// Why: the Node SDK puts its caller's source file and line into every event
// (lib.$lib_detail, "undefined##track##<file>##22,6", read from a stack trace),
// and Node names a script by where it lies on disk: the work tree of the machine
// that records the captures. Compiled here with vm.compileFunction under the
// given file name, the script's stack frames, and so what the SDK sends, name
// that file instead, the same on every machine. Line and column numbers stay
// those of the script. Nothing else about the run changes: the SDK, Node and
// the network are the real ones.
const fs = require('fs');
const path = require('path');
const vm = require('vm');

const [neutralFile, script, ...args] = process.argv.slice(2);
if (!neutralFile || !script || !path.isAbsolute(neutralFile)) {
  console.error('usage: node neutral_path.js </absolute/neutral/name.js> <script> [args ...]');
  process.exit(2);
}
const source = fs.readFileSync(script, 'utf8');
// The script reads its arguments as if started as `node <neutralFile> args...`.
process.argv = [process.argv[0], neutralFile, ...args];
const mod = { exports: {}, filename: neutralFile };
const run = vm.compileFunction(source, ['exports', 'require', 'module', '__filename', '__dirname'],
  { filename: neutralFile });
run(mod.exports, require, mod, neutralFile, path.dirname(neutralFile));
