// TLS, SASL, principals, ACLs and quotas. Arrives with the security issue.
export {};
