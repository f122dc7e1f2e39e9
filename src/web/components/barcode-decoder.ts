import { prepareZXingModule, readBarcodes, type ReadInputBarcodeFormat } from 'zxing-wasm/reader';
import zxingWasmUrl from 'zxing-wasm/reader/zxing_reader.wasm?url';

/**
 * Reads resident codes (QR) and tube barcodes (1D) from camera frames. Loaded with a dynamic
 * import only when the sampler opens the camera, so the sampler page's first load stays small.
 *
 * The browser's own BarcodeDetector is used where it exists and knows QR codes (Android Chrome,
 * Safari); elsewhere (desktop Linux and Windows browsers, older phones) zxing-cpp compiled to
 * WebAssembly (`zxing-wasm`). Its .wasm file is part of Bulwark's built assets (a hashed file under
 * /assets, served like the rest): government networks are often offline, so nothing is fetched from
 * a CDN, which is the library's default.
 */

/** One code read from a frame. */
export interface Decoded {
  text: string;
  /** A 1D barcode (a tube label) rather than a 2D code (a resident code). */
  linear: boolean;
}

export type FrameReader = (frame: HTMLVideoElement) => Promise<Decoded[]>;

/** What tube labels and resident codes use: QR for codes; Code 128, Code 39, ITF, Codabar and EAN-13 for tubes. */
const ZXING_FORMATS: ReadInputBarcodeFormat[] = ['QRCode', 'Code128', 'Code39', 'ITF', 'Codabar', 'EAN13'];
const DETECTOR_FORMATS = ['qr_code', 'code_128', 'code_39', 'itf', 'codabar', 'ean_13'];
const MATRIX = new Set(['qr_code', 'micro_qr_code', 'data_matrix', 'aztec', 'pdf417', 'QRCode', 'MicroQRCode', 'rMQRCode', 'DataMatrix', 'Aztec', 'PDF417']);

interface DetectedBarcode {
  rawValue: string;
  format: string;
}
interface BarcodeDetectorLike {
  detect(source: CanvasImageSource): Promise<DetectedBarcode[]>;
}
interface BarcodeDetectorClass {
  new (opts?: { formats?: string[] }): BarcodeDetectorLike;
  getSupportedFormats?(): Promise<string[]>;
}

async function nativeReader(): Promise<FrameReader | null> {
  const Detector = (globalThis as { BarcodeDetector?: BarcodeDetectorClass }).BarcodeDetector;
  if (!Detector) return null;
  try {
    const supported = (await Detector.getSupportedFormats?.()) ?? [];
    if (!supported.includes('qr_code')) return null;
    const detector = new Detector({ formats: DETECTOR_FORMATS.filter((f) => supported.includes(f)) });
    return async (frame) => (await detector.detect(frame)).map((b) => ({ text: b.rawValue, linear: !MATRIX.has(b.format) }));
  } catch {
    return null;
  }
}

let zxingPrepared = false;

function zxingReader(): FrameReader {
  if (!zxingPrepared) {
    prepareZXingModule({
      overrides: { locateFile: (file: string, prefix: string) => (file.endsWith('.wasm') ? zxingWasmUrl : prefix + file) },
    });
    zxingPrepared = true;
  }
  const canvas = document.createElement('canvas');
  const ctx = canvas.getContext('2d', { willReadFrequently: true });
  return async (frame) => {
    const w = frame.videoWidth;
    const h = frame.videoHeight;
    if (!ctx || !w || !h) return [];
    canvas.width = w;
    canvas.height = h;
    ctx.drawImage(frame, 0, 0, w, h);
    const results = await readBarcodes(ctx.getImageData(0, 0, w, h), { formats: ZXING_FORMATS, tryHarder: true, maxNumberOfSymbols: 4 });
    return results.filter((r) => r.isValid).map((r) => ({ text: r.text, linear: !MATRIX.has(r.format) && !MATRIX.has(r.symbology) }));
  };
}

/** The frame reader for this browser (the built-in detector, else zxing-wasm, whose .wasm loads on the first frame). */
export async function createFrameReader(): Promise<FrameReader> {
  return (await nativeReader()) ?? zxingReader();
}
