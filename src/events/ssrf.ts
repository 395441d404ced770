import dns from 'node:dns';
import net from 'node:net';
import { AppError } from '../shared/errors.js';

/**
 * The SSRF guard for outbound webhooks. A URL is judged by the addresses its host RESOLVES to (not by its
 * spelling), at subscription time and again at every delivery; the delivery then connects to the address that
 * was checked, so a DNS answer that changes in between (rebinding) cannot redirect it.
 */

interface Ip {
  v: 4 | 6;
  n: bigint;
}

function parseV4(s: string): bigint | undefined {
  const parts = s.split('.');
  if (parts.length !== 4) return undefined;
  let n = 0n;
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p) || Number(p) > 255) return undefined;
    n = (n << 8n) | BigInt(p);
  }
  return n;
}

function parseV6(s: string): bigint | undefined {
  let text = s.split('%')[0]!; // a zone id (fe80::1%eth0) does not change the address
  if (text.includes('.')) {
    // A trailing dotted IPv4 (::ffff:10.0.0.1) is two 16-bit groups.
    const at = text.lastIndexOf(':');
    const v4 = parseV4(text.slice(at + 1));
    if (v4 === undefined) return undefined;
    text = `${text.slice(0, at + 1)}${(v4 >> 16n).toString(16)}:${(v4 & 0xffffn).toString(16)}`;
  }
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const groups = (h: string): string[] => (h === '' ? [] : h.split(':'));
  const head = groups(halves[0]!);
  const rest = halves.length === 2 ? groups(halves[1]!) : [];
  const given = head.length + rest.length;
  if (halves.length === 1 ? given !== 8 : given > 7) return undefined;
  let n = 0n;
  for (const g of [...head, ...Array<string>(8 - given).fill('0'), ...rest]) {
    if (!/^[0-9a-f]{1,4}$/i.test(g)) return undefined;
    n = (n << 16n) | BigInt(parseInt(g, 16));
  }
  return n;
}

/** Parses an IPv4 or IPv6 literal (brackets and zone ids allowed); undefined when it is not one. */
export function parseIp(text: string): Ip | undefined {
  const s = text.replace(/^\[(.*)\]$/, '$1');
  const family = net.isIP(s.split('%')[0]!);
  if (family === 4) return { v: 4, n: parseV4(s)! };
  if (family === 6) {
    const n = parseV6(s);
    return n === undefined ? undefined : { v: 6, n };
  }
  return undefined;
}

interface Cidr {
  v: 4 | 6;
  base: bigint;
  bits: number;
}

function cidr(text: string): Cidr {
  const [addr, prefix] = text.split('/');
  const ip = parseIp(addr!)!;
  return { v: ip.v, base: ip.n, bits: prefix === undefined ? (ip.v === 4 ? 32 : 128) : Number(prefix) };
}

function inCidr(ip: Ip, c: Cidr): boolean {
  if (ip.v !== c.v) return false;
  const width = ip.v === 4 ? 32 : 128;
  const shift = BigInt(width - c.bits);
  return ip.n >> shift === c.base >> shift;
}

const V4_BLOCKED: [string, string][] = [
  ['0.0.0.0/8', 'unspecified'],
  ['10.0.0.0/8', 'private'],
  ['100.64.0.0/10', 'carrier-grade NAT'],
  ['127.0.0.0/8', 'loopback'],
  ['169.254.0.0/16', 'link-local (cloud metadata)'],
  ['172.16.0.0/12', 'private'],
  ['192.0.0.0/24', 'IETF protocol assignments'],
  ['192.0.2.0/24', 'documentation'],
  ['192.168.0.0/16', 'private'],
  ['198.18.0.0/15', 'benchmarking'],
  ['198.51.100.0/24', 'documentation'],
  ['203.0.113.0/24', 'documentation'],
  ['224.0.0.0/4', 'multicast'],
  ['240.0.0.0/4', 'reserved or broadcast'],
];
const V6_BLOCKED: [string, string][] = [
  ['::/128', 'unspecified'],
  ['::1/128', 'loopback'],
  ['64:ff9b:1::/48', 'local NAT64'],
  ['100::/64', 'discard'],
  ['2001::/32', 'Teredo'],
  ['2001:db8::/32', 'documentation'],
  ['fc00::/7', 'unique local (private)'],
  ['fe80::/10', 'link-local'],
  ['fec0::/10', 'site-local'],
  ['ff00::/8', 'multicast'],
];
const BLOCKED = [...V4_BLOCKED, ...V6_BLOCKED].map(([c, why]) => ({ range: cidr(c), why }));

// IPv6 forms that carry an IPv4 address: the embedded address is what the packets reach.
const MAPPED = cidr('::ffff:0:0/96');
const COMPATIBLE = cidr('::/96');
const NAT64 = cidr('64:ff9b::/96');
const SIX_TO_FOUR = cidr('2002::/16');

function embeddedV4(ip: Ip): Ip | undefined {
  if (ip.v !== 6) return undefined;
  if (inCidr(ip, MAPPED) || inCidr(ip, NAT64) || (inCidr(ip, COMPATIBLE) && ip.n > 1n)) return { v: 4, n: ip.n & 0xffffffffn };
  if (inCidr(ip, SIX_TO_FOUR)) return { v: 4, n: (ip.n >> 80n) & 0xffffffffn };
  return undefined;
}

/** Why an address must not be called (loopback, private, link-local, …), or undefined for a public address. */
export function forbiddenReason(address: string): string | undefined {
  const ip = parseIp(address);
  if (!ip) return 'not an IP address';
  const inner = embeddedV4(ip);
  if (inner) {
    const why = BLOCKED.find((b) => inCidr(inner, b.range))?.why;
    return why ? `${why} (IPv4 inside IPv6)` : undefined;
  }
  return BLOCKED.find((b) => inCidr(ip, b.range))?.why;
}

/** The operator's exceptions: exact host names, and IP addresses or CIDR ranges (from config). */
export class AllowList {
  private readonly names = new Set<string>();
  private readonly ranges: Cidr[] = [];

  constructor(entries: readonly string[]) {
    for (const e of entries) {
      const lower = e.toLowerCase().replace(/^\[(.*)\]$/, '$1');
      if (parseIp(lower.split('/')[0]!)) this.ranges.push(cidr(lower));
      else this.names.add(lower.replace(/\.$/, ''));
    }
  }

  hasName(host: string): boolean {
    return this.names.has(host.toLowerCase().replace(/\.$/, ''));
  }

  hasAddress(address: string): boolean {
    const ip = parseIp(address);
    if (!ip) return false;
    const inner = embeddedV4(ip);
    return this.ranges.some((r) => inCidr(ip, r) || (inner !== undefined && inCidr(inner, r)));
  }
}

export interface ResolvedTarget {
  url: URL;
  /** The checked address the request must connect to. */
  address: string;
  family: 4 | 6;
}

export type Resolver = (host: string) => Promise<{ address: string; family: number }[]>;

const systemResolver: Resolver = (host) => dns.promises.lookup(host, { all: true, verbatim: true });

const refuse = (code: string, message: string, details: Record<string, unknown>): AppError => new AppError('unprocessable', code, message, details);

/** Parses a webhook URL and checks its form: http(s) only, no credentials, a host. */
export function parseWebhookUrl(text: string): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new AppError('invalid', 'webhook_url_invalid', 'The webhook URL is not a valid absolute URL', { url: text });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new AppError('invalid', 'webhook_url_invalid', 'Webhook URLs must use http or https', { url: text, protocol: url.protocol });
  }
  if (url.username !== '' || url.password !== '') {
    throw new AppError('invalid', 'webhook_url_invalid', 'Webhook URLs may not carry credentials; the signature authenticates Tandem', { url: url.origin });
  }
  if (url.hostname === '') throw new AppError('invalid', 'webhook_url_invalid', 'The webhook URL has no host', { url: text });
  return url;
}

/**
 * Resolves the URL's host and refuses it when any answer is a loopback, private, link-local, metadata,
 * multicast or otherwise non-public address, unless the allow-list names the host or covers the address.
 * Returns the address to connect to.
 */
export async function resolveWebhookTarget(text: string, allow: AllowList, opts: { resolver?: Resolver; timeoutMs?: number } = {}): Promise<ResolvedTarget> {
  const url = parseWebhookUrl(text);
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  let answers: { address: string; family: number }[];
  if (parseIp(host)) {
    answers = [{ address: host, family: net.isIP(host) }];
  } else {
    const resolver = opts.resolver ?? systemResolver;
    let timer: NodeJS.Timeout | undefined;
    try {
      answers = await Promise.race([
        resolver(host),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error('DNS lookup timed out')), opts.timeoutMs ?? 5_000);
        }),
      ]);
    } catch (err) {
      throw refuse('webhook_url_unresolvable', `The webhook host ${host} does not resolve`, { host, error: (err as Error).message });
    } finally {
      clearTimeout(timer);
    }
    if (answers.length === 0) throw refuse('webhook_url_unresolvable', `The webhook host ${host} does not resolve`, { host });
  }
  if (!allow.hasName(host)) {
    for (const a of answers) {
      const why = allow.hasAddress(a.address) ? undefined : forbiddenReason(a.address);
      if (why) {
        throw refuse('webhook_url_forbidden', `Webhooks may not call ${host}: it resolves to ${a.address}, a ${why} address`, { host, address: a.address, reason: why });
      }
    }
  }
  const first = answers[0]!;
  return { url, address: first.address, family: first.family === 6 ? 6 : 4 };
}
