/**
 * How a node reaches the active controller: in-process when it leads the
 * metadata quorum itself, else over the leader's controller listener. A
 * request answered NOT_CONTROLLER, or sent while no leader is known, is tried
 * again until the controller request timeout; after that the caller gets
 * REQUEST_TIMED_OUT. Results of topic changes are returned only once this
 * node's own metadata image shows them, so a client that creates a topic and
 * then asks this broker for metadata sees it.
 */
import type { ControllerApi } from '../broker/index.ts';
import { ControllerApiKey, answeredNotController, type ControllerService } from '../controller/index.ts';
import { withForwardedPrincipal, type MetadataImage } from '../metadata/index.ts';
import { ErrorCode, messages } from '../protocol/index.ts';
import type { QuorumDriver } from '../raft/quorum-driver.ts';
import type { PeerConnections } from './peer-connections.ts';

const RETRY_BACKOFF_MS = 50;
const ZERO_UUID = 'AAAAAAAAAAAAAAAAAAAAAA';

export class ControllerUnavailableError extends Error {
  readonly code = 'SAMSA_ERR_CONTROLLER_UNAVAILABLE';
}

export interface ControllerChannelDeps {
  nodeId: number;
  driver: QuorumDriver;
  /** The local controller's request service, when this node is a controller. */
  local: ControllerService | null;
  peers: PeerConnections;
  image(): MetadataImage;
  /** Resolves when the image changes (or soon after), for waits on this node's view. */
  imageChanged(): Promise<void>;
  /** This broker's registration, for producer id blocks. */
  brokerEpoch(): bigint;
  requestTimeoutMs: number;
}

const LEADER_CHANGED = Symbol('leader changed');

export class ControllerChannel implements ControllerApi {
  private readonly deps: ControllerChannelDeps;
  private readonly leaderWaiters = new Set<() => void>();
  private producerIds: { next: bigint; end: bigint } = { next: 0n, end: 0n };
  private producerIdBlock: Promise<number> | null = null;

  constructor(deps: ControllerChannelDeps) {
    this.deps = deps;
    deps.driver.onLeaderChange(() => {
      for (const w of [...this.leaderWaiters]) w();
    });
  }

  /** Resolves with LEADER_CHANGED once the quorum's leader is no longer `from`; cancel() stops listening. */
  private leaderChange(from: number): { promise: Promise<typeof LEADER_CHANGED>; cancel(): void } {
    let waiter: () => void = () => {};
    const promise = new Promise<typeof LEADER_CHANGED>((resolve) => {
      waiter = () => {
        if (this.deps.driver.leaderId() !== from) resolve(LEADER_CHANGED);
      };
      this.leaderWaiters.add(waiter);
    });
    return { promise, cancel: () => this.leaderWaiters.delete(waiter) };
  }

  /** Sends one controller request to whichever node leads, retrying through leader changes. */
  async send<Res>(apiKey: number, body: unknown): Promise<Res> {
    const { driver, local, peers, nodeId } = this.deps;
    const deadline = Date.now() + this.deps.requestTimeoutMs;
    for (let attempt = 0; Date.now() < deadline; attempt++) {
      const leader = driver.leaderId();
      if (leader !== null && driver.isLeader() && local !== null) {
        const res = await local.handle(apiKey, body) as Res;
        if (!answeredNotController(apiKey, res)) return res;
      } else if (leader !== null && leader !== nodeId && peers.has(leader)) {
        // A leader cut off by the network never answers: once the quorum elects another, the request is
        // abandoned (and its connection dropped) and sent to the new one, as Kafka's channel manager does.
        const switched = this.leaderChange(leader);
        try {
          const res = await Promise.race([peers.request<Res>(leader, apiKey, body), switched.promise]);
          if (res !== LEADER_CHANGED && !answeredNotController(apiKey, res)) return res;
          if (res === LEADER_CHANGED) peers.reset(leader);
        } catch {
          // The leader is unreachable: wait for the quorum to notice and elect another.
        } finally {
          switched.cancel();
        }
      }
      await sleep(Math.min(RETRY_BACKOFF_MS * (attempt + 1), 500));
    }
    throw new ControllerUnavailableError(`no active controller answered within ${this.deps.requestTimeoutMs} ms`);
  }

  /** Waits (bounded) until this node's image satisfies `ready`. */
  private async untilImage(ready: (image: MetadataImage) => boolean): Promise<void> {
    const deadline = Date.now() + this.deps.requestTimeoutMs;
    while (!ready(this.deps.image()) && Date.now() < deadline) {
      await Promise.race([this.deps.imageChanged(), sleep(RETRY_BACKOFF_MS)]);
    }
  }

  /** For records that carry no id to wait for (configs, feature levels): until this node has applied what the quorum has committed. */
  private untilApplied(): Promise<void> {
    const target = this.deps.driver.status().highWatermark - 1;
    return this.untilImage((img) => img.offset >= target);
  }

  async createTopics(specs: Parameters<ControllerApi['createTopics']>[0], validateOnly: boolean): ReturnType<ControllerApi['createTopics']> {
    const request: messages.CreateTopicsRequest = {
      ...messages.CreateTopicsRequest.defaults(), validateOnly,
      topics: specs.map((s) => ({
        ...messages.defaultCreateTopicsRequestCreatableTopic(), name: s.name, numPartitions: s.numPartitions, replicationFactor: s.replicationFactor,
        assignments: s.assignments.map((a) => ({ ...messages.defaultCreateTopicsRequestCreatableReplicaAssignment(), ...a })),
        configs: s.configs.map((c) => ({ ...messages.defaultCreateTopicsRequestCreatableTopicConfig(), ...c })),
      })),
    };
    try {
      const res = await this.send<messages.CreateTopicsResponse>(ControllerApiKey.CreateTopics, request);
      const created = res.topics.filter((t) => t.errorCode === ErrorCode.NONE && !validateOnly).map((t) => t.topicId);
      await this.untilImage((img) => created.every((id) => img.topicsById.has(id)));
      return res.topics.map((t) => ({
        name: t.name, topicId: t.topicId, errorCode: t.errorCode, errorMessage: t.errorMessage,
        numPartitions: t.numPartitions, replicationFactor: t.replicationFactor,
      }));
    } catch (e) {
      return specs.map((s) => ({ name: s.name, topicId: ZERO_UUID, ...timedOut(e), numPartitions: -1, replicationFactor: -1 }));
    }
  }

  async deleteTopics(topics: { name: string | null; topicId: string }[]): ReturnType<ControllerApi['deleteTopics']> {
    const request: messages.DeleteTopicsRequest = {
      ...messages.DeleteTopicsRequest.defaults(),
      topics: topics.map((t) => ({ ...messages.defaultDeleteTopicsRequestDeleteTopicState(), name: t.name, topicId: t.topicId })),
      topicNames: [],
    };
    try {
      const res = await this.send<messages.DeleteTopicsResponse>(ControllerApiKey.DeleteTopics, request);
      const deleted = res.responses.filter((t) => t.errorCode === ErrorCode.NONE).map((t) => t.topicId);
      await this.untilImage((img) => deleted.every((id) => !img.topicsById.has(id)));
      return res.responses.map((t) => ({ name: t.name ?? '', topicId: t.topicId, errorCode: t.errorCode, errorMessage: t.errorMessage }));
    } catch (e) {
      return topics.map((t) => ({ name: t.name ?? '', topicId: t.topicId, ...timedOut(e) }));
    }
  }

  async createPartitions(
    requests: { name: string; count: number; assignments: number[][] | null }[], validateOnly: boolean,
  ): ReturnType<ControllerApi['createPartitions']> {
    const request: messages.CreatePartitionsRequest = {
      ...messages.CreatePartitionsRequest.defaults(), validateOnly,
      topics: requests.map((r) => ({
        ...messages.defaultCreatePartitionsRequestCreatePartitionsTopic(), name: r.name, count: r.count,
        assignments: r.assignments?.map((brokerIds) => ({ ...messages.defaultCreatePartitionsRequestCreatePartitionsAssignment(), brokerIds })) ?? null,
      })),
    };
    try {
      const res = await this.send<messages.CreatePartitionsResponse>(ControllerApiKey.CreatePartitions, request);
      const grown = requests.filter((_, i) => res.results[i]?.errorCode === ErrorCode.NONE && !validateOnly);
      await this.untilImage((img) => grown.every((r) => (img.topicsByName.get(r.name)?.partitions.length ?? 0) >= r.count));
      return res.results.map((r) => ({ name: r.name, errorCode: r.errorCode, errorMessage: r.errorMessage }));
    } catch (e) {
      return requests.map((r) => ({ name: r.name, ...timedOut(e) }));
    }
  }

  async electLeaders(request: messages.ElectLeadersRequest): Promise<messages.ElectLeadersResponse> {
    try {
      return await this.send<messages.ElectLeadersResponse>(ControllerApiKey.ElectLeaders, request);
    } catch (e) {
      return { ...messages.ElectLeadersResponse.defaults(), errorCode: timedOut(e).errorCode };
    }
  }

  async updateFeatures(request: messages.UpdateFeaturesRequest): Promise<messages.UpdateFeaturesResponse> {
    try {
      const res = await this.send<messages.UpdateFeaturesResponse>(ControllerApiKey.UpdateFeatures, request);
      if (res.errorCode === ErrorCode.NONE && !request.validateOnly) await this.untilApplied();
      return res;
    } catch (e) {
      return { ...messages.UpdateFeaturesResponse.defaults(), ...timedOut(e) };
    }
  }

  async alterUserScramCredentials(request: messages.AlterUserScramCredentialsRequest): Promise<messages.AlterUserScramCredentialsResponse> {
    try {
      const res = await this.send<messages.AlterUserScramCredentialsResponse>(ControllerApiKey.AlterUserScramCredentials, request);
      // Credential records carry no id to wait for: wait until this node has applied what the controller had,
      // so a DescribeUserScramCredentials (or a SCRAM login) here right after sees the change.
      const target = this.deps.driver.status().highWatermark - 1;
      await this.untilImage((img) => img.offset >= target);
      return res;
    } catch (e) {
      const users = [...new Set([...request.deletions.map((d) => d.name), ...request.upsertions.map((u) => u.name)])];
      return {
        ...messages.AlterUserScramCredentialsResponse.defaults(),
        results: users.map((user) => ({ ...messages.defaultAlterUserScramCredentialsResponseAlterUserScramCredentialsResult(), user, ...timedOut(e) })),
      };
    }
  }

  async alterClientQuotas(request: messages.AlterClientQuotasRequest): Promise<messages.AlterClientQuotasResponse> {
    try {
      const res = await this.send<messages.AlterClientQuotasResponse>(ControllerApiKey.AlterClientQuotas, request);
      // Quota records carry no id to wait for: a DescribeClientQuotas here right after sees the change.
      if (!request.validateOnly) await this.untilApplied();
      return res;
    } catch (e) {
      return {
        ...messages.AlterClientQuotasResponse.defaults(),
        entries: request.entries.map((entry) => ({
          ...messages.defaultAlterClientQuotasResponseEntryData(), ...timedOut(e),
          entity: entry.entity.map((p) => ({ ...messages.defaultAlterClientQuotasResponseEntityData(), entityType: p.entityType, entityName: p.entityName })),
        })),
      };
    }
  }

  async createAcls(request: messages.CreateAclsRequest): Promise<messages.CreateAclsResponse> {
    try {
      const res = await this.send<messages.CreateAclsResponse>(ControllerApiKey.CreateAcls, request);
      // ACL records carry no id the client knows: wait until this node applied what the controller committed.
      await this.untilApplied();
      return res;
    } catch (e) {
      return {
        ...messages.CreateAclsResponse.defaults(),
        results: request.creations.map(() => ({ ...messages.defaultCreateAclsResponseAclCreationResult(), ...timedOut(e) })),
      };
    }
  }

  async deleteAcls(request: messages.DeleteAclsRequest): Promise<messages.DeleteAclsResponse> {
    try {
      const res = await this.send<messages.DeleteAclsResponse>(ControllerApiKey.DeleteAcls, request);
      await this.untilApplied();
      return res;
    } catch (e) {
      return {
        ...messages.DeleteAclsResponse.defaults(),
        filterResults: request.filters.map(() => ({ ...messages.defaultDeleteAclsResponseDeleteAclsFilterResult(), ...timedOut(e) })),
      };
    }
  }

  /** A delegation token change, sent with the requester's principal; answered once this node applied what the controller committed. */
  private async tokenChange<Res extends { errorCode: number }>(
    apiKey: number, request: object, principal: string, failed: (e: unknown) => Res,
  ): Promise<Res> {
    try {
      const res = await this.send<Res>(apiKey, withForwardedPrincipal(request, principal));
      // A login with the token (or a describe) on this broker right after must see it.
      if (res.errorCode === ErrorCode.NONE) await this.untilApplied();
      return res;
    } catch (e) {
      return failed(e);
    }
  }

  createDelegationToken(request: messages.CreateDelegationTokenRequest, requester: string): Promise<messages.CreateDelegationTokenResponse> {
    return this.tokenChange(ControllerApiKey.CreateDelegationToken, request, requester, (e) => ({
      ...messages.CreateDelegationTokenResponse.defaults(), errorCode: timedOut(e).errorCode,
    }));
  }

  renewDelegationToken(request: messages.RenewDelegationTokenRequest, principal: string): Promise<messages.RenewDelegationTokenResponse> {
    return this.tokenChange(ControllerApiKey.RenewDelegationToken, request, principal, (e) => ({
      ...messages.RenewDelegationTokenResponse.defaults(), errorCode: timedOut(e).errorCode, expiryTimestampMs: -1n,
    }));
  }

  expireDelegationToken(request: messages.ExpireDelegationTokenRequest, principal: string): Promise<messages.ExpireDelegationTokenResponse> {
    return this.tokenChange(ControllerApiKey.ExpireDelegationToken, request, principal, (e) => ({
      ...messages.ExpireDelegationTokenResponse.defaults(), errorCode: timedOut(e).errorCode, expiryTimestampMs: -1n,
    }));
  }

  async legacyAlterConfigs(
    resources: { resourceType: number; resourceName: string; configs: { name: string; value: string }[] }[], validateOnly: boolean,
  ): ReturnType<ControllerApi['legacyAlterConfigs']> {
    const request: messages.AlterConfigsRequest = {
      ...messages.AlterConfigsRequest.defaults(), validateOnly,
      resources: resources.map((r) => ({
        ...messages.defaultAlterConfigsRequestAlterConfigsResource(), resourceType: r.resourceType, resourceName: r.resourceName,
        configs: r.configs.map((c) => ({ ...messages.defaultAlterConfigsRequestAlterableConfig(), ...c })),
      })),
    };
    return this.configChange(ControllerApiKey.AlterConfigs, request, resources.length);
  }

  async incrementalAlterConfigs(
    resources: { resourceType: number; resourceName: string; configs: { name: string; operation: number; value: string | null }[] }[],
    validateOnly: boolean,
  ): ReturnType<ControllerApi['incrementalAlterConfigs']> {
    const request: messages.IncrementalAlterConfigsRequest = {
      ...messages.IncrementalAlterConfigsRequest.defaults(), validateOnly,
      resources: resources.map((r) => ({
        ...messages.defaultIncrementalAlterConfigsRequestAlterConfigsResource(), resourceType: r.resourceType, resourceName: r.resourceName,
        configs: r.configs.map((c) => ({
          ...messages.defaultIncrementalAlterConfigsRequestAlterableConfig(), name: c.name, configOperation: c.operation, value: c.value,
        })),
      })),
    };
    return this.configChange(ControllerApiKey.IncrementalAlterConfigs, request, resources.length);
  }

  private async configChange(apiKey: number, request: unknown, count: number): Promise<{ errorCode: number; errorMessage: string | null }[]> {
    try {
      const res = await this.send<{ responses: { errorCode: number; errorMessage: string | null }[] }>(apiKey, request);
      await this.untilApplied();
      return res.responses.map((r) => ({ errorCode: r.errorCode, errorMessage: r.errorMessage }));
    } catch (e) {
      return new Array(count).fill(null).map(() => timedOut(e));
    }
  }

  /** Producer ids come from blocks the controller hands this broker, as in Kafka (KIP-730). */
  async allocateProducerId(): Promise<{ errorCode: number; producerId: bigint }> {
    for (let attempt = 0; attempt < 3; attempt++) {
      if (this.producerIds.next < this.producerIds.end) return { errorCode: ErrorCode.NONE, producerId: this.producerIds.next++ };
      this.producerIdBlock ??= this.fetchProducerIdBlock().finally(() => {
        this.producerIdBlock = null;
      });
      const errorCode = await this.producerIdBlock;
      if (errorCode !== ErrorCode.NONE) return { errorCode, producerId: -1n };
    }
    return { errorCode: ErrorCode.COORDINATOR_LOAD_IN_PROGRESS, producerId: -1n };
  }

  private async fetchProducerIdBlock(): Promise<number> {
    try {
      const res = await this.send<messages.AllocateProducerIdsResponse>(ControllerApiKey.AllocateProducerIds, {
        ...messages.AllocateProducerIdsRequest.defaults(), brokerId: this.deps.nodeId, brokerEpoch: this.deps.brokerEpoch(),
      });
      // InitProducerId's retriable answer while no block can be had.
      if (res.errorCode !== ErrorCode.NONE) return ErrorCode.COORDINATOR_LOAD_IN_PROGRESS;
      this.producerIds = { next: res.producerIdStart, end: res.producerIdStart + BigInt(res.producerIdLen) };
      return ErrorCode.NONE;
    } catch {
      return ErrorCode.REQUEST_TIMED_OUT;
    }
  }
}

function timedOut(e: unknown): { errorCode: number; errorMessage: string } {
  return { errorCode: ErrorCode.REQUEST_TIMED_OUT, errorMessage: e instanceof Error ? e.message : String(e) };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
