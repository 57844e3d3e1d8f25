import type { FarEnd } from './harness.js';

export declare function startInProcessFarEnd(options: { deliveryDelayMs: number }): Promise<FarEnd>;
