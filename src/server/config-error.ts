/** A config a node cannot start with; its message is one line naming the config. */
export class ConfigError extends Error {
  readonly code = 'SAMSA_ERR_CONFIG';
}
