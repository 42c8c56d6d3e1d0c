// Replica manager, partition state, purgatory and API handlers. Arrives with the broker issue.
export {};
