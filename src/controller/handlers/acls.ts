import { ApiKey, messages } from '../../protocol/index.ts';
import { notController, type ControllerHandler } from './types.ts';

/** CreateAcls: one result per creation, in request order. */
export const createAcls: ControllerHandler<messages.CreateAclsRequest, messages.CreateAclsResponse> = {
  apiKey: ApiKey.CreateAcls,
  async answer(req, { controller, active }) {
    const results = active
      ? await controller.createAcls(req.creations.map((c) => ({
        resourceType: c.resourceType, resourceName: c.resourceName, patternType: c.resourcePatternType,
        principal: c.principal, host: c.host, operation: c.operation, permissionType: c.permissionType,
      })))
      : req.creations.map(() => notController());
    return {
      ...messages.CreateAclsResponse.defaults(),
      results: results.map((r) => ({ ...messages.defaultCreateAclsResponseAclCreationResult(), ...r })),
    };
  },
  errorCodes: (res) => res.results.map((r) => r.errorCode),
};

/** DeleteAcls: per filter, its error or the ACLs it removed. */
export const deleteAcls: ControllerHandler<messages.DeleteAclsRequest, messages.DeleteAclsResponse> = {
  apiKey: ApiKey.DeleteAcls,
  async answer(req, { controller, active }) {
    const results = active
      ? await controller.deleteAcls(req.filters.map((f) => ({
        resourceType: f.resourceTypeFilter, resourceName: f.resourceNameFilter, patternType: f.patternTypeFilter,
        principal: f.principalFilter, host: f.hostFilter, operation: f.operation, permissionType: f.permissionType,
      })))
      : req.filters.map(() => ({ ...notController(), matching: [] }));
    return {
      ...messages.DeleteAclsResponse.defaults(),
      filterResults: results.map((r) => ({
        ...messages.defaultDeleteAclsResponseDeleteAclsFilterResult(),
        errorCode: r.errorCode,
        errorMessage: r.errorMessage,
        matchingAcls: r.matching.map((a) => ({ ...messages.defaultDeleteAclsResponseDeleteAclsMatchingAcl(), errorMessage: null, ...a })),
      })),
    };
  },
  errorCodes: (res) => res.filterResults.map((r) => r.errorCode),
};
