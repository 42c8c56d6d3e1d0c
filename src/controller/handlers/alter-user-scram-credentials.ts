import { ApiKey, messages } from '../../protocol/index.ts';
import { notController, type ControllerHandler } from './types.ts';

/** AlterUserScramCredentials: SCRAM credentials upserted (from the client's salted password) or deleted, per user. */
export const alterUserScramCredentials: ControllerHandler<messages.AlterUserScramCredentialsRequest, messages.AlterUserScramCredentialsResponse> = {
  apiKey: ApiKey.AlterUserScramCredentials,
  async answer(req, { controller, active }) {
    const users = [...new Set([...req.deletions.map((d) => d.name), ...req.upsertions.map((u) => u.name)])];
    const results = active
      ? await controller.alterUserScramCredentials(
        req.deletions.map((d) => ({ name: d.name, mechanism: d.mechanism })),
        req.upsertions.map((u) => ({ name: u.name, mechanism: u.mechanism, iterations: u.iterations, salt: u.salt, saltedPassword: u.saltedPassword })),
      )
      : users.map((user) => ({ user, ...notController() }));
    return {
      ...messages.AlterUserScramCredentialsResponse.defaults(),
      results: results.map((r) => ({ ...messages.defaultAlterUserScramCredentialsResponseAlterUserScramCredentialsResult(), ...r })),
    };
  },
  errorCodes: (res) => res.results.map((r) => r.errorCode),
};
