import { z } from 'zod';
import { defineEvent } from '../events/define-event.js';

/** Written once per node start: which build opened the log, for the audit trail of deployments. */
export const NodeStarted = defineEvent({
  type: 'NodeStarted',
  schema: z
    .object({
      nodeId: z.string().min(1),
      version: z.string().min(1),
      store: z.enum(['pglite', 'postgres', 'memory']),
      migrations: z.array(z.string()),
    })
    .strict(),
});

export const systemEvents = [NodeStarted] as const;
