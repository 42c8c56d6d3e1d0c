/**
 * SaslCredentials as a broker has them: PLAIN passwords from the listener's
 * JAAS entry, SCRAM credentials from the current metadata image (read on
 * each lookup, so a credential altered a moment ago is used at once).
 */
import type { MetadataImage } from '../../metadata/index.ts';
import type { SaslCredentials, ScramCredential } from './sasl-server.ts';
import { plainUsers, type JaasEntry } from './jaas.ts';

export function brokerSaslCredentials(image: () => MetadataImage, plainJaas: JaasEntry | null): SaslCredentials {
  const users = plainUsers(plainJaas);
  return {
    plainPassword: (username) => users.get(username) ?? null,
    scramCredential: (username, mechanism): ScramCredential | null => image().scramCredential(username, mechanism),
  };
}
