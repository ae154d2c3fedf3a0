import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { accessCookie, readAccessCookie } from './cookies';

const app = new Hono().get('/', (c) => c.json({ token: readAccessCookie(c) ?? null }));
const tokenFor = async (cookie?: string) => {
  const response = await app.request('/', cookie === undefined ? {} : { headers: { cookie } });
  return ((await response.json()) as { token: string | null }).token;
};

describe('readAccessCookie', () => {
  it('reads the access token among other cookies, the same answer for a repeated header', async () => {
    const header = `theme=dark; ${accessCookie}=abc.def.ghi; other=1`;
    expect(await tokenFor(header)).toBe('abc.def.ghi');
    expect(await tokenFor(header)).toBe('abc.def.ghi');
  });

  it('answers nothing without a Cookie header or without the access cookie', async () => {
    expect(await tokenFor()).toBeNull();
    expect(await tokenFor('theme=dark')).toBeNull();
    expect(await tokenFor('theme=dark')).toBeNull();
  });

  it('follows a changed header, URI-decodes the value, and stays right past its memory bound', async () => {
    expect(await tokenFor(`${accessCookie}=one`)).toBe('one');
    expect(await tokenFor(`${accessCookie}=two`)).toBe('two');
    expect(await tokenFor(`${accessCookie}=a%20b`)).toBe('a b');
    for (let i = 0; i < 300; i++) expect(await tokenFor(`${accessCookie}=t${i}`)).toBe(`t${i}`);
    expect(await tokenFor(`${accessCookie}=one`)).toBe('one');
    expect(await tokenFor(`${accessCookie}=t5`)).toBe('t5');
  });
});
