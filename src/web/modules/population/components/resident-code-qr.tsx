import { Alert, Skeleton, Space, Typography } from 'antd';
import { toDataURL } from 'qrcode';
import { useEffect, useState } from 'react';
import { formatTime } from '../../../app/format.js';
import { useI18n } from '../../../app/i18n.js';
import { useRemote } from '../../../app/use-remote.js';
import { ErrorAlert } from '../../../components/error-alert.js';
import { populationApi } from '../api.js';

/**
 * The person's resident code (居民码): the signed payload from the API drawn as a QR code in the
 * browser (a data: URL, nothing leaves the page), with the payload text a scanner would type.
 */
export function ResidentCodeQr({ personId }: { personId: string }) {
  const { t, lang } = useI18n();
  const code = useRemote((signal) => populationApi.residentCode(personId, signal), [personId]);
  const [src, setSrc] = useState<string | null>(null);
  const [drawError, setDrawError] = useState(false);
  useEffect(() => {
    setSrc(null);
    setDrawError(false);
    if (!code.data) return;
    let live = true;
    toDataURL(code.data.payload, { errorCorrectionLevel: 'M', margin: 2, width: 220 })
      .then((url) => live && setSrc(url))
      .catch(() => live && setDrawError(true));
    return () => {
      live = false;
    };
  }, [code.data]);
  if (code.error) return <ErrorAlert error={code.error} onRetry={code.reload} />;
  if (!code.data) return <Skeleton.Node active style={{ width: 220, height: 220 }} />;
  return (
    <Space orientation="vertical" align="center" style={{ width: '100%' }} data-testid="resident-code">
      {src ? (
        <img src={src} width={220} height={220} alt={t('population.residentCode')} data-testid="resident-code-qr" />
      ) : drawError ? (
        <Alert type="error" title={t('error.generic')} />
      ) : (
        <Skeleton.Node active style={{ width: 220, height: 220 }} />
      )}
      <Typography.Text type="secondary">{t('population.residentCodeIssued', { at: formatTime(code.data.issuedAt, lang) })}</Typography.Text>
      <Typography.Text copyable={{ text: code.data.payload }} code style={{ fontSize: 11, wordBreak: 'break-all' }} data-testid="resident-code-payload">
        {code.data.payload}
      </Typography.Text>
      <Typography.Text type="secondary" style={{ textAlign: 'center' }}>
        {t('population.residentCodeHint')}
      </Typography.Text>
    </Space>
  );
}
