// The five upstreams the fan-out view calls (the identity provider only issues tokens).
export const fanOutProviders = ['users', 'payments', 'email', 'email-backup', 'analytics'];
