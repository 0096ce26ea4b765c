/**
 * The devices capability's part of the contract: request schemas and the command map fragment.
 * Add names to names.ts, schemas here, and handlers in the main-process module.
 */
import type { z } from 'zod';

export const devicesCommandSchemas = {} satisfies Record<string, z.ZodType>;

// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface DevicesCommandMap {}
