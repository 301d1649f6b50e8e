// Counts in log lines: "1 worker", "2 workers", never "1 workers".

/** `n noun`, with the noun in the plural unless n is 1 (`plural` when it is not noun + "s"). */
export function count(n: number, noun: string, plural = `${noun}s`): string {
  return `${n} ${n === 1 ? noun : plural}`;
}
