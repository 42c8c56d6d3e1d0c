#!/usr/bin/env node
// The `samsa` command. The runtime is checked first, in syntax every Node
// parses, so an older Node gets one line instead of a stack trace from a
// missing feature (zstd in node:zlib, type stripping, import.meta.main).
import { existsSync } from 'node:fs';
import module from 'node:module';

const NODE_MAJOR_MIN = 24;
const major = Number(process.versions.node.split('.')[0]);
if (!(major >= NODE_MAJOR_MIN)) {
  console.error(`samsa: Node.js ${NODE_MAJOR_MIN} or newer is required; this is ${process.version}`);
  process.exit(1);
}
// Compiled code (and, from a clone, the type-stripped sources) is cached on disk between runs: a warm
// start skips most of the parsing and stripping.
module.enableCompileCache?.();
// From a clone the sources run as they are (Node strips the types); the
// published package has only the compiled dist/ (built by `npm pack`).
const fromSources = new URL('../src/cli/main.ts', import.meta.url);
const { main } = await import(existsSync(fromSources) ? fromSources.href : '../dist/cli/main.js');
process.exitCode = await main(process.argv.slice(2));
