import { InitialSchema1764000000000 } from './1764000000000-initial-schema';

/** Listed, not globbed: a glob breaks under vitest and hides what runs. Append only. */
export const MIGRATIONS = [InitialSchema1764000000000];
