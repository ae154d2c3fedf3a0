// The sign-in page: a local account form, single sign-on when configured, and the server's own
// words when either fails (including a lockout with a live countdown).
// The zod/mini twin: zod classic alone would take the sign-in page over its 100 KB budget.
import { LoginRequestMiniSchema } from '@switchboard/shared/auth-mini';
import { useEffect, useId, useRef, useState, type FormEvent } from 'react';
import { isApiError } from '../../../lib/api-client';
import { useAuth } from '../../../lib/auth/auth-context';
import { ssoHref } from '../../../lib/auth/auth-api';
import { safeReturnTo } from '../../../lib/auth/return-to';
import { useNavigate, useSearchParams } from '../../../lib/router/router';
import { useAuthProviders } from '../api/get-auth-providers';
import { useSignIn } from '../api/sign-in';
import { useCountdown } from './use-countdown';

/** A problem to show above the form; `seq` makes a repeat of the same message take focus again. */
interface Problem {
  message: string;
  seq: number;
}

export function SignInPage() {
  const params = useSearchParams();
  const returnTo = safeReturnTo(params.get('returnTo'));
  // A failed single sign-on comes back as /sign-in?error=<message>.
  const ssoError = params.get('error');
  const navigate = useNavigate();
  const { signIn } = useAuth();
  const providers = useAuthProviders();
  const [problem, setProblem] = useState<Problem | null>(
    ssoError ? { message: ssoError, seq: 0 } : null,
  );
  const [lockedFor, startLockout] = useCountdown();
  const problemRef = useRef<HTMLParagraphElement>(null);
  const ids = { username: useId(), password: useId(), problem: useId() };

  const report = (message: string) => setProblem((p) => ({ message, seq: (p?.seq ?? 0) + 1 }));

  const mutation = useSignIn({
    onSuccess(me) {
      signIn(me);
      navigate(returnTo, { replace: true });
    },
    onError(error) {
      if (isApiError(error) && error.code === 'rate_limited') {
        startLockout(error.retryAfterSeconds ?? 60);
        setProblem(null);
        return;
      }
      report(error.message);
    },
  });

  // Move focus to what went wrong, so keyboard and screen-reader users meet it first.
  const problemSeq = problem?.seq;
  useEffect(() => {
    if (problemSeq !== undefined) problemRef.current?.focus();
  }, [problemSeq]);

  const onSubmit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const parsed = LoginRequestMiniSchema.safeParse({
      username: form.get('username'),
      password: form.get('password'),
    });
    if (!parsed.success) {
      report(parsed.error.issues[0]?.message ?? 'Enter a username and a password.');
      return;
    }
    mutation.mutate(parsed.data);
  };

  const locked = lockedFor > 0;
  const offered = providers.status === 'success' ? providers.data : null;
  const oidc = offered?.oidc ?? null;
  // Until the server says otherwise, offer the local form: it is what almost everyone uses.
  const local = offered?.local ?? true;

  return (
    <main className="sign-in">
      <section aria-labelledby="sign-in-title" className="sign-in__card">
        <p className="brand">Switchboard</p>
        <h1 id="sign-in-title">Sign in</h1>
        {problem && (
          <p
            id={ids.problem}
            ref={problemRef}
            className="form-error"
            role="alert"
            tabIndex={-1}
            data-testid="sign-in-error"
          >
            {problem.message}
          </p>
        )}
        {locked && (
          <p className="form-error" role="alert" data-testid="sign-in-lockout">
            Too many attempts; try again in {lockedFor} s
          </p>
        )}
        {local && (
          <form onSubmit={onSubmit} noValidate aria-describedby={problem ? ids.problem : undefined}>
            <div className="field">
              <label htmlFor={ids.username}>Username</label>
              <input
                id={ids.username}
                name="username"
                autoComplete="username"
                autoCapitalize="none"
                spellCheck={false}
                required
                aria-invalid={problem ? true : undefined}
              />
            </div>
            <div className="field">
              <label htmlFor={ids.password}>Password</label>
              <input
                id={ids.password}
                name="password"
                type="password"
                autoComplete="current-password"
                required
                aria-invalid={problem ? true : undefined}
              />
            </div>
            <button
              type="submit"
              className="button--primary"
              disabled={mutation.isPending || locked}
            >
              {mutation.isPending ? 'Signing in…' : 'Sign in'}
            </button>
          </form>
        )}
        {oidc && (
          <div className="sign-in__sso">
            {local && <p className="sign-in__or">or</p>}
            <a className="button" href={ssoHref(oidc.loginUrl, returnTo, window.location.href)}>
              Sign in with {oidc.name}
            </a>
          </div>
        )}
        {providers.status === 'error' && !local && (
          <p className="form-error" role="alert">
            Could not load the ways to sign in: {providers.error.message}
          </p>
        )}
      </section>
    </main>
  );
}
