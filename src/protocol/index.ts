// The protocol layer's public surface: primitives, codecs, headers, API and error tables, and the outbound connection.
export * from './codec.ts';
export * from './decode-error.ts';
export * from './error-codes.ts';
export * from './api-keys.ts';
export * from './headers.ts';
export * from './acl-codes.ts';
export * as messages from './messages/index.ts';
// For the generated record indexes of the layers above (metadata, coordinator).
export { codecModules, lazyCodec } from './lazy-codec.ts';
export { BrokerConnection, ClientError, type ClientTlsOptions, type ConnectionOptions, type KnownApiKey, type RequestOf, type ResponseOf } from './connection.ts';
export {
  saslClientSession, type OAuthBearerSaslOptions, type PasswordSaslOptions, type SaslClientOptions, type SaslClientSession,
} from './sasl-client.ts';
export * as sasl from './sasl/index.ts';
