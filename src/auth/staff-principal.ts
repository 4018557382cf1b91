import { Role } from '../config/config.schema';

export type StaffRole = 'staff' | 'admin';
export type StaffLocale = 'de' | 'en';

/** A member of staff signed in to the console: who, and which API roles the session may use. */
export interface StaffPrincipal {
  accountId: string;
  name: string;
  role: StaffRole;
  locale: StaffLocale;
  /** The API roles the session may use: a staff account enters cash and uploads statements; an admin also reads the books. */
  roles: Role[];
  sessionHash: string;
  csrfToken: string;
}
