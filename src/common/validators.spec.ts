import 'reflect-metadata';
import { validateSync } from 'class-validator';
import { describe, expect, it } from 'vitest';
import { canonicalIpAddress, IsCidr, isCidr, IsIpAddress } from './validators';

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

describe('canonicalIpAddress / IsIpAddress (network.proxyAddresses)', () => {
  it.each([
    ['10.50.0.4', '10.50.0.4'],
    ['0.0.0.0', '0.0.0.0'],
    ['FD00:50:0:0:0:0:0:4', 'fd00:50::4'],
    ['2001:db8::1', '2001:db8::1'],
    ['::ffff:10.0.0.1', '::ffff:a00:1'], // as ipaddr.js and WHATWG URL spell it
  ])('accepts %j as %j', (input, canonical) => expect(canonicalIpAddress(input)).toBe(canonical));

  it.each([
    ['proxy.corp.example', 'host name'],
    ['10.50.0.0/24', 'CIDR'],
    ['010.0.0.1', 'octal-looking part'],
    ['10.1', 'short form'],
    ['167772161', 'one number'],
    ['fe80::1%eth0', 'IPv6 zone'],
    ['[fd00::1]', 'brackets'],
    ['', 'empty'],
    [' 10.0.0.1', 'space'],
  ])('refuses %j (%s)', (input) => expect(canonicalIpAddress(input)).toBeNull());

  it('refuses what is no string', () => {
    for (const v of [167772161, null, undefined, ['10.0.0.1'], { ip: '10.0.0.1' }]) expect(canonicalIpAddress(v)).toBeNull();
  });

  it('names the first entry that is no IP in its message', () => {
    class Holder {
      @IsIpAddress({ each: true })
      proxyAddresses!: unknown[];
    }
    const h = Object.assign(new Holder(), { proxyAddresses: ['10.0.0.1', 'proxy.corp.example', 'x'] });
    const [error] = validateSync(h);
    expect(Object.values(error!.constraints!)).toEqual([
      'proxyAddresses must hold IP addresses such as 10.0.0.4 or fd00::4 (no host names, no CIDR); "proxy.corp.example" is not one',
    ]);
    expect(validateSync(Object.assign(new Holder(), { proxyAddresses: ['10.0.0.1', 'fd00::1'] }))).toEqual([]);
  });
});
