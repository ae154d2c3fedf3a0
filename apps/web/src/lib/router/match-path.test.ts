import { describe, expect, it } from 'vitest';
import { matchPath } from './router';

describe('matchPath', () => {
  it('reads decoded parameters from a matching path', () => {
    expect(matchPath('/integrations/:name', '/integrations/email-backup')).toEqual({
      name: 'email-backup',
    });
    expect(matchPath('/integrations/:name', '/integrations/a%20b')).toEqual({ name: 'a b' });
  });

  it('refuses other shapes, empty parameters and bad encodings', () => {
    expect(matchPath('/integrations/:name', '/integrations')).toBeNull();
    expect(matchPath('/integrations/:name', '/integrations/')).toBeNull();
    expect(matchPath('/integrations/:name', '/integrations/a/b')).toBeNull();
    expect(matchPath('/integrations/:name', '/views/a')).toBeNull();
    expect(matchPath('/integrations/:name', '/integrations/%E0%A4%A')).toBeNull();
  });
});
