import { X12Parser, type X12Interchange, type X12Segment, type X12Transaction } from 'node-x12';
import { AppError } from '../../shared/errors.js';

/** Who sends and who receives an interchange: ISA05/06 and ISA07/08 (qualifier ZZ = mutually defined, 01 = DUNS, 12 = phone). */
export interface X12Party {
  qualifier: string;
  id: string;
}

export interface EnvelopeInput {
  sender: X12Party;
  receiver: X12Party;
  /** ISA13 / GS06: unique per interchange, 1 … 999,999,999. */
  control_number: number;
  /** GS01 functional identifier: OW = warehouse shipping order (940), SW = shipping advice (945), IB = inventory advice (846). */
  functional_id: string;
  /** ST01 transaction set: 940, 945, 846. */
  transaction_set: string;
  at: Date;
  test: boolean;
  /** The transaction's segments between ST and SE, each an array of elements (the first is the segment id). */
  segments: string[][];
}

const ELEMENT = '*';
const TERMINATOR = '~';
const COMPONENT = '>';

/** X12 text may not carry the delimiters or line breaks; anything else outside printable ASCII becomes a space too. */
export function clean(value: string | number | null | undefined, max = 60): string {
  if (value === null || value === undefined) return '';
  return String(value).replace(/[*~>^\r\n]/g, ' ').replace(/[^\x20-\x7e]/g, ' ').replace(/\s+/g, ' ').trim().slice(0, max);
}

const pad = (s: string, n: number) => s.slice(0, n).padEnd(n, ' ');
const digits = (n: number, width: number) => String(n).padStart(width, '0');
const yymmdd = (d: Date) => d.toISOString().slice(2, 10).replaceAll('-', '');
export const ccyymmdd = (d: Date): string => d.toISOString().slice(0, 10).replaceAll('-', '');
const hhmm = (d: Date) => d.toISOString().slice(11, 16).replace(':', '');

/**
 * One interchange (ISA/GS/ST … SE/GE/IEA, version 004010) holding one transaction set, segments terminated by `~`
 * and a line break (receivers accept both; people can read it). Control numbers: ISA13 = GS06 = the given number,
 * ST02 = 0001; SE01 counts ST through SE.
 */
export function writeInterchange(e: EnvelopeInput): string {
  if (!Number.isInteger(e.control_number) || e.control_number < 1 || e.control_number > 999_999_999) {
    throw new AppError('invalid', 'validation_failed', `Control number ${e.control_number} is outside 1…999999999`, { control_number: e.control_number });
  }
  const ctl = digits(e.control_number, 9);
  const st = '0001';
  const isa = ['ISA', '00', pad('', 10), '00', pad('', 10), pad(e.sender.qualifier, 2), pad(clean(e.sender.id, 15), 15), pad(e.receiver.qualifier, 2), pad(clean(e.receiver.id, 15), 15),
    yymmdd(e.at), hhmm(e.at), 'U', '00401', ctl, '0', e.test ? 'T' : 'P', COMPONENT];
  const gs = ['GS', e.functional_id, clean(e.sender.id, 15), clean(e.receiver.id, 15), ccyymmdd(e.at), hhmm(e.at), String(e.control_number), 'X', '004010'];
  const body = [['ST', e.transaction_set, st], ...e.segments.map((s) => trimTrailing(s.map((v, i) => (i === 0 ? v : clean(v, 80)))))];
  body.push(['SE', String(body.length + 1), st]);
  const all = [isa, gs, ...body, ['GE', '1', String(e.control_number)], ['IEA', '1', ctl]];
  return all.map((s) => s.join(ELEMENT) + TERMINATOR).join('\n') + '\n';
}

/** Empty trailing elements are left out (X12 forbids trailing separators). */
function trimTrailing(s: string[]): string[] {
  let end = s.length;
  while (end > 1 && s[end - 1] === '') end--;
  return s.slice(0, end);
}

export interface ParsedTransaction {
  set: string;
  control_number: string;
  /** Segments in order: id and elements (1-based like the standard: el[1] is XXX01). */
  segments: { id: string; el: string[] }[];
}

export interface ParsedInterchange {
  sender: X12Party;
  receiver: X12Party;
  control_number: string;
  test: boolean;
  transactions: ParsedTransaction[];
}

/**
 * Parses an interchange with node-x12 (delimiters read from the ISA segment, with or without line breaks after the
 * segment terminator). Malformed input is a 422 `edi_invalid` naming what is wrong.
 */
export function parseInterchange(raw: string): ParsedInterchange {
  let ic: X12Interchange;
  try {
    const parsed = new X12Parser(true).parse(raw.replace(/^\uFEFF/, '').trim());
    if (!('header' in parsed) || !('functionalGroups' in parsed)) throw new Error('more than one interchange in one file');
    ic = parsed as X12Interchange;
  } catch (err) {
    throw new AppError('unprocessable', 'edi_invalid', `Not a valid X12 interchange: ${(err as Error).message}`, {});
  }
  const el = (s: X12Segment) => ['', ...s.elements.map((x) => x.value.trim())];
  const isa = el(ic.header);
  return {
    sender: { qualifier: isa[5] ?? '', id: isa[6] ?? '' },
    receiver: { qualifier: isa[7] ?? '', id: isa[8] ?? '' },
    control_number: isa[13] ?? '',
    test: isa[15] === 'T',
    transactions: ic.functionalGroups.flatMap((g) => g.transactions.map((t: X12Transaction) => ({
      set: t.header.valueOf(1) ?? '',
      control_number: t.header.valueOf(2) ?? '',
      segments: t.segments.map((s) => ({ id: s.tag, el: el(s) })),
    }))),
  };
}
