import { backtestEvents } from './backtest/events.js';
import { EventCatalogue } from './events/catalogue.js';
import { hotlistEvents } from './hotlist/events.js';
import { ledgerEvents } from './ledger/events.js';
import { lifecycleEvents } from './lifecycle/events.js';
import { marketEvents } from './market/events.js';
import { optimizerEvents } from './optimizer/events.js';
import { portfolioEvents } from './portfolio/events.js';
import { riskEvents } from './risk/events.js';
import { signalEvents } from './signals/events.js';
import { systemEvents } from './system/events.js';

/**
 * Every event type Perpetua writes. Each bounded context exports its definitions; this is the one
 * place that assembles them, so an event type without a schema cannot reach the log.
 */
export const catalogue = (): EventCatalogue =>
  new EventCatalogue([
    ...systemEvents,
    ...signalEvents,
    ...marketEvents,
    ...ledgerEvents,
    ...riskEvents,
    ...optimizerEvents,
    ...backtestEvents,
    ...hotlistEvents,
    ...portfolioEvents,
    ...lifecycleEvents,
  ]);
