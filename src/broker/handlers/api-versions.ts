/**
 * ApiVersions (API key 18): the versions this broker serves and its
 * features. A request in a version newer than the broker knows is answered
 * in v0 with UNSUPPORTED_VERSION and the list, so the client can pick again;
 * that case is handled by the server before decoding.
 *
 * Features as Kafka reports them: supported ranges whose maximum is above 0
 * (a feature supported only at 0 is not offered), and before v4 none whose
 * minimum is 0 (older clients cannot read it, KAFKA-17492); finalized levels
 * above 0 from the metadata image, with the image's offset as their epoch.
 */
import { SUPPORTED_FEATURES, type MetadataImage } from '../../metadata/index.ts';
import { ErrorCode, messages, type ApiRange } from '../../protocol/index.ts';
import type { BrokerContext, RequestContext } from '../broker-context.ts';

type Request = messages.ApiVersionsRequest;
type Response = messages.ApiVersionsResponse;

const SOFTWARE_FIELDS_VERSION_MIN = 3;
/** The first version whose clients read a supported minimum of 0. */
const ZERO_MIN_FEATURE_VERSION_MIN = 4;
const SOFTWARE_NAME_OR_VERSION = /^[a-zA-Z0-9](?:[a-zA-Z0-9\-.]*[a-zA-Z0-9])?$/;

export function apiVersionsResponse(apis: readonly ApiRange[], errorCode: number): Response {
  const response = messages.ApiVersionsResponse.defaults();
  response.errorCode = errorCode;
  response.apiKeys = apis.map((a) => ({
    ...messages.defaultApiVersionsResponseApiVersion(), apiKey: a.apiKey, minVersion: a.minVersion, maxVersion: a.maxVersion,
  }));
  return response;
}

export function makeApiVersionsHandler(apis: readonly ApiRange[]) {
  return (broker: BrokerContext, request: Request, ctx: RequestContext): Response => {
    if (ctx.apiVersion >= SOFTWARE_FIELDS_VERSION_MIN && !validSoftware(request)) {
      return apiVersionsResponse(apis, ErrorCode.INVALID_REQUEST);
    }
    // Kafka's ClientInformation: what KIP-714 subscriptions match client_software_name/version on.
    if (ctx.apiVersion >= SOFTWARE_FIELDS_VERSION_MIN) broker.clientTelemetry?.noteSoftware(ctx.connectionId, request.clientSoftwareName, request.clientSoftwareVersion);
    const response = apiVersionsResponse(apis, ErrorCode.NONE);
    addFeatures(response, broker.image(), ctx.apiVersion);
    return response;
  };
}

function addFeatures(response: Response, image: MetadataImage, apiVersion: number): void {
  response.supportedFeatures = [...SUPPORTED_FEATURES]
    .filter(([, range]) => range.max > 0 && (range.min > 0 || apiVersion >= ZERO_MIN_FEATURE_VERSION_MIN))
    .map(([name, range]) => ({ ...messages.defaultApiVersionsResponseSupportedFeatureKey(), name, minVersion: range.min, maxVersion: range.max }));
  if (image.offset < 0) return;
  response.finalizedFeatures = [...image.features].filter(([, level]) => level > 0).map(([name, level]) => ({
    ...messages.defaultApiVersionsResponseFinalizedFeatureKey(), name, minVersionLevel: level, maxVersionLevel: level,
  }));
  response.finalizedFeaturesEpoch = BigInt(image.offset);
}

function validSoftware(request: Request): boolean {
  return SOFTWARE_NAME_OR_VERSION.test(request.clientSoftwareName) && SOFTWARE_NAME_OR_VERSION.test(request.clientSoftwareVersion);
}
