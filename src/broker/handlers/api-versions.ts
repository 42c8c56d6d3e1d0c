/**
 * ApiVersions (API key 18): the versions this broker serves. A request in a
 * version newer than the broker knows is answered in v0 with
 * UNSUPPORTED_VERSION and the list, so the client can pick again; that case
 * is handled by the server before decoding.
 */
import { ErrorCode, messages, type ApiRange } from '../../protocol/index.ts';
import type { BrokerContext, RequestContext } from '../broker-context.ts';

type Request = messages.ApiVersionsRequest;
type Response = messages.ApiVersionsResponse;

const SOFTWARE_FIELDS_VERSION_MIN = 3;
const SOFTWARE_NAME_OR_VERSION = /^[a-zA-Z0-9](?:[a-zA-Z0-9\-.]*[a-zA-Z0-9])?$/;
const METADATA_VERSION_FEATURE = 'metadata.version';

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
    const response = apiVersionsResponse(apis, ErrorCode.NONE);
    const level = broker.image().features.get(METADATA_VERSION_FEATURE);
    if (level !== undefined) {
      response.supportedFeatures = [{
        ...messages.defaultApiVersionsResponseSupportedFeatureKey(), name: METADATA_VERSION_FEATURE, minVersion: 1, maxVersion: level,
      }];
      response.finalizedFeatures = [{
        ...messages.defaultApiVersionsResponseFinalizedFeatureKey(), name: METADATA_VERSION_FEATURE, minVersionLevel: level, maxVersionLevel: level,
      }];
      response.finalizedFeaturesEpoch = BigInt(broker.image().offset);
    }
    return response;
  };
}

function validSoftware(request: Request): boolean {
  return SOFTWARE_NAME_OR_VERSION.test(request.clientSoftwareName) && SOFTWARE_NAME_OR_VERSION.test(request.clientSoftwareVersion);
}
