import { describe, expect, it } from 'vitest';
import ipaddr from 'ipaddr.js';
import { canonicalIPv4 } from './util';

describe('canonicalIPv4', () => {
  it('accepts exactly the strict dotted quads ipaddr.js accepts as four decimal parts', () => {
    const parts = ['0', '00', '01', '007', '010', '1', '9', '10', '99', '100', '199', '255', '256', '299', '999'];
    for (const a of parts) {
      for (const b of parts) {
        for (const c of parts) {
          for (const d of parts) {
            const text = `${a}.${b}.${c}.${d}`;
            expect(canonicalIPv4(text), text).toBe(ipaddr.IPv4.isValidFourPartDecimal(text) ? text : null);
          }
        }
      }
    }
  });

  it('refuses other forms: short, hex, signed, spaced, five parts', () => {
    for (const text of ['10.0.1', '0x7f.0.0.1', '10.0.0.+1', ' 10.0.0.1', '10.0.0.1 ', '1.2.3.4.5', '', '1..2.3', '١.2.3.4']) {
      expect(canonicalIPv4(text), text).toBeNull();
    }
  });
});
