// Query keys for the views page.
export const viewKeys = {
  all: ['views'] as const,
  list: ['views', 'list'] as const,
};
