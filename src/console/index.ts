// The web console and the metrics endpoint. Arrives with the operations issue.
export {};
