// SASL message formats and the client mechanisms (PLAIN, SCRAM-SHA-256/512, OAUTHBEARER): pure code that the
// broker's mechanisms (src/security/sasl), the controller and Samsa's client share.
export * as scram from './scram.ts';
export { formatPlain, parsePlain, type PlainMessage } from './plain.ts';
export { CLIENT_SASL_MECHANISMS, SaslClientError, createOAuthBearerClient, createSaslClient, type SaslClient } from './client.ts';
export * as oauthbearer from './oauthbearer.ts';
