import { describe, expect, it } from 'vitest';
import { AllowList, forbiddenReason, parseIp, resolveWebhookTarget } from './ssrf.js';

const fakeDns = (answers: Record<string, string[]>) => async (host: string) => {
  const a = answers[host];
  if (!a) throw new Error(`getaddrinfo ENOTFOUND ${host}`);
  return a.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
};

describe('forbiddenReason', () => {
  it.each([
    ['127.0.0.1', 'loopback'], ['127.255.1.2', 'loopback'], ['10.0.0.1', 'private'], ['172.16.5.4', 'private'], ['172.31.255.255', 'private'],
    ['192.168.1.1', 'private'], ['100.64.0.1', 'carrier-grade NAT'], ['169.254.169.254', 'link-local (cloud metadata)'], ['0.0.0.0', 'unspecified'],
    ['224.0.0.1', 'multicast'], ['255.255.255.255', 'reserved or broadcast'], ['::1', 'loopback'], ['::', 'unspecified'], ['fc00::1', 'unique local (private)'],
    ['fd12:3456::1', 'unique local (private)'], ['fe80::1%eth0', 'link-local'], ['ff02::1', 'multicast'],
  ])('refuses %s (%s)', (ip, why) => {
    expect(forbiddenReason(ip)).toBe(why);
  });

  it.each([
    ['::ffff:127.0.0.1', 'loopback'], ['::ffff:7f00:1', 'loopback'], ['::ffff:169.254.169.254', 'link-local (cloud metadata)'],
    ['64:ff9b::10.0.0.1', 'private'], ['2002:c0a8:0101::1', 'private'],
  ])('sees the IPv4 address inside %s', (ip, why) => {
    expect(forbiddenReason(ip)).toBe(`${why} (IPv4 inside IPv6)`);
  });

  it.each(['8.8.8.8', '1.1.1.1', '172.32.0.1', '100.128.0.1', '2606:4700:4700::1111', '::ffff:8.8.8.8'])('lets the public address %s through', (ip) => {
    expect(forbiddenReason(ip)).toBeUndefined();
  });

  it('parses IPv6 forms exactly', () => {
    expect(parseIp('::ffff:1.2.3.4')).toEqual(parseIp('::ffff:102:304'));
    expect(parseIp('[2001:db8::1]')?.v).toBe(6);
    expect(parseIp('1:2:3:4:5:6:7:8:9')).toBeUndefined();
    expect(parseIp('example.com')).toBeUndefined();
  });
});

describe('resolveWebhookTarget', () => {
  const none = new AllowList([]);

  it.each(['http://10.0.0.1/hook', 'http://169.254.169.254/latest/meta-data/', 'http://[::1]:8080/', 'http://0x7f000001/', 'http://2130706433/', 'http://[::ffff:127.0.0.1]/', 'http://0/'])(
    'refuses %s',
    async (url) => {
      await expect(resolveWebhookTarget(url, none)).rejects.toMatchObject({ code: 'webhook_url_forbidden' });
    },
  );

  it('judges a host by what it resolves to, and refuses a name with any private answer', async () => {
    const resolver = fakeDns({ 'evil.example': ['127.0.0.1'], 'mixed.example': ['93.184.216.34', '10.1.2.3'], 'ok.example': ['93.184.216.34'] });
    await expect(resolveWebhookTarget('https://evil.example/x', none, { resolver })).rejects.toMatchObject({ code: 'webhook_url_forbidden', details: { address: '127.0.0.1' } });
    await expect(resolveWebhookTarget('https://mixed.example/x', none, { resolver })).rejects.toMatchObject({ code: 'webhook_url_forbidden' });
    await expect(resolveWebhookTarget('https://nowhere.example/x', none, { resolver })).rejects.toMatchObject({ code: 'webhook_url_unresolvable' });
    const ok = await resolveWebhookTarget('https://ok.example/x', none, { resolver });
    expect(ok.address).toBe('93.184.216.34');
  });

  it('refuses other schemes and credentials in the URL', async () => {
    await expect(resolveWebhookTarget('ftp://ok.example/', none)).rejects.toMatchObject({ code: 'webhook_url_invalid' });
    await expect(resolveWebhookTarget('file:///etc/passwd', none)).rejects.toMatchObject({ code: 'webhook_url_invalid' });
    await expect(resolveWebhookTarget('http://user:pw@93.184.216.34/', none)).rejects.toMatchObject({ code: 'webhook_url_invalid' });
  });

  it('lets an allow-listed address, range or host name through', async () => {
    const resolver = fakeDns({ 'receiver.local': ['10.20.30.40'], localhost: ['127.0.0.1'] });
    await expect(resolveWebhookTarget('http://127.0.0.1:9000/', new AllowList(['127.0.0.1']))).resolves.toMatchObject({ address: '127.0.0.1' });
    await expect(resolveWebhookTarget('http://receiver.local/', new AllowList(['10.20.0.0/16']), { resolver })).resolves.toMatchObject({ address: '10.20.30.40' });
    await expect(resolveWebhookTarget('http://receiver.local/', new AllowList(['receiver.local']), { resolver })).resolves.toMatchObject({ address: '10.20.30.40' });
    // An allowed name does not open up other names resolving to the same place.
    await expect(resolveWebhookTarget('http://localhost/', new AllowList(['receiver.local']), { resolver })).rejects.toMatchObject({ code: 'webhook_url_forbidden' });
    await expect(resolveWebhookTarget('http://10.20.30.41/', new AllowList(['10.20.30.40']))).rejects.toMatchObject({ code: 'webhook_url_forbidden' });
  });
});
