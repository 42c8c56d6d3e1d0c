/**
 * A broker's standing with the controller: it registers its endpoints (a
 * new incarnation id each start), then heartbeats. The controller unfences
 * it once its metadata has caught up with its registration, and fences it
 * when the heartbeats stop. A stopping broker asks for a controlled shutdown
 * so its partitions are marked offline at once rather than after the session
 * timeout. A broker whose log directory failed asks to be fenced (Kafka's
 * broker gives up its partitions when its log directories fail), so the
 * controller moves its leaderships and takes it out of every ISR while the
 * process goes on serving what it still can.
 */
import { ControllerApiKey } from '../controller/index.ts';
import { SUPPORTED_FEATURES } from '../metadata/index.ts';
import { ErrorCode, errorName, messages } from '../protocol/index.ts';
import type { ControllerChannel } from './controller-channel.ts';

/** Heartbeats come this often while the broker is still fenced, so a start is not held up a whole interval. */
const FENCED_HEARTBEAT_MS = 50;
const SHUTDOWN_WAIT_MS = 2000;

export interface BrokerLifecycleDeps {
  nodeId: number;
  clusterId: string;
  incarnationId: string;
  rack: string | null;
  endpoints: { name: string; host: string; port: number; securityProtocol: number }[];
  heartbeatIntervalMs: number;
  channel: ControllerChannel;
  /** The offset of the last metadata record this node has applied. */
  appliedOffset(): number;
  /** True once this broker can no longer hold replicas (a log directory went offline). */
  wantFence(): boolean;
  log(line: string, level?: 'warn' | 'error'): void;
}

export class BrokerLifecycle {
  private readonly deps: BrokerLifecycleDeps;
  private epoch = -1n;
  private fenced = true;
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;
  private readonly unfencedWaiters: (() => void)[] = [];

  constructor(deps: BrokerLifecycleDeps) {
    this.deps = deps;
  }

  get brokerEpoch(): bigint {
    return this.epoch;
  }

  get isFenced(): boolean {
    return this.fenced;
  }

  /** Resolves once the controller has unfenced this broker. */
  unfenced(): Promise<void> {
    if (!this.fenced) return Promise.resolve();
    return new Promise((resolve) => this.unfencedWaiters.push(resolve));
  }

  start(): void {
    this.schedule(0);
  }

  /** Heartbeats now rather than at the next interval (the broker's standing changed). */
  beatNow(): void {
    if (this.stopped || this.timer === null) return;
    clearTimeout(this.timer);
    this.schedule(0);
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.beat().then((next) => this.schedule(next), (e: Error) => {
        this.deps.log(`broker ${this.deps.nodeId}: controller request failed: ${e.message}`, 'warn');
        this.schedule(this.deps.heartbeatIntervalMs);
      });
    }, ms);
    this.timer.unref();
  }

  /** One registration or heartbeat; returns the delay before the next. */
  private async beat(): Promise<number> {
    const d = this.deps;
    if (this.epoch < 0n) {
      const res = await d.channel.send<messages.BrokerRegistrationResponse>(ControllerApiKey.BrokerRegistration, {
        ...messages.BrokerRegistrationRequest.defaults(),
        brokerId: d.nodeId, clusterId: d.clusterId, incarnationId: d.incarnationId, rack: d.rack,
        listeners: d.endpoints.map((e) => ({ ...messages.defaultBrokerRegistrationRequestListener(), ...e })),
        // Every feature, level 0 included: the controller checks feature updates against them.
        features: [...SUPPORTED_FEATURES].map(([name, range]) => ({
          ...messages.defaultBrokerRegistrationRequestFeature(), name, minSupportedVersion: range.min, maxSupportedVersion: range.max,
        })),
      });
      if (res.errorCode !== ErrorCode.NONE) {
        d.log(`broker ${d.nodeId}: registration refused with error ${res.errorCode} (${errorName(res.errorCode)})`, 'warn');
        return d.heartbeatIntervalMs;
      }
      this.epoch = res.brokerEpoch;
      return 0;
    }
    const res = await this.heartbeat(false);
    if (res.errorCode === ErrorCode.STALE_BROKER_EPOCH || res.errorCode === ErrorCode.BROKER_ID_NOT_REGISTERED) {
      this.epoch = -1n; // the controller forgot us (a wiped metadata log): register again
      return 0;
    }
    if (res.errorCode === ErrorCode.NONE) this.setFenced(res.isFenced);
    return this.fenced ? FENCED_HEARTBEAT_MS : d.heartbeatIntervalMs;
  }

  private heartbeat(wantShutDown: boolean): Promise<messages.BrokerHeartbeatResponse> {
    return this.deps.channel.send<messages.BrokerHeartbeatResponse>(ControllerApiKey.BrokerHeartbeat, {
      ...messages.BrokerHeartbeatRequest.defaults(),
      brokerId: this.deps.nodeId, brokerEpoch: this.epoch, currentMetadataOffset: BigInt(this.deps.appliedOffset()),
      wantFence: this.deps.wantFence(), wantShutDown,
    });
  }

  private setFenced(fenced: boolean): void {
    if (fenced === this.fenced) return;
    this.fenced = fenced;
    this.deps.log(`broker ${this.deps.nodeId} is ${fenced ? 'fenced' : 'unfenced'} (broker epoch ${this.epoch})`);
    if (!fenced) for (const w of this.unfencedWaiters.splice(0)) w();
  }

  /** Controlled shutdown: the controller fences this broker now. Bounded; a lost answer only means the session expires later. */
  async shutdown(): Promise<void> {
    this.stopped = true;
    if (this.timer !== null) clearTimeout(this.timer);
    if (this.epoch < 0n || this.fenced) return;
    await Promise.race([this.heartbeat(true).catch(() => undefined), new Promise((r) => setTimeout(r, SHUTDOWN_WAIT_MS).unref())]);
  }
}
