import { eventStoreContract } from './contract.js';
import { openStore } from './open-store.js';

eventStoreContract('PGlite (embedded)', async () => {
  const opened = await openStore({ dataDir: ':memory:' });
  return { store: opened.store, close: () => opened.close() };
});
