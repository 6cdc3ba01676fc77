/**
 * The breaker ladder, mildest first. The order matters: a level's index is compared, and each level
 * includes the restrictions of those below it.
 */
export const breakerLevels = ['normal', 'warn', 'reduce', 'halt', 'flatten'] as const;
export type BreakerLevel = (typeof breakerLevels)[number];

export const levelIndex = (l: BreakerLevel): number => breakerLevels.indexOf(l);

export const stricterLevel = (a: BreakerLevel, b: BreakerLevel): BreakerLevel =>
  levelIndex(a) >= levelIndex(b) ? a : b;

/** New entries are refused from `halt` up; reducing a position is always allowed. */
export const allowsNewEntries = (l: BreakerLevel): boolean => levelIndex(l) < levelIndex('halt');
