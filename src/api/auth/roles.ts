/** Roles are hierarchical: admin ⊃ operator ⊃ viewer. */

export const ROLES = ['viewer', 'operator', 'admin'] as const;
export type Role = (typeof ROLES)[number];
/** The minimum role of a method; `none` methods work before authentication. */
export type MinRole = Role | 'none';

export function isRole(v: unknown): v is Role {
  return typeof v === 'string' && (ROLES as readonly string[]).includes(v);
}

export function roleAllows(have: Role, need: Role): boolean {
  return ROLES.indexOf(have) >= ROLES.indexOf(need);
}

const PERMISSIONS: Record<Role, string[]> = {
  viewer: ['view'],
  operator: ['view', 'control'],
  admin: ['view', 'control', 'admin'],
};

export function permissionsOf(role: Role): string[] {
  return [...PERMISSIONS[role]];
}
