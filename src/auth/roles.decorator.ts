import { SetMetadata } from '@nestjs/common';
import { Role } from '../config/config.schema';

export const ROLES_KEY = 'billing:roles';
export const PUBLIC_KEY = 'billing:public';

/** The roles whose API keys may call the route; every route names its roles. */
export const Roles = (...roles: Role[]) => SetMetadata(ROLES_KEY, roles);

/** A route that needs no key (health). */
export const Public = () => SetMetadata(PUBLIC_KEY, true);
