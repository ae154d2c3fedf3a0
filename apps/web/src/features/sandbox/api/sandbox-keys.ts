// Query keys for the sandbox chaos panel.
export const sandboxKeys = {
  all: ['sandbox'] as const,
  providers: ['sandbox', 'providers'] as const,
  traffic: ['sandbox', 'traffic'] as const,
};
