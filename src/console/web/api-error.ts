/** A console API failure with the HTTP status it answers (and Kafka's error name, when Kafka refused). */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string | undefined;
  constructor(status: number, message: string, code?: string) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

/** A request's query string, one value per name. */
export type Query = Record<string, string>;
