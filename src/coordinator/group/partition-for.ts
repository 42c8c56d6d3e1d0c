/**
 * Which `__consumer_offsets` partition holds a group: Kafka's
 * `Utils.abs(groupId.hashCode()) % partitionCount`, with Java's String
 * hashCode over UTF-16 code units and Kafka's abs (which maps MIN_VALUE to 0
 * rather than leaving it negative).
 */

/** Java's String.hashCode: s[0]*31^(n-1) + … + s[n-1], in 32-bit two's complement. */
export function javaStringHashCode(s: string): number {
  let h = 0;
  for (let i = 0; i < s.length; i++) h = (Math.imul(h, 31) + s.charCodeAt(i)) | 0;
  return h;
}

/** Kafka's Utils.abs: `n & 0x7fffffff`, so Integer.MIN_VALUE becomes 0. */
export function kafkaAbs(n: number): number {
  return n & 0x7fffffff;
}

export function partitionForGroup(groupId: string, partitionCount: number): number {
  if (!Number.isInteger(partitionCount) || partitionCount <= 0) throw new RangeError(`partition count ${partitionCount} must be positive`);
  return kafkaAbs(javaStringHashCode(groupId)) % partitionCount;
}
