// Users (admin): list, create, and change role or enabled state.
import {
  UserListSchema,
  UserSchema,
  type CreateUserRequest,
  type UpdateUserRequest,
  type User,
} from '@switchboard/shared/auth';
import { queryOptions, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { ApiClient } from '../../../lib/api-client';
import { useApi } from '../../../lib/api-context';
import { adminKeys } from './admin-keys';

export async function getUsers(api: ApiClient, signal?: AbortSignal): Promise<User[]> {
  const list = await api.request('/api/admin/users', UserListSchema, signal ? { signal } : {});
  return list.items;
}

export const usersQueryOptions = (api: ApiClient) =>
  queryOptions({ queryKey: adminKeys.users, queryFn: ({ signal }) => getUsers(api, signal) });

export function useUsers() {
  return useQuery(usersQueryOptions(useApi()));
}

export function createUser(api: ApiClient, request: CreateUserRequest): Promise<User> {
  return api.request('/api/admin/users', UserSchema, { method: 'POST', body: request });
}

export function updateUser(api: ApiClient, id: string, patch: UpdateUserRequest): Promise<User> {
  return api.request(`/api/admin/users/${encodeURIComponent(id)}`, UserSchema, {
    method: 'PATCH',
    body: patch,
  });
}

/** Every user change is audited, so the audit pages go stale too. */
function useInvalidateUsers() {
  const queryClient = useQueryClient();
  return () =>
    Promise.all([
      queryClient.invalidateQueries({ queryKey: adminKeys.users }),
      queryClient.invalidateQueries({ queryKey: adminKeys.audit }),
      // A disabled user's sessions end on the server.
      queryClient.invalidateQueries({ queryKey: adminKeys.sessions }),
    ]);
}

export function useCreateUser() {
  const api = useApi();
  const invalidate = useInvalidateUsers();
  return useMutation({
    mutationFn: (request: CreateUserRequest) => createUser(api, request),
    onSuccess: invalidate,
  });
}

export function useUpdateUser() {
  const api = useApi();
  const invalidate = useInvalidateUsers();
  return useMutation({
    mutationFn: ({ id, patch }: { id: string; patch: UpdateUserRequest }) =>
      updateUser(api, id, patch),
    onSuccess: invalidate,
  });
}
