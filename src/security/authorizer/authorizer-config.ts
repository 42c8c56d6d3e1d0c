/**
 * Which authorizer a node runs, from `authorizer.class.name`: none (every
 * request allowed, the default), or Kafka's StandardAuthorizer with
 * `super.users` and `allow.everyone.if.no.acl.found`.
 */
import type { BrokerConfig } from '../../metadata/index.ts';
import { SecurityConfigError } from '../pem.ts';
import { StandardAuthorizer } from './standard-authorizer.ts';

export const STANDARD_AUTHORIZER_CLASS = 'org.apache.kafka.metadata.authorizer.StandardAuthorizer';
/** The ZooKeeper-era authorizer: its ACLs lived in ZooKeeper, Samsa's live in the metadata log. */
export const LEGACY_AUTHORIZER_CLASS = 'kafka.security.authorizer.AclAuthorizer';

/** The node's authorizer, or null when none is configured; an unknown class is a SecurityConfigError. */
export function authorizerFromConfig(
  config: Pick<BrokerConfig, 'authorizerClassName' | 'superUsers' | 'allowEveryoneIfNoAclFound'>, log: (line: string) => void,
): StandardAuthorizer | null {
  const className = config.authorizerClassName;
  if (className === '') return null;
  if (className === LEGACY_AUTHORIZER_CLASS) {
    log(`authorizer.class.name=${LEGACY_AUTHORIZER_CLASS} is the ZooKeeper-era authorizer; using ${STANDARD_AUTHORIZER_CLASS} (ACLs in the metadata log)`);
  } else if (className !== STANDARD_AUTHORIZER_CLASS) {
    throw new SecurityConfigError(
      `invalid value '${className}' for config 'authorizer.class.name': Samsa provides ${STANDARD_AUTHORIZER_CLASS} only`,
    );
  }
  return new StandardAuthorizer({ superUsers: new Set(config.superUsers), allowEveryoneIfNoAclFound: config.allowEveryoneIfNoAclFound });
}
