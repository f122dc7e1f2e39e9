import { CameraOutlined } from '@ant-design/icons';
import { Button, Modal, Typography } from 'antd';
import { useEffect, useRef, useState } from 'react';
import { useI18n } from '../app/i18n.js';
import type { Decoded, FrameReader } from './barcode-decoder.js';
import { cameraPrecondition, cameraProblemOf, type CameraProblem } from './camera.js';

/** Time between two frames read (ms): a phone reads a few frames a second without heating up. */
const FRAME_GAP_MS = 150;
/**
 * How long the first frame may take: it loads and compiles the decoder (≈ 1 MB of WebAssembly, less
 * compressed). A decoder that fails inside emscripten never settles its promise, so past this the
 * page says the reader could not load instead of waiting forever. Local parameter.
 */
const FIRST_READ_MS = 30_000;
/** Frames that show only some other code before that code is handed over (to be told it is foreign). */
const OTHER_CODE_FRAMES = 8;

/**
 * Camera scanning (扫码) on a phone (the sampler's tubes and resident codes, the grid worker's
 * building codes): a button opens the rear camera, frames are read until a code of the wanted kind
 * shows (`wanted`: e.g. a tube barcode, or a resident code), then the camera closes and
 * the code is handed over, one tap per code (a code held in view is never read twice by accident).
 * A frame showing both (a tube label beside a resident code) gives the wanted one; a frame showing
 * only some other code for a while hands that code over, for the page to say it is foreign. The decoder is
 * loaded only now (dynamic import). A camera the browser may not use is reported through
 * `onProblem`, and the page falls back to the scanner gun and the keyboard.
 */
export function CameraScanner({
  wanted,
  title,
  aim,
  testId,
  size = 'large',
  disabled,
  onRead,
  onProblem,
}: {
  /** Whether a read is what the user aims at. */
  wanted: (d: Decoded) => boolean;
  /** The button's label and the camera window's title. */
  title: string;
  /** What to hold in view. */
  aim: string;
  /** The button's test id (the window is `camera-view`). */
  testId: string;
  size?: 'middle' | 'large';
  disabled?: boolean;
  onRead: (d: Decoded) => void;
  onProblem: (p: CameraProblem) => void;
}) {
  const { t } = useI18n();
  const [open, setOpen] = useState(false);
  const [starting, setStarting] = useState(false);
  const videoRef = useRef<HTMLVideoElement>(null);
  // The latest callbacks, read by the loop without restarting it.
  const cb = useRef({ onRead, onProblem, wanted });
  cb.current = { onRead, onProblem, wanted };

  useEffect(() => {
    if (!open) return;
    let stopped = false;
    let stream: MediaStream | null = null;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const stop = () => {
      stopped = true;
      if (timer) clearTimeout(timer);
      for (const track of stream?.getTracks() ?? []) track.stop();
    };
    const fail = (p: CameraProblem) => {
      stop();
      setStarting(false);
      setOpen(false);
      cb.current.onProblem(p);
    };
    void (async () => {
      const pre = cameraPrecondition({ isSecureContext: window.isSecureContext, hasGetUserMedia: !!navigator.mediaDevices?.getUserMedia });
      if (pre) return fail(pre);
      try {
        stream = await navigator.mediaDevices.getUserMedia({ audio: false, video: { facingMode: { ideal: 'environment' } } });
      } catch (err) {
        return fail(cameraProblemOf(err));
      }
      if (stopped) return stop();
      let read: FrameReader;
      try {
        read = await (await import('./barcode-decoder.js')).createFrameReader();
      } catch {
        return fail('decoder');
      }
      const video = videoRef.current;
      if (stopped || !video) return stop();
      video.srcObject = stream;
      await video.play().catch(() => undefined);
      setStarting(false);
      let others = 0;
      let first = true;
      const tick = async () => {
        if (stopped) return;
        let found: Decoded[] = [];
        try {
          if (first) {
            let limit: ReturnType<typeof setTimeout> | undefined;
            found = await Promise.race([
              read(video),
              new Promise<never>((_, reject) => (limit = setTimeout(() => reject(new Error('decoder did not load')), FIRST_READ_MS))),
            ]).finally(() => clearTimeout(limit));
            first = false;
          } else found = await read(video);
        } catch {
          // The WebAssembly decoder could not load (its file missing): say so rather than spin.
          return fail('decoder');
        }
        if (stopped) return;
        const hit = found.find((d) => cb.current.wanted(d));
        others = hit ? 0 : found.length ? others + 1 : 0;
        const give = hit ?? (others >= OTHER_CODE_FRAMES ? found[0] : undefined);
        if (give) {
          stop();
          setOpen(false);
          cb.current.onRead(give);
          return;
        }
        timer = setTimeout(() => void tick(), FRAME_GAP_MS);
      };
      void tick();
    })();
    return stop;
  }, [open]);

  return (
    <>
      <Button
        size={size}
        icon={<CameraOutlined />}
        disabled={disabled}
        onClick={() => {
          setStarting(true);
          setOpen(true);
        }}
        aria-label={title}
        title={title}
        data-testid={testId}
      />
      <Modal open={open} title={title} onCancel={() => setOpen(false)} footer={null} destroyOnHidden width={480} centered>
        <div data-testid="camera-view" data-starting={String(starting)}>
          <video ref={videoRef} muted playsInline style={{ width: '100%', maxHeight: 360, background: '#000', borderRadius: 4 }} />
          <Typography.Text type="secondary">{starting ? t('sampler.cameraStarting') : aim}</Typography.Text>
        </div>
      </Modal>
    </>
  );
}
