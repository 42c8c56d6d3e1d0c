import { ApiKey, messages } from '../../protocol/index.ts';
import { notController, type ControllerHandler } from './types.ts';

/** AlterClientQuotas: quota values set or removed per entity (user, client-id, both, or ip). */
export const alterClientQuotas: ControllerHandler<messages.AlterClientQuotasRequest, messages.AlterClientQuotasResponse> = {
  apiKey: ApiKey.AlterClientQuotas,
  async answer(req, { controller, active }) {
    const alterations = req.entries.map((e) => ({
      entity: e.entity.map((p) => ({ entityType: p.entityType, entityName: p.entityName })),
      ops: e.ops.map((o) => ({ key: o.key, value: o.value, remove: o.remove })),
    }));
    const results = active
      ? await controller.alterClientQuotas(alterations, req.validateOnly)
      : alterations.map((a) => ({ ...notController(), entity: a.entity }));
    return {
      ...messages.AlterClientQuotasResponse.defaults(),
      entries: results.map((r) => ({
        ...messages.defaultAlterClientQuotasResponseEntryData(), errorCode: r.errorCode, errorMessage: r.errorMessage,
        entity: r.entity.map((p) => ({ ...messages.defaultAlterClientQuotasResponseEntityData(), entityType: p.entityType, entityName: p.entityName })),
      })),
    };
  },
  errorCodes: (res) => res.entries.map((e) => e.errorCode),
};
