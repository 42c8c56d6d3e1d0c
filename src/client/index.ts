// Samsa's own client: connection, metadata, admin, producer, consumer. Arrives with the CLI issue.
export {};
