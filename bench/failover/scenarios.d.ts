import type { Profile, Scenario } from './harness.js';

export declare function scenarios(profile: Profile): Scenario[];
