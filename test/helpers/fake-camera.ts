import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { prepareZXingModule, writeBarcode } from 'zxing-wasm/writer';

/**
 * A still picture for Chromium's fake camera (`--use-file-for-fake-video-capture`), holding the
 * codes a browser test shows to the sampler page: a QR code (a resident code) and a Code 128 tube
 * label side by side on white, as a Y4M file (YUV 4:2:0, a few identical frames; Chromium loops it).
 * The codes are drawn from zxing-wasm's writer (its module matrix), so no image library is needed.
 */
let prepared = false;

/** Draws `codes` left to right and writes the Y4M file; returns its path. */
export async function writeFakeCameraFrame(
  file: string,
  codes: { text: string; format: 'QRCode' | 'Code128'; moduleSize: number; height?: number }[],
  size = { width: 960, height: 540 },
): Promise<string> {
  if (!prepared) {
    const wasm = readFileSync(path.resolve('node_modules/zxing-wasm/dist/writer/zxing_writer.wasm'));
    prepareZXingModule({ overrides: { wasmBinary: wasm.buffer.slice(wasm.byteOffset, wasm.byteOffset + wasm.byteLength) as ArrayBuffer } });
    prepared = true;
  }
  const { width: W, height: H } = size;
  const y = new Uint8Array(W * H).fill(255);
  let x0 = 40;
  for (const c of codes) {
    const out = await writeBarcode(c.text, { format: c.format, scale: 1, addQuietZones: false });
    if (out.error) throw new Error(`zxing writer: ${out.error}`);
    const { data, width, height } = out.symbol;
    const rows = c.format === 'QRCode' ? height * c.moduleSize : (c.height ?? 200);
    const cols = width * c.moduleSize;
    const y0 = Math.floor((H - rows) / 2);
    if (x0 + cols > W - 20 || y0 < 10) throw new Error(`the codes do not fit a ${W}×${H} frame`);
    for (let r = 0; r < rows; r++) {
      const sr = c.format === 'QRCode' ? Math.floor(r / c.moduleSize) : 0;
      for (let col = 0; col < cols; col++) {
        // The writer's symbol: 0 for a dark module, 255 for a light one.
        y[(y0 + r) * W + x0 + col] = data[sr * width + Math.floor(col / c.moduleSize)] ? 255 : 0;
      }
    }
    x0 += cols + 60;
  }
  const chroma = new Uint8Array((W / 2) * (H / 2)).fill(128);
  const frame = Buffer.concat([Buffer.from('FRAME\n'), y, chroma, chroma]);
  writeFileSync(file, Buffer.concat([Buffer.from(`YUV4MPEG2 W${W} H${H} F10:1 Ip A1:1 C420jpeg\n`), frame, frame, frame]));
  return file;
}
