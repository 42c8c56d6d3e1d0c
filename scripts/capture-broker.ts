/**
 * A throwaway fake broker for scripts/capture-fixtures.ts: it answers just
 * enough of the protocol for real clients to produce (ApiVersions, Metadata,
 * InitProducerId, Produce) and records every request frame it receives. It
 * stores nothing and checks nothing; it is not Samsa's server.
 */
import { createHash } from 'node:crypto';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import {
  Reader,
  SERVABLE_APIS,
  Writer,
  messages,
  readRequestHeader,
  requestCodec,
  responseCodec,
  writeResponseHeader,
  type MessageCodec,
} from '../src/protocol/index.ts';

export interface ReceivedFrame {
  /** Label of the client run that was active when the frame arrived. */
  label: string;
  connection: number;
  apiKey: number;
  apiVersion: number;
  /** The whole request (header and body) without the 4-byte size prefix. */
  frame: Buffer;
}

const UNSUPPORTED_VERSION = 35;
const API_VERSIONS = 18;
const MAX_FRAME_BYTES = 16 * 1024 * 1024;
const CLUSTER_ID = 'samsa-capture-cluster';

/** A stable, made-up topic id (base64url uuid) so repeated captures answer identically. */
function topicIdFor(name: string): string {
  return createHash('sha256').update(name).digest().subarray(0, 16).toString('base64url');
}

export class CaptureBroker {
  readonly frames: ReceivedFrame[] = [];
  /** Set by the driver before each client run; frames are tagged with it. */
  label = '';
  /** Requests of API keys the fake broker has no handler for, by key. */
  readonly unhandled = new Map<number, number>();
  private readonly server: Server;
  private readonly sockets = new Set<Socket>();
  private readonly topics = new Set<string>();
  private nextConnection = 1;
  private nextProducerId = 1000n;
  port = 0;

  constructor() {
    this.server = createServer((socket) => this.accept(socket));
  }

  async start(): Promise<number> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(0, '127.0.0.1', () => resolve());
    });
    this.port = (this.server.address() as AddressInfo).port;
    return this.port;
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** Connections still open (a client that has not hung up yet). */
  openConnections(): number {
    return this.sockets.size;
  }

  private accept(socket: Socket): void {
    const connection = this.nextConnection++;
    this.sockets.add(socket);
    socket.setNoDelay(true);
    let pending: Buffer = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
      while (pending.length >= 4) {
        const size = pending.readInt32BE(0);
        if (size < 0 || size > MAX_FRAME_BYTES) {
          process.stderr.write(`capture broker: bad frame size ${size} on connection ${connection}\n`);
          socket.destroy();
          return;
        }
        if (pending.length < 4 + size) break;
        // Copy: the frame outlives the socket's chunk.
        const frame = Buffer.from(pending.subarray(4, 4 + size));
        pending = pending.subarray(4 + size);
        this.onFrame(socket, connection, frame);
      }
    });
    socket.on('error', () => socket.destroy());
    socket.on('close', () => this.sockets.delete(socket));
  }

  private onFrame(socket: Socket, connection: number, frame: Buffer): void {
    const apiKey = frame.readInt16BE(0);
    const apiVersion = frame.readInt16BE(2);
    this.frames.push({ label: this.label, connection, apiKey, apiVersion, frame });
    try {
      const reply = this.answer(frame);
      if (reply !== null) socket.write(reply);
    } catch (err) {
      process.stderr.write(`capture broker: cannot answer api ${apiKey} v${apiVersion}: ${(err as Error).message}\n`);
      socket.destroy();
    }
  }

  /** The response frame (with size prefix), or null when the request wants none (acks=0). */
  private answer(frame: Buffer): Buffer | null {
    const apiKey = frame.readInt16BE(0);
    const apiVersion = frame.readInt16BE(2);
    const correlationId = frame.readInt32BE(4);
    const reqCodec = requestCodec(apiKey);
    const resCodec = responseCodec(apiKey);
    if (reqCodec === undefined || resCodec === undefined) throw new Error('unknown api key');

    if (apiKey === API_VERSIONS && apiVersion > reqCodec.maxVersion) {
      // Kafka's answer to a version it does not know: a v0 body with the error and the real list.
      const body = messages.ApiVersionsResponse.defaults();
      body.errorCode = UNSUPPORTED_VERSION;
      body.apiKeys = apiKeyList();
      return respond(correlationId, apiKey, 0, messages.ApiVersionsResponse, body);
    }

    const r = new Reader(frame);
    readRequestHeader(r);
    const request = reqCodec.decode(r, apiVersion);

    switch (apiKey) {
      case API_VERSIONS: {
        const body = messages.ApiVersionsResponse.defaults();
        body.apiKeys = apiKeyList();
        return respond(correlationId, apiKey, apiVersion, messages.ApiVersionsResponse, body);
      }
      case 3: {
        const req = request as messages.MetadataRequest;
        const body = messages.MetadataResponse.defaults();
        const broker = messages.defaultMetadataResponseMetadataResponseBroker();
        broker.nodeId = 0;
        broker.host = '127.0.0.1';
        broker.port = this.port;
        body.brokers = [broker];
        body.clusterId = CLUSTER_ID;
        body.controllerId = 0;
        const names = req.topics === null ? [...this.topics] : req.topics.map((t) => t.name ?? '');
        body.topics = names.map((name) => {
          this.topics.add(name);
          const topic = messages.defaultMetadataResponseMetadataResponseTopic();
          topic.name = name;
          topic.topicId = topicIdFor(name);
          const partition = messages.defaultMetadataResponseMetadataResponsePartition();
          partition.partitionIndex = 0;
          partition.leaderId = 0;
          partition.leaderEpoch = 0;
          partition.replicaNodes = [0];
          partition.isrNodes = [0];
          topic.partitions = [partition];
          return topic;
        });
        return respond(correlationId, apiKey, apiVersion, messages.MetadataResponse, body);
      }
      case 22: {
        const body = messages.InitProducerIdResponse.defaults();
        body.producerId = this.nextProducerId++;
        body.producerEpoch = 0;
        return respond(correlationId, apiKey, apiVersion, messages.InitProducerIdResponse, body);
      }
      case 0: {
        const req = request as messages.ProduceRequest;
        if (req.acks === 0) return null;
        const body = messages.ProduceResponse.defaults();
        body.responses = req.topicData.map((t) => {
          const topic = messages.defaultProduceResponseTopicProduceResponse();
          topic.name = t.name;
          topic.partitionResponses = t.partitionData.map((p) => {
            const partition = messages.defaultProduceResponsePartitionProduceResponse();
            partition.index = p.index;
            partition.baseOffset = 0n;
            partition.logStartOffset = 0n;
            return partition;
          });
          return topic;
        });
        return respond(correlationId, apiKey, apiVersion, messages.ProduceResponse, body);
      }
      default: {
        // Not needed by a producer; answer with an all-defaults body so the client is not left hanging.
        this.unhandled.set(apiKey, (this.unhandled.get(apiKey) ?? 0) + 1);
        return respond(correlationId, apiKey, apiVersion, resCodec, resCodec.defaults());
      }
    }
  }
}


function apiKeyList(): messages.ApiVersionsResponseApiVersion[] {
  return SERVABLE_APIS.map((a) => {
    const v = messages.defaultApiVersionsResponseApiVersion();
    v.apiKey = a.apiKey;
    v.minVersion = a.minVersion;
    v.maxVersion = a.maxVersion;
    return v;
  });
}

function respond<T>(correlationId: number, apiKey: number, apiVersion: number, codec: MessageCodec<T>, body: T): Buffer {
  const w = new Writer();
  writeResponseHeader(w, correlationId, apiKey, apiVersion);
  codec.encode(w, body, apiVersion);
  const payload = w.toBuffer();
  const size = Buffer.allocUnsafe(4);
  size.writeInt32BE(payload.length, 0);
  return Buffer.concat([size, payload]);
}
