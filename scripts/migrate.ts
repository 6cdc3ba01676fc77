import { openConfiguredStore } from './node-context.js';

const opened = await openConfiguredStore();
await opened.close();
