// What the sign-in page offers (local accounts, single sign-on).
// Plain React state rather than TanStack Query: the query cache belongs to a signed-in session
// (see app/signed-in-layout.tsx), and leaving it out keeps the sign-in route's download small.
import type { AuthProviders } from '@switchboard/shared/auth';
import { useEffect, useState } from 'react';
import { useApi } from '../../../lib/api-context';
import { getAuthProviders } from '../../../lib/auth/auth-api';

export type AuthProvidersState =
  | { status: 'pending' }
  | { status: 'success'; data: AuthProviders }
  | { status: 'error'; error: Error };

export function useAuthProviders(): AuthProvidersState {
  const api = useApi();
  const [state, setState] = useState<AuthProvidersState>({ status: 'pending' });
  useEffect(() => {
    const controller = new AbortController();
    getAuthProviders(api, controller.signal).then(
      (data) => setState({ status: 'success', data }),
      (err: unknown) => {
        if (controller.signal.aborted) return;
        setState({ status: 'error', error: err instanceof Error ? err : new Error(String(err)) });
      },
    );
    return () => controller.abort();
  }, [api]);
  return state;
}
