/** IncrementalAlterConfigs operations, as numbered on the wire. */
export const ConfigOperation = { SET: 0, DELETE: 1, APPEND: 2, SUBTRACT: 3 } as const;
export const CONFIG_OPERATION_NAMES: readonly string[] = ['SET', 'DELETE', 'APPEND', 'SUBTRACT'];
