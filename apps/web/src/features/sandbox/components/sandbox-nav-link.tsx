// The navigation entry for the chaos panel, shown only when the BFF runs the sandbox.
import { Link } from '../../../lib/router/router';
import { useSandboxAvailable } from '../api/get-providers';

export function SandboxNavLink() {
  return useSandboxAvailable() ? <Link to="/sandbox">Sandbox</Link> : null;
}
