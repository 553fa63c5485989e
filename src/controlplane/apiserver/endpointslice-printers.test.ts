import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { KubeObject } from '../../k8s/object.js';
import { printerColumns } from './printers.js';

const slice = (fields: Record<string, unknown>): KubeObject =>
  ({ apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', metadata: { name: 's', creationTimestamp: new Date().toISOString() }, ...fields }) as KubeObject;

function row(o: KubeObject): Record<string, unknown> {
  return Object.fromEntries(printerColumns('discovery.k8s.io', 'endpointslices')!.map((c) => [c.name, c.cell(o)]));
}

test('EndpointSlices print ADDRESSTYPE PORTS ENDPOINTS AGE', () => {
  assert.deepEqual(Object.keys(row(slice({}))), ['AddressType', 'Ports', 'Endpoints', 'Age']);
  const r = row(
    slice({ addressType: 'IPv4', ports: [{ name: 'http', port: 80, protocol: 'TCP' }], endpoints: [{ addresses: ['10.0.0.1'] }, { addresses: ['10.0.0.2'] }] }),
  );
  assert.deepEqual([r.AddressType, r.Ports, r.Endpoints], ['IPv4', '80', '10.0.0.1,10.0.0.2']);
});

test('ports and endpoints show three and count the rest; empty ones are <unset>', () => {
  const ports = [{ port: 1 }, { name: 'named' }, { name: '' }, { port: 4 }, { port: 5 }];
  const endpoints = [{ addresses: ['10.0.0.1', '10.0.0.2'] }, { addresses: ['10.0.0.3'] }, { addresses: ['10.0.0.4'] }];
  const r = row(slice({ addressType: 'IPv4', ports, endpoints }));
  assert.equal(r.Ports, '1,named, + 2 more...');
  assert.equal(r.Endpoints, '10.0.0.1,10.0.0.2,10.0.0.3 + 1 more...');
  const empty = row(slice({ addressType: 'IPv4', ports: null, endpoints: null }));
  assert.deepEqual([empty.Ports, empty.Endpoints], ['<unset>', '<unset>']);
  // A port without number or name means all ports.
  assert.equal(row(slice({ ports: [{ protocol: 'TCP' }] })).Ports, '*');
});
