import 'reflect-metadata';
import { validateSync } from 'class-validator';
import { describe, expect, it } from 'vitest';
import { IsCidr, isCidr } from './validators';

describe('isCidr', () => {
  it.each(['10.0.0.0/8', '10.224.0.0/16', '0.0.0.0/0', '192.168.1.7/32', '10.1.2.3/8', 'fd00::/8', '2001:DB8::/32', '::/0', '::ffff:10.0.0.0/104'])(
    'accepts %j',
    (cidr) => expect(isCidr(cidr)).toBe(true),
  );

  it.each([
    ['012.0.0.0/8', 'octal-looking part'],
    ['0x0a.0.0.0/8', 'hexadecimal part'],
    ['10.1/8', 'short form'],
    ['167772160/8', 'one number'],
    ['fe80::1%eth0/64', 'IPv6 zone'],
    ['10.0.0.0/33', 'prefix over 32'],
    ['fd00::/129', 'prefix over 128'],
    ['10.0.0.0/', 'no prefix'],
    ['10.0.0.0', 'no prefix'],
    [' 10.0.0.0/8', 'space'],
    ['10.0.0.256/8', 'part over 255'],
  ])('refuses %j (%s)', (cidr) => expect(isCidr(cidr)).toBe(false));

  it('refuses what is not a string', () => {
    expect(isCidr(167772160)).toBe(false);
    expect(isCidr(null)).toBe(false);
  });
});

describe('@IsCidr', () => {
  class Network {
    @IsCidr()
    serviceCidr!: string;
  }
  const errors = (serviceCidr: string) => validateSync(Object.assign(new Network(), { serviceCidr }));

  it('reports a CIDR that clients read differently, with the message the API returns', () => {
    expect(errors('0x0a.0.0.0/8')[0]?.constraints).toEqual({ isCidr: 'serviceCidr must be a CIDR such as 10.0.0.0/16' });
  });

  it('near miss: a strict CIDR passes', () => {
    expect(errors('10.0.0.0/16')).toEqual([]);
  });
});
