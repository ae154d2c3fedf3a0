// The navigation entry for the chaos panel, shown only when the BFF runs the sandbox.
import { Link } from '../../../lib/router/router';
import { useProviders } from '../api/get-providers';

export function SandboxNavLink() {
  const providers = useProviders();
  return providers.isSuccess ? <Link to="/sandbox">Sandbox</Link> : null;
}
