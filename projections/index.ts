import { alertsProjection } from './alerts/projection.js';
import { auditProjection } from './audit/projection.js';
import { eventCounts } from './event-counts/projection.js';
import { hotlistProjection } from './hotlist/projection.js';
import { ledgerProjection } from './ledger/projection.js';
import { lifecycleProjection } from './lifecycle/projection.js';
import { optimizerProjection } from './optimizer/projection.js';
import { ordersProjection } from './orders/projection.js';
import { portfolioProjection } from './portfolio/projection.js';
import type { Projection } from './projection.js';
import { riskProjection } from './risk/projection.js';
import { riskLimitsProjection } from './risk-limits/projection.js';
import { runInstrumentsProjection } from './run-instruments/projection.js';
import { runsProjection } from './runs/projection.js';
import { stopsProjection } from './stops/projection.js';

/** Every projection the node runs. */
export const allProjections = (): Projection[] => [
  eventCounts,
  ledgerProjection,
  ordersProjection,
  runsProjection,
  runInstrumentsProjection,
  riskProjection,
  riskLimitsProjection,
  stopsProjection,
  auditProjection,
  optimizerProjection,
  hotlistProjection,
  portfolioProjection,
  lifecycleProjection,
  alertsProjection,
];
