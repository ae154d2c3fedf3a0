// The settings playwright.config.ts made for this run (workers inherit them through the environment).

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run the journeys through playwright.config.ts`);
  return value;
}

export const adminPassword = () => required('SWITCHBOARD_E2E_ADMIN_PASSWORD');

/** The running BFF's data directory (its SQLite files), for journeys that seed state. */
export const dataDir = () => required('SWITCHBOARD_E2E_DATA_DIR');

/** The sandbox's upstream credentials, pinned for this run so a journey can look for leaks. */
export const sandboxSecrets = () =>
  [
    'SANDBOX_PAYMENTS_CLIENT_SECRET',
    'SANDBOX_EMAIL_API_KEY',
    'SANDBOX_EMAIL_BACKUP_API_KEY',
    'SANDBOX_ANALYTICS_HMAC_SECRET',
    'SANDBOX_WEBHOOK_SECRET',
  ].map(required);
