/**
 * Lazy loading for the generated codec indexes (src/protocol/messages,
 * src/metadata/records, src/coordinator/records). Loading the ~250 generated
 * modules eagerly was most of the package's import time, while a broker or a
 * client uses a few dozen of them. So each generated index exports, for every
 * message, a small stand-in codec that carries the message's name, API key
 * and version range as plain data (enough for the API tables, ApiVersions and
 * header flexibility) and loads the message's module on the first decode,
 * encode or defaults call. Access stays synchronous: the module is loaded with
 * require(), which in Node 24 loads an ES module (with no top-level await)
 * synchronously, sharing the one module cache with `import`.
 */
import { createRequire } from 'node:module';
import type { MessageCodec, Reader, Writer } from './codec.ts';

/**
 * A loader of the generated modules next to the index at `indexUrl`, by stem ('./FetchRequest'): `.ts` from the
 * sources (Node strips the types), `.js` from the compiled package.
 */
export function codecModules(indexUrl: string): <M>(stem: string) => M {
  const require = createRequire(indexUrl);
  const ext = indexUrl.endsWith('.ts') ? '.ts' : '.js';
  return <M>(stem: string) => require(stem + ext) as M;
}

/**
 * A codec whose code is loaded on first use. After the load its decode, encode and defaults are the loaded
 * codec's own functions (the generated ones do not use `this`), so a loaded codec costs nothing extra per call.
 */
export function lazyCodec<T>(
  name: string, apiKey: number, minVersion: number, maxVersion: number, flexibleMinVersion: number,
  load: () => MessageCodec<T>,
): MessageCodec<T> {
  const codec = {
    name, apiKey, minVersion, maxVersion, flexibleMinVersion,
    decode(r: Reader, version: number): T {
      return resolve().decode(r, version);
    },
    encode(w: Writer, value: T, version: number): void {
      resolve().encode(w, value, version);
    },
    defaults(): T {
      return resolve().defaults();
    },
  };
  const resolve = (): MessageCodec<T> => {
    const real = load();
    codec.decode = real.decode;
    codec.encode = real.encode;
    codec.defaults = real.defaults;
    return real;
  };
  return codec;
}
