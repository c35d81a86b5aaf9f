/** The longest wait between two attempts. */
const MAX_DELAY_MS = 24 * 3600_000;

/**
 * How long to wait after failed attempt `attempt` (1-based): exponential (base × 4^(attempt-1)) with "equal
 * jitter" (half fixed, half random), so receivers coming back are not hit by every sender at once. With the default
 * base of 20 s the first retry comes within 10-20 s and 8 attempts spread over about a day (7 waits, the last one
 * 11-23 h).
 */
export function retryDelayMs(attempt: number, baseMs: number, random: () => number = Math.random): number {
  const ceiling = Math.min(MAX_DELAY_MS, baseMs * 4 ** Math.max(0, attempt - 1));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}
