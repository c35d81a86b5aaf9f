import 'reflect-metadata';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { getMetadataStorage } from 'class-validator';
import { describe, expect, it } from 'vitest';
import { CreateClusterDto, UpdateClusterDto } from '../clusters/dto/cluster.dto';
import { boundsViolations } from './bounds.pipe';

/** Every *.dto.ts file under src, imported so that its decorators register (DTOs added later are covered too). */
async function importAllDtos(): Promise<void> {
  const walk = (dir: string): string[] =>
    readdirSync(dir).flatMap((f) => {
      const p = join(dir, f);
      return statSync(p).isDirectory() ? walk(p) : /\.dto\.ts$/.test(f) ? [p] : [];
    });
  for (const file of walk(join(__dirname, '..'))) {
    if (/class-validator/.test(readFileSync(file, 'utf8'))) await import(file);
  }
}

describe('every DTO is bounded', () => {
  it('every array property of every DTO has an @ArrayMaxSize, and every nested DTO is checked as an object or an array', async () => {
    await importAllDtos();
    const storage = getMetadataStorage() as unknown as { validationMetadatas: Map<Function, Array<{ propertyName: string; name?: string; type: string; each?: boolean }>> };
    const unbounded: string[] = [];
    const arrays: string[] = [];
    for (const [target, metadatas] of storage.validationMetadatas) {
      const byProperty = new Map<string, typeof metadatas>();
      for (const m of metadatas) byProperty.set(m.propertyName, [...(byProperty.get(m.propertyName) ?? []), m]);
      for (const [property, ms] of byProperty) {
        const designType = Reflect.getMetadata('design:type', target.prototype, property);
        const arrayLike = designType === Array || ms.some((m) => ['isArray', 'arrayMinSize', 'arrayUnique'].includes(m.name ?? '') || (m.type === 'nestedValidation' && m.each));
        if (arrayLike) arrays.push(`${target.name}.${property}`);
        if (arrayLike && !ms.some((m) => m.name === 'arrayMaxSize')) unbounded.push(`${target.name}.${property}`);
      }
    }
    expect(arrays).toEqual(expect.arrayContaining(['CreateClusterDto.nodePools', 'ClusterNetworkDto.nodeSubnetCidrs', 'CreateApiKeyDto.roles', 'ExplainDto.urls']));
    expect(unbounded).toEqual([]);
  });

  it('catches out-of-bounds shapes without walking them (network as an array, too many pools, scalars as arrays)', () => {
    expect(boundsViolations(CreateClusterDto, { name: 'a', network: [{}] })).toEqual(['network must be an object, not an array']);
    expect(boundsViolations(UpdateClusterDto, { network: [{}] })).toEqual(['network must be an object, not an array']);
    expect(boundsViolations(UpdateClusterDto, { nodePools: Array(101).fill({}) })).toEqual(['nodePools must contain no more than 100 elements']);
    expect(boundsViolations(UpdateClusterDto, { nodePools: {} })).toEqual(['nodePools must be an array']);
    expect(boundsViolations(UpdateClusterDto, { network: { nodeSubnetCidrs: Array(51).fill('10.0.0.0/8') } })).toEqual([
      'network.nodeSubnetCidrs must contain no more than 50 elements',
    ]);
    expect(boundsViolations(UpdateClusterDto, { nodePools: [{ name: ['x'] }] })).toEqual(['nodePools.0.name must be a single value, not an array']);
    expect(boundsViolations(CreateClusterDto, { resourceGroup: { a: 1 }, x: [1] })).toEqual([
      'resourceGroup must be a single value, not an object',
      'property x should not exist',
    ]);
    // in bounds: nothing to say (the ValidationPipe judges the rest)
    expect(boundsViolations(CreateClusterDto, { name: 'a', resourceGroup: 'rg', nodePools: [{ name: 'p' }], network: { serviceCidr: 'x' } })).toEqual([]);
  });
});
