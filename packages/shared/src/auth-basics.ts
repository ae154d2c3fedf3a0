// The parts of the auth contract that need no validator: the roles and their order, and the CSRF
// header. Kept free of zod so the console's entry chunk (the sign-in page's path) can use them
// without pulling zod's classic API in; auth.ts re-exports them, so either import works.

export const roles = ['viewer', 'operator', 'admin'] as const;
export type Role = (typeof roles)[number];

/** Each role may do everything the roles before it may. */
export const roleRank: Record<Role, number> = { viewer: 0, operator: 1, admin: 2 };
export const hasRole = (have: Role, need: Role) => roleRank[have] >= roleRank[need];

/** Every state-changing request carries this header (value `1`) and a same-origin `Origin`. */
export const csrfHeader = 'X-CSRF';
