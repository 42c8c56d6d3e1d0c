/**
 * `samsa dump-log --files F[,F...]`: kafka-dump-log.sh. Prints what a log
 * segment (`.log`), its indexes (`.index`, `.timeindex`, `.txnindex`) or a
 * producer snapshot (`.snapshot`) holds, in Kafka's line format, without a broker.
 */
import { readFileSync } from 'node:fs';
import { basename, extname } from 'node:path';
import type { Command } from 'commander';
import { CliError, EXIT_USAGE, runCommand } from './common.ts';
import { io } from './io.ts';

interface DumpLogFlags {
  files?: string;
  printDataLog?: boolean;
  deepIteration?: boolean;
}

const CODECS = ['none', 'gzip', 'snappy', 'lz4', 'zstd'];
/** Bytes of one entry of each index file. */
const OFFSET_ENTRY_BYTES = 8;
const TIME_ENTRY_BYTES = 12;

function baseOffsetOf(file: string): bigint {
  const digits = /^(\d{20})\./.exec(basename(file));
  if (digits === null) throw new CliError(`${file}: not a segment file name (20 digits of base offset, then .log, .index, .timeindex, .txnindex or .snapshot)`, EXIT_USAGE);
  return BigInt(digits[1]!);
}

function text(b: Buffer | null): string {
  return b === null ? 'null' : b.toString('utf8');
}

async function dumpSegment(file: string, bytes: Buffer, flags: DumpLogFlags, out: string[]): Promise<void> {
  const { scanBatches, readBatchRecords } = await import('../records/index.ts');
  out.push(`Log starting offset: ${baseOffsetOf(file)}`);
  const scan = scanBatches(bytes, { verifyCrc: false });
  for (const b of scan.batches) {
    const hasProducer = b.producerId >= 0n;
    const lastSequence = b.baseSequence < 0 ? -1 : b.baseSequence + b.lastOffsetDelta;
    out.push(`baseOffset: ${b.baseOffset} lastOffset: ${b.lastOffset} count: ${b.recordCount} baseSequence: ${b.baseSequence} `
      + `lastSequence: ${lastSequence} producerId: ${b.producerId} producerEpoch: ${b.producerEpoch} partitionLeaderEpoch: ${b.partitionLeaderEpoch} `
      + `isTransactional: ${b.isTransactional} isControl: ${b.isControl} position: ${b.offset} `
      + `${b.timestampType === 1 ? 'LogAppendTime' : 'CreateTime'}: ${b.maxTimestamp} size: ${b.sizeInBytes} magic: ${b.magic} `
      + `compresscodec: ${CODECS[b.compression] ?? b.compression} crcValid: ${b.computeCrc() === b.crc}`);
    if (flags.printDataLog !== true && flags.deepIteration !== true) continue;
    for (const r of readBatchRecords(b)) {
      let line = `| offset: ${r.offset} ${b.timestampType === 1 ? 'LogAppendTime' : 'CreateTime'}: ${r.timestamp} keySize: ${r.key?.length ?? -1} `
        + `valueSize: ${r.value?.length ?? -1} sequence: ${hasProducer && b.baseSequence >= 0 ? b.baseSequence + Number(r.offset - b.baseOffset) : -1} `
        + `headerKeys: [${r.headers.map((h) => h.key).join(',')}]`;
      if (flags.printDataLog === true) line += `${r.key === null ? '' : ` key: ${text(r.key)}`} payload: ${text(r.value)}`;
      out.push(line);
    }
  }
  if (scan.validBytes < bytes.length) out.push(`Found ${bytes.length - scan.validBytes} invalid bytes at the end of ${basename(file)}`);
}

function dumpOffsetIndex(file: string, bytes: Buffer, out: string[]): void {
  const base = baseOffsetOf(file);
  for (let at = 0; at + OFFSET_ENTRY_BYTES <= bytes.length; at += OFFSET_ENTRY_BYTES) {
    const relative = bytes.readUInt32BE(at);
    const position = bytes.readUInt32BE(at + 4);
    // A preallocated index ends in zeros past its last entry.
    if (at > 0 && relative === 0 && position === 0) break;
    out.push(`offset: ${base + BigInt(relative)} position: ${position}`);
  }
}

function dumpTimeIndex(file: string, bytes: Buffer, out: string[]): void {
  const base = baseOffsetOf(file);
  for (let at = 0; at + TIME_ENTRY_BYTES <= bytes.length; at += TIME_ENTRY_BYTES) {
    const timestamp = bytes.readBigInt64BE(at);
    const relative = bytes.readUInt32BE(at + 8);
    if (at > 0 && timestamp === 0n && relative === 0) break;
    out.push(`timestamp: ${timestamp} offset: ${base + BigInt(relative)}`);
  }
}

async function dumpSnapshot(file: string, bytes: Buffer, out: string[]): Promise<void> {
  const { decodeProducerSnapshot } = await import('../broker/index.ts');
  const entries = decodeProducerSnapshot(bytes);
  if (entries === null) throw new CliError(`${file}: not a producer snapshot (bad version or CRC)`);
  for (const e of entries) {
    const txnFirstOffset = e.currentTxnFirstOffset < 0 ? 'None' : `Some(${e.currentTxnFirstOffset})`;
    out.push(`producerId: ${e.producerId} producerEpoch: ${e.epoch} coordinatorEpoch: ${e.coordinatorEpoch} currentTxnFirstOffset: ${txnFirstOffset} `
      + `lastTimestamp: ${e.timestamp} firstSequence: ${e.firstSeq} lastSequence: ${e.lastSeq} lastOffset: ${e.lastOffset} offsetDelta: ${e.offsetDelta} timestamp: ${e.timestamp}`);
  }
}

async function dumpTxnIndex(file: string, bytes: Buffer, out: string[]): Promise<void> {
  const { decodeTxnIndex } = await import('../storage/index.ts');
  const entries = decodeTxnIndex(bytes);
  if (entries === null) throw new CliError(`${file}: not a transaction index (whole 34-byte entries of version 0)`);
  for (const t of entries) {
    out.push(`version: 0 producerId: ${t.producerId} firstOffset: ${t.firstOffset} lastOffset: ${t.lastOffset} lastStableOffset: ${t.lastStableOffset}`);
  }
}

async function dumpLog(flags: DumpLogFlags): Promise<void> {
  if (flags.files === undefined) throw new CliError('dump-log needs --files', EXIT_USAGE);
  for (const file of flags.files.split(',').map((f) => f.trim()).filter((f) => f !== '')) {
    let bytes: Buffer;
    try {
      bytes = readFileSync(file);
    } catch (e) {
      throw new CliError(`cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
    const out = [`Dumping ${file}`];
    const kind = extname(file);
    if (kind === '.log') await dumpSegment(file, bytes, flags, out);
    else if (kind === '.index') dumpOffsetIndex(file, bytes, out);
    else if (kind === '.timeindex') dumpTimeIndex(file, bytes, out);
    else if (kind === '.snapshot') await dumpSnapshot(file, bytes, out);
    else if (kind === '.txnindex') await dumpTxnIndex(file, bytes, out);
    else throw new CliError(`${file}: dump-log reads .log, .index, .timeindex, .txnindex and .snapshot files`, EXIT_USAGE);
    io().out(out.join('\n'));
  }
}

export function register(program: Command): void {
  program.command('dump-log')
    .description('print what segment, index and producer snapshot files hold (kafka-dump-log)')
    .option('--files <f1,f2>', 'the files to dump')
    .option('--print-data-log', 'print each record\'s key and value too')
    .option('--deep-iteration', 'print each record (without its data)')
    .exitOverride()
    .action((flags: DumpLogFlags) => runCommand(() => dumpLog(flags)));
}
