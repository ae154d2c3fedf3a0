// Creates a local account: username, optional display name, role and a first password.
import { CreateUserRequestSchema, roles, type Role } from '@switchboard/shared/auth';
import { useId, useRef, useState, type FormEvent } from 'react';
import { useToast } from '../../../components/toast';
import { formText } from '../../../lib/form-data';
import { useCreateUser } from '../api/users';
import { settle } from '../../../lib/settle';

export function CreateUserForm() {
  const create = useCreateUser();
  const toast = useToast();
  const [problem, setProblem] = useState<string | null>(null);
  const problemRef = useRef<HTMLParagraphElement>(null);
  const id = useId();

  const fail = (message: string) => {
    setProblem(message);
    queueMicrotask(() => problemRef.current?.focus());
  };

  const onSubmit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = event.currentTarget;
    const data = new FormData(form);
    const displayName = formText(data, 'displayName');
    const parsed = CreateUserRequestSchema.safeParse({
      username: data.get('username'),
      role: data.get('role'),
      password: data.get('password'),
      ...(displayName ? { displayName } : {}),
    });
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      fail(issue ? `${issue.path.join('.') || 'form'}: ${issue.message}` : 'Check the form.');
      return;
    }
    setProblem(null);
    settle(create.mutateAsync(parsed.data), {
      onSuccess: (user) => {
        form.reset();
        toast.show('success', `Created ${user.username} (${user.role}).`);
      },
      onError: (error) => fail(error.message),
    });
  };

  return (
    <form className="create-user" onSubmit={onSubmit} noValidate aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>Add a user</h2>
      {problem && (
        <p ref={problemRef} className="form-error" role="alert" tabIndex={-1}>
          {problem}
        </p>
      )}
      <div className="form-row">
        <div className="field">
          <label htmlFor={`${id}-username`}>Username</label>
          <input id={`${id}-username`} name="username" autoComplete="off" required />
        </div>
        <div className="field">
          <label htmlFor={`${id}-display`}>Display name (optional)</label>
          <input id={`${id}-display`} name="displayName" autoComplete="off" />
        </div>
        <div className="field">
          <label htmlFor={`${id}-role`}>Role</label>
          <select id={`${id}-role`} name="role" defaultValue={'viewer' satisfies Role}>
            {roles.map((role) => (
              <option key={role} value={role}>
                {role}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor={`${id}-password`}>Initial password</label>
          <input
            id={`${id}-password`}
            name="password"
            type="password"
            autoComplete="new-password"
            minLength={12}
            required
            aria-describedby={`${id}-password-hint`}
          />
          <small id={`${id}-password-hint`}>At least 12 characters.</small>
        </div>
      </div>
      <button type="submit" className="button--primary" disabled={create.isPending}>
        {create.isPending ? 'Creating…' : 'Create user'}
      </button>
    </form>
  );
}
