// Signing in with a local account. Plain React state, like get-auth-providers.ts, for the same reason.
import type { LoginRequest, Me } from '@switchboard/shared/auth';
import { useState } from 'react';
import { useApi } from '../../../lib/api-context';
import { login } from '../../../lib/auth/auth-api';

export function useSignIn(options: {
  onSuccess: (me: Me) => void;
  onError: (error: Error) => void;
}) {
  const api = useApi();
  const [isPending, setPending] = useState(false);
  const mutate = (credentials: LoginRequest) => {
    setPending(true);
    login(api, credentials).then(
      (me) => {
        setPending(false);
        options.onSuccess(me);
      },
      (err: unknown) => {
        setPending(false);
        options.onError(err instanceof Error ? err : new Error(String(err)));
      },
    );
  };
  return { mutate, isPending };
}
