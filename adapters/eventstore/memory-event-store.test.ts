import { catalogue } from '../../domain/catalogue.js';
import { eventStoreContract } from './contract.js';
import { MemoryEventStore } from './memory-event-store.js';

eventStoreContract('in-memory', async () => ({
  store: new MemoryEventStore({ catalogue: catalogue() }),
  close: async () => {},
}));
