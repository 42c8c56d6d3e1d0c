// The ACL authorizer: Kafka's StandardAuthorizer decision over the ACLs of a metadata image, and its config.
export { StandardAuthorizer, type AuthorizableAction, type AuthorizerOptions } from './standard-authorizer.ts';
export { LEGACY_AUTHORIZER_CLASS, STANDARD_AUTHORIZER_CLASS, authorizerFromConfig } from './authorizer-config.ts';
