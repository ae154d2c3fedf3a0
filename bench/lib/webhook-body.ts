// The webhook the ingest benchmarks deliver: one shape for the load generator and the profiles.

/** A ~300-byte event, as a user sign-up webhook would carry. */
export const webhookBodyOf = (id: string) =>
  JSON.stringify({
    id,
    type: 'user.created',
    data: {
      user: { id: `usr_${id}`, email: `${id}@example.com`, plan: 'team', locale: 'en-GB' },
      source: 'signup-form',
      referrer: 'https://example.com/pricing',
    },
  });
