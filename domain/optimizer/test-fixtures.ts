import type { PromotionEvidence } from './gates.js';

/** Evidence that passes every gate of the default policy, for tests about what follows a pass. */
export const passingEvidence: PromotionEvidence = {
  dsr: 0.97,
  pbo: 0.1,
  wfe: 0.7,
  oosMaxDrawdown: 0.12,
  oosTrades: 80,
  oosSharpe: 1.4,
  oosTradesPerDay: 1.5,
  oosCostCoverage: 3.2,
};
