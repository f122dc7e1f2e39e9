/**
 * A minimal PMTiles v3 archive written by hand for tests (the `pmtiles` package only reads):
 * the 127-byte header, an uncompressed root directory, JSON metadata and the tile data, laid out as
 * the spec orders them. https://github.com/protomaps/PMTiles/blob/main/spec/v3/spec.md
 */

function varint(n: number, out: number[]): void {
  while (n >= 0x80) {
    out.push((n % 0x80) | 0x80);
    n = Math.floor(n / 0x80);
  }
  out.push(n);
}

/** An MVT tile with one empty layer named `name` (version 2, extent 4096): valid, draws nothing. */
export function emptyVectorTile(name = 'earth'): Buffer {
  const nameBytes = Buffer.from(name, 'utf8');
  // Layer: version (field 15, varint 2), name (field 1, bytes), extent (field 5, varint 4096).
  const layer = Buffer.concat([Buffer.from([0x78, 0x02, 0x0a, nameBytes.length]), nameBytes, Buffer.from([0x28, 0x80, 0x20])]);
  // Tile: layers (field 3, bytes).
  return Buffer.concat([Buffer.from([0x1a, layer.length]), layer]);
}

/**
 * A PMTiles v3 file holding one tile at z0/x0/y0 (tile id 0), uncompressed. Bounds around 宜昌市
 * unless given; `tileType` 1 = MVT.
 */
export function buildPmtiles(opts: { tile?: Buffer; tileType?: number; maxZoom?: number; bounds?: [number, number, number, number] } = {}): Buffer {
  const tile = opts.tile ?? emptyVectorTile();
  const bounds = opts.bounds ?? [110.25, 29.93, 112.07, 31.57];
  // Root directory: one entry (tile id 0, run length 1, the tile's length, offset 0 written as 0 + 1).
  const dir: number[] = [];
  varint(1, dir);
  varint(0, dir); // tile id delta
  varint(1, dir); // run length
  varint(tile.length, dir);
  varint(0 + 1, dir); // offset + 1 (0 would mean "right after the previous entry")
  const rootDir = Buffer.from(dir);
  const metadata = Buffer.from(JSON.stringify({ name: 'bulwark-test', vector_layers: [{ id: 'earth', fields: {} }] }), 'utf8');

  const h = Buffer.alloc(127);
  h.write('PMTiles', 0, 'latin1');
  h[7] = 3;
  const rootOffset = 127;
  const metaOffset = rootOffset + rootDir.length;
  const dataOffset = metaOffset + metadata.length;
  h.writeBigUInt64LE(BigInt(rootOffset), 8);
  h.writeBigUInt64LE(BigInt(rootDir.length), 16);
  h.writeBigUInt64LE(BigInt(metaOffset), 24);
  h.writeBigUInt64LE(BigInt(metadata.length), 32);
  h.writeBigUInt64LE(BigInt(dataOffset), 40); // leaf directories: none (offset, length 0)
  h.writeBigUInt64LE(0n, 48);
  h.writeBigUInt64LE(BigInt(dataOffset), 56);
  h.writeBigUInt64LE(BigInt(tile.length), 64);
  h.writeBigUInt64LE(1n, 72); // addressed tiles
  h.writeBigUInt64LE(1n, 80); // tile entries
  h.writeBigUInt64LE(1n, 88); // tile contents
  h[96] = 1; // clustered
  h[97] = 1; // internal compression: none
  h[98] = 1; // tile compression: none
  h[99] = opts.tileType ?? 1;
  h[100] = 0; // min zoom
  h[101] = opts.maxZoom ?? 0;
  const e7 = (v: number, at: number) => h.writeInt32LE(Math.round(v * 1e7), at);
  e7(bounds[0], 102);
  e7(bounds[1], 106);
  e7(bounds[2], 110);
  e7(bounds[3], 114);
  h[118] = 0; // center zoom
  e7((bounds[0] + bounds[2]) / 2, 119);
  e7((bounds[1] + bounds[3]) / 2, 123);
  return Buffer.concat([h, rootDir, metadata, tile]);
}
