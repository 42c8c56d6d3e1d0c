/**
 * The generated codec indexes load no generated module until a codec is used
 * (scripts/generate-protocol.ts, src/protocol/lazy-codec.ts): importing the
 * package must not pay for ~250 modules. Counted in a fresh process with a
 * module load hook, so what this test file itself imports does not count.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { pathToFileURL } from 'node:url';
import { join } from 'node:path';

const ROOT = join(import.meta.dirname, '..', '..');
const url = (path: string): string => pathToFileURL(join(ROOT, path)).href;

/** Runs `body` in a fresh Node process after a hook that records every loaded generated codec module; returns its JSON output. */
function probe(body: string): Record<string, unknown> {
  const script = `
    import module from 'node:module';
    const generated = new Set(); // the load hook can run twice for a module both imported and required: one instance
    module.registerHooks({ load(url, context, next) {
      if (/\\/(protocol\\/messages|metadata\\/records|coordinator\\/records)\\/[A-Z]\\w*\\.ts$/.test(url)) generated.add(url.replace(/.*\\//, ''));
      return next(url, context);
    } });
    const out = {};
    ${body}
    out.generated = [...generated];
    console.log(JSON.stringify(out));
  `;
  const stdout = execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 60_000 });
  return JSON.parse(stdout) as Record<string, unknown>;
}

test('importing the package loads only the two header codecs; one request loads its own module only', { timeout: 60_000 }, () => {
  const out = probe(`
    const samsa = await import(${JSON.stringify(url('src/index.ts'))});
    const { messages, requestCodec, responseCodec, Writer, Reader, SERVABLE_APIS } = samsa.protocol;
    out.afterImport = [...generated];
    out.codecs = messages.allCodecs.length;
    // Names, keys and versions are there without loading anything.
    out.apiVersionsMax = requestCodec(18).maxVersion;
    out.flexible = responseCodec(18).flexibleMinVersion;
    out.servable = SERVABLE_APIS.length;
    out.afterTables = [...generated];
    const codec = messages.ApiVersionsRequest;
    const w = new Writer(64);
    codec.encode(w, { ...messages.defaultApiVersionsRequest(), clientSoftwareName: 'probe', clientSoftwareVersion: '1' }, 3);
    const back = requestCodec(18).decode(new Reader(w.toBuffer()), 3);
    out.roundTrip = back.clientSoftwareName;
    out.sameCodec = requestCodec(18) === messages.ApiVersionsRequest;
    out.defaultsNested = typeof messages.defaultFetchRequestFetchTopic().partitions;
  `);
  assert.deepEqual((out.afterImport as string[]).sort(), ['RequestHeader.ts', 'ResponseHeader.ts']);
  assert.ok((out.codecs as number) > 150, `allCodecs lists every message (${out.codecs})`);
  assert.equal(out.apiVersionsMax, 4);
  assert.equal(out.flexible, 3);
  assert.ok((out.servable as number) > 50);
  assert.deepEqual((out.afterTables as string[]).sort(), ['RequestHeader.ts', 'ResponseHeader.ts']);
  assert.equal(out.roundTrip, 'probe');
  assert.equal(out.sameCodec, true);
  assert.equal(out.defaultsNested, 'object');
  assert.deepEqual((out.generated as string[]).sort(), ['ApiVersionsRequest.ts', 'FetchRequest.ts', 'RequestHeader.ts', 'ResponseHeader.ts']);
});

test('a loaded codec calls the generated functions directly; metadata and coordinator records load lazily too', { timeout: 60_000 }, () => {
  const out = probe(`
    const { messages, Writer } = await import(${JSON.stringify(url('src/protocol/index.ts'))});
    const real = await import(${JSON.stringify(url('src/protocol/messages/MetadataRequest.ts'))});
    messages.MetadataRequest.encode(new Writer(64), messages.defaultMetadataRequest(), 12);
    out.direct = messages.MetadataRequest.decode === real.MetadataRequest.decode && messages.MetadataRequest.encode === real.MetadataRequest.encode;
    const frame = await import(${JSON.stringify(url('src/metadata/record-frame.ts'))});
    const records = await import(${JSON.stringify(url('src/metadata/records/index.ts'))});
    const coordinator = await import(${JSON.stringify(url('src/coordinator/records/index.ts'))});
    out.beforeUse = [...generated];
    const bytes = frame.encodeMetadataRecord(frame.metadataRecord(records.TopicRecord, { ...records.defaultTopicRecord(), name: 't' }, 0));
    out.decoded = frame.decodeMetadataRecord(bytes).data.name;
    out.coordinatorCodecs = coordinator.allCodecs.length;
  `);
  assert.equal(out.direct, true);
  assert.deepEqual((out.beforeUse as string[]).sort(), ['MetadataRequest.ts', 'RequestHeader.ts', 'ResponseHeader.ts']);
  assert.equal(out.decoded, 't');
  assert.ok((out.coordinatorCodecs as number) > 20);
  assert.deepEqual((out.generated as string[]).sort(), ['MetadataRequest.ts', 'RequestHeader.ts', 'ResponseHeader.ts', 'TopicRecord.ts']);
});
