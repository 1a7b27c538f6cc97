// What the fake Glance and flavor list hold. The first image is the one the
// upstream request samples name, so the rebuild sample replays as is.
import type { NovaFlavor, NovaImage } from './types.ts';

export const IMAGES: readonly NovaImage[] = [
  {
    id: '70a599e0-31e7-49b7-b260-868f441e862b',
    name: 'cirros-0.6.2-x86_64-disk',
    properties: { architecture: 'x86_64', auto_disk_config: 'True' },
  },
  { id: 'a2459075-d96c-40d5-893e-577ff92e721c', name: 'ubuntu-22.04', properties: { architecture: 'x86_64' } },
  { id: '155d900f-4e14-4e4c-a73d-069cbf4541e6', name: 'debian-12', properties: { architecture: 'x86_64' } },
];

export const FLAVORS: readonly NovaFlavor[] = [
  { id: '1', name: 'm1.tiny', ram: 512, vcpus: 1, disk: 1, ephemeral: 0, swap: 0, extraSpecs: {} },
  { id: '2', name: 'm1.small', ram: 2048, vcpus: 1, disk: 20, ephemeral: 0, swap: 0, extraSpecs: {} },
];
