import { eventCounts } from './event-counts/projection.js';
import type { Projection } from './projection.js';

/** Every projection the node runs. Later issues add positions, KPIs, bandit scores, the audit timeline. */
export const allProjections = (): Projection[] => [eventCounts];
