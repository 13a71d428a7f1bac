// The names the model sees for a business's tools: built-in names are never
// handed out, a clash or an invalid name gets the server's prefix, then a
// number; the same tools always get the same names.
import { describe, expect, it } from 'vitest';
import { assignToolNames, sanitizeToolName } from '../../../media/tools/tool-names.js';

const BUILT_IN = ['end_call', 'transfer_to_human', 'take_message'];

describe('assignToolNames', () => {
  it('keeps valid unique names, prefixes clashes with the server, then numbers them', () => {
    const assigned = assignToolNames(BUILT_IN, [
      { name: 'lookup_order', prefix: null, target: 'http:lookup_order' },
      { name: 'end_call', prefix: 'crm', target: 'crm:end_call' },
      { name: 'lookup_order', prefix: 'crm', target: 'crm:lookup_order' },
      { name: 'lookup_order', prefix: 'crm', target: 'crm:lookup_order#2' },
      { name: 'book slot!', prefix: 'calendar', target: 'calendar:book slot!' },
      { name: 'search', prefix: 'calendar', target: 'calendar:search' },
    ]);
    expect([...assigned]).toEqual([
      ['lookup_order', 'http:lookup_order'],
      ['crm_end_call', 'crm:end_call'],
      ['crm_lookup_order', 'crm:lookup_order'],
      ['crm_lookup_order_2', 'crm:lookup_order#2'],
      ['calendar_book_slot_', 'calendar:book slot!'],
      ['search', 'calendar:search'],
    ]);
    for (const name of assigned.keys()) expect(name).toMatch(/^[A-Za-z][A-Za-z0-9_-]{0,63}$/);
  });

  it('numbers an HTTP tool (no prefix) that clashes with a built-in one instead of taking its name', () => {
    expect([...assignToolNames(BUILT_IN, [{ name: 'end_call', prefix: null, target: 1 }]).keys()]).toEqual(['end_call_2']);
  });

  it('keeps long names within 64 characters, suffix included', () => {
    const long = `a${'b'.repeat(80)}`;
    const names = [...assignToolNames([], [
      { name: long, prefix: 'srv', target: 1 },
      { name: long, prefix: 'srv', target: 2 },
    ]).keys()];
    expect(names.map((name) => name.length)).toEqual([64, 64]);
    expect(names[1]).toMatch(/_2$/);
    expect(names[0]).not.toBe(names[1]);
  });
});

describe('sanitizeToolName', () => {
  it('makes a valid function name of any text', () => {
    expect(sanitizeToolName('get.weather')).toBe('get_weather');
    expect(sanitizeToolName('3d-print')).toBe('t_3d-print');
    expect(sanitizeToolName('')).toBe('t_');
  });
});
