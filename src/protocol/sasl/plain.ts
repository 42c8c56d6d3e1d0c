/**
 * SASL PLAIN (RFC 4616): one message, `[authzid] NUL authcid NUL passwd`,
 * UTF-8. Pure, shared by the broker's mechanism and Samsa's client.
 */

export interface PlainMessage {
  authzid: string;
  username: string;
  password: string;
}

export function formatPlain(username: string, password: string, authzid = ''): Buffer {
  return Buffer.from(`${authzid}\u0000${username}\u0000${password}`, 'utf8');
}

/** The three fields, or null unless the message has exactly two NUL separators. */
export function parsePlain(token: Buffer): PlainMessage | null {
  const parts = token.toString('utf8').split('\u0000');
  if (parts.length !== 3) return null;
  return { authzid: parts[0]!, username: parts[1]!, password: parts[2]! };
}
