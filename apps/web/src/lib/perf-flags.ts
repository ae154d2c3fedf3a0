// Switches for the console benchmark only (bench/console.ts). In the profiling build (`vite build
// --mode profile`), a localStorage entry turns the live charts' safeguards off — unbounded live
// series, animations on — so the benchmark can show what they save. Every other build ignores it,
// so the switch can never slow a real operator's console down.
import { z } from 'zod';

/** The localStorage key the benchmark sets before the page loads. */
export const perfFlagsStorageKey = 'switchboard.perf-flags';

const PerfFlagsSchema = z
  .object({
    /** Live series keep every point instead of a ring buffer's last N. */
    unboundedSeries: z.boolean().default(false),
    /** Live charts animate each update (recharts' default) instead of redrawing at once. */
    animations: z.boolean().default(false),
  })
  .strict();
export type PerfFlags = z.infer<typeof PerfFlagsSchema>;

const safeFlags: PerfFlags = { unboundedSeries: false, animations: false };

/**
 * The flags a stored value asks for; anything unreadable means the safe defaults.
 * @example parsePerfFlags('{"animations":true}') // { unboundedSeries: false, animations: true }
 */
export function parsePerfFlags(stored: string | null): PerfFlags {
  if (stored === null) return safeFlags;
  try {
    const parsed = PerfFlagsSchema.safeParse(JSON.parse(stored));
    return parsed.success ? parsed.data : safeFlags;
  } catch {
    return safeFlags;
  }
}

let current: PerfFlags | undefined;

/** Read once, on first use (never at import); a change takes a reload, as the benchmark does. */
export function perfFlags(): PerfFlags {
  current ??= import.meta.env.MODE === 'profile' ? readStoredFlags() : safeFlags;
  return current;
}

function readStoredFlags(): PerfFlags {
  try {
    return parsePerfFlags(window.localStorage.getItem(perfFlagsStorageKey));
  } catch {
    // Storage can be blocked (privacy settings): the safe defaults then.
    return safeFlags;
  }
}

/**
 * How many points a live series keeps: `capacity`, unless the benchmark's contrast run asks for
 * unbounded series.
 * @example const points = ring(liveSeriesCapacity(120));
 */
export function liveSeriesCapacity(capacity: number): number {
  return perfFlags().unboundedSeries ? unboundedCapacity : capacity;
}

/**
 * The largest array length: a ring of this size never wraps (136 years at a point a second), and,
 * unlike Infinity, it is a capacity a ring buffer accepts.
 */
export const unboundedCapacity = 2 ** 32 - 1;

/**
 * Whether live charts animate: never, unless the benchmark's contrast run asks for it.
 * @example <Line isAnimationActive={liveChartAnimations()} ... />
 */
export function liveChartAnimations(): boolean {
  return perfFlags().animations;
}
